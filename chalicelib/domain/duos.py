"""A duo, from the pairing to the 12-month outcome (steps 4 to 8 of the methodology).

One record follows a mentee and a mentor from the moment a coordinator pairs them: the first
meeting and each one's 24-hour answer, the signed agreement that starts the six months, the
follow-up (meetings, action plan, check-ins, intervisions, workshops and services), the closing
with both evaluations, and the mentee's situation twelve months after the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DuoStatus(StrEnum):
    FIRST_MEETING = "first_meeting"  # paired; the first meeting is planned or held, answers pending
    AGREED = "agreed"  # both said yes: the agreement is to be signed
    DECLINED = "declined"  # one of them said no: the pairing ended (terminal)
    ACTIVE = "active"  # the agreement is signed: six months of mentoring
    CLOSED = "closed"  # ended, completed or stopped early


class Phase(StrEnum):
    """Where the duo's open work is; the list index of the task list (GSI2 by phase)."""

    FIRST_MEETING = "first_meeting"
    AGREED = "agreed"
    ACTIVE = "active"
    FOLLOW_UP = "follow_up"  # closed, with evaluations or the outcome pending, or a laptop out
    DECLINED = "declined"
    DONE = "done"


OPEN_PHASES = (Phase.FIRST_MEETING, Phase.AGREED, Phase.ACTIVE, Phase.FOLLOW_UP)
SIDES = ("mentee", "mentor")
ANSWERS = ("yes", "no")
MEETING_MODES = ("in_person", "online")
GOAL_STATUSES = ("open", "in_progress", "done", "dropped")
CHECKIN_CHANNELS = ("call", "visit", "mail", "message")
END_KINDS = ("completed", "stopped")
# The evaluation items the organisation reports (domain.md, "Results"), answered yes or no.
MENTEE_EVALUATION = (
    "gained_stability", "gained_autonomy", "gained_confidence", "understands_language_culture_codes",
    "knows_where_to_find_opportunities", "knows_how_to_seize_opportunities",
)
MENTOR_EVALUATION = ("would_mentor_again", "keeps_in_touch")
OUTCOMES = ("job", "training", "internship", "searching", "unknown")


@dataclass
class Duo:
    id: str
    branch: str
    mentee_id: str
    mentor_id: str
    mentee_name: str
    mentor_name: str
    first_meeting_at: str  # UTC ISO: the answers are due 24 hours later
    created_at: str
    status: DuoStatus = DuoStatus.FIRST_MEETING
    coordinator_id: str = ""
    answers: dict[str, dict] = field(default_factory=dict)  # side -> {"answer", "at", "by"}
    agreement: dict | None = None  # {"signed_on", "mentee", "mentor", "branch"}
    started_on: str | None = None  # YYYY-MM-DD, the agreement's date
    planned_end: str | None = None  # six months after the start
    meeting_count: int = 0
    last_meeting_on: str | None = None
    goals: list[dict] = field(default_factory=list)  # {"id", "title", "status", "target_date"}
    checkins: list[dict] = field(default_factory=list)  # {"id", "on", "channel", "by"}
    intervisions: list[str] = field(default_factory=list)  # dates the mentor attended
    services: list[dict] = field(default_factory=list)  # {"id", "code", "on", "return_due", "returned_on"}
    ended_on: str | None = None
    end_kind: str | None = None
    end_reason: str | None = None
    evaluations: dict[str, dict] = field(default_factory=dict)  # side -> {item: bool, "submitted_at", "by"}
    outcome: dict | None = None  # {"situation", "recorded_at", "by"}
    reminders_sent: list[str] = field(default_factory=list)
    updated_at: str = ""
    version: int = 0
