"""Request and response models of the duo routes (part B)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from chalicelib.api.schemas import Out, PageQuery, Strict
from chalicelib.domain import duos as rules
from chalicelib.domain.branches import CODE_PATTERN

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]
Version = Annotated[int, Field(ge=0, description="The duo's version you last read (409 changed_meanwhile if stale).")]
Side = Literal["mentee", "mentor"]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
PhaseName = Literal["first_meeting", "agreed", "active", "follow_up", "declined", "done"]


class PairIn(Strict):
    mentee_id: Id
    mentor_id: Id
    first_meeting_at: datetime = Field(description="Branch-local time without offset, or with one.")


class FirstMeetingIn(Strict):
    first_meeting_at: datetime
    version: Version


class AnswerIn(Strict):
    side: Side
    answer: Literal["yes", "no"]
    version: Version


class AgreementIn(Strict):
    signed_on: date
    mentee: bool = Field(description="Signed by the mentee.")
    mentor: bool = Field(description="Signed by the mentor.")
    branch: bool = Field(description="Signed for the branch.")
    version: Version


class MeetingIn(Strict):
    on: date
    minutes: Annotated[int, Field(ge=5, le=600)]
    mode: Literal[rules.MEETING_MODES]  # type: ignore[valid-type]
    version: Version


class GoalIn(Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    target_date: date | None = None
    version: Version


class GoalPatch(Strict):
    status: Literal[rules.GOAL_STATUSES] | None = None  # type: ignore[valid-type]
    target_date: date | None = None
    version: Version


class CheckinIn(Strict):
    on: date
    channel: Literal[rules.CHECKIN_CHANNELS]  # type: ignore[valid-type]
    version: Version


class IntervisionIn(Strict):
    on: date
    version: Version


class ServiceIn(Strict):
    code: Code = Field(description="One of the branch's config.services.")
    on: date
    return_due: date | None = Field(None, description="Required for a laptop_loan.")
    version: Version


class ReturnedIn(Strict):
    on: date
    version: Version


class CloseIn(Strict):
    ended_on: date
    kind: Literal[rules.END_KINDS]  # type: ignore[valid-type]
    reason: Code | None = Field(None, description="One of config.closing.end_reasons; required when stopped.")
    version: Version


class EvaluationIn(Strict):
    side: Side
    answers: dict[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")], bool] = Field(
        description="Every item of the side: mentee " + ", ".join(rules.MENTEE_EVALUATION) + "; mentor "
        + ", ".join(rules.MENTOR_EVALUATION) + ".")
    version: Version


class OutcomeIn(Strict):
    situation: Literal[rules.OUTCOMES]  # type: ignore[valid-type]
    version: Version


class DuosQuery(PageQuery):
    phase: PhaseName | None = None


class Flags(Out):
    answer_overdue: bool
    no_recent_meeting: bool
    missing_intervisions: bool
    evaluation_due: bool
    outcome_due: bool
    laptops_due: bool


class DuoSummary(Out):
    id: str
    mentee_id: str
    mentor_id: str
    mentee_name: str
    mentor_name: str
    coordinator_id: str
    status: str
    phase: PhaseName
    first_meeting_at: str
    started_on: str | None
    planned_end: str | None
    created_at: str
    version: int


class DuoOut(DuoSummary):
    answers: dict[str, dict[str, Any]]
    answer_due_at: str
    agreement: dict[str, Any] | None
    meeting_count: int
    last_meeting_on: str | None
    goals: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    intervisions: list[str]
    services: list[dict[str, Any]]
    ended_on: str | None
    end_kind: str | None
    end_reason: str | None
    evaluations: dict[str, dict[str, Any]]
    outcome: dict[str, Any] | None
    outcome_due_on: str | None
    updated_at: str
    flags: Flags


class DuoPage(Out):
    items: list[DuoSummary]
    next: str | None = Field(None, description="Pass as ?cursor= for the next page.")


class EventOut(Out):
    id: str
    kind: str
    actor: str
    at: str
    fields: list[str]
    data: dict[str, Any]


class EventPage(Out):
    items: list[EventOut]
    next: str | None = None


class MeetingOut(Out):
    id: str
    on: str
    minutes: int
    mode: str
    logged_at: str
    logged_by: str


class MeetingPage(Out):
    items: list[MeetingOut]
    next: str | None = None
