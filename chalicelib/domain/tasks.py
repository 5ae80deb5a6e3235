"""What needs doing: the tasks a candidate or a duo gives its coordinator today (pure).

Each open record yields zero or more tasks, each with its kind, the record it is about, the people it
concerns, the responsible coordinator, a due moment and whether that moment has passed. The rules
read the flags of ``domain/duos.py`` (answers, meetings, evaluations, outcome, laptops) and add
the ones of the task list itself (intakes, agreement, intervisions ahead of the end). ``now`` is an
argument: the caller reads the clock. Dates are UTC dates, as the duo's own rules count them.

The task list reads only the records that may give a task (``CANDIDATE_SOURCES``, ``DUO_SOURCES``):
the open statuses and phases, never the closed history; and the branch's open privacy requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.candidates import Candidate, CandidateStatus
from chalicelib.domain.duos import (
    MIN_INTERVISIONS,
    Duo,
    DuoStatus,
    Phase,
    answer_due_at,
    answer_overdue,
    evaluations_missing,
    laptops_due,
    last_meeting_or_start,
    no_recent_meeting,
    outcome_due,
    outcome_due_on,
    pending_sides,
)
from chalicelib.domain.privacy_requests import Request


class TaskKind(StrEnum):
    INTAKE_TO_SCHEDULE = "intake_to_schedule"  # came to the info session: plan the intake
    INTAKE_DUE = "intake_due"  # the intake is planned for today or earlier and not recorded
    ANSWER_PENDING = "answer_pending"  # after the first meeting, within the 24 hours
    ANSWER_OVERDUE = "answer_overdue"  # more than 24 hours after the first meeting
    AGREEMENT_TO_RECORD = "agreement_to_record"  # two yeses: record the signed agreement
    NO_MEETING_14_DAYS = "no_meeting_14_days"  # an active duo with no meeting logged for 14 days
    MISSING_INTERVISIONS = "missing_intervisions"  # the mentor has fewer than two intervisions near/after the end
    EVALUATION_DUE = "evaluation_due"  # a closed duo with an evaluation missing
    OUTCOME_DUE = "outcome_due"  # 12 months after the start, no outcome recorded
    LAPTOP_DUE_BACK = "laptop_due_back"  # a loan to return within 7 days (or late)
    PRIVACY_REQUEST = "privacy_request"  # a person's request about their data, due a month after it came


# How long a step may wait before it is overdue (the domain gives the others: 24 h, 14 days, 12 months).
SCHEDULE_INTAKE_WITHIN = timedelta(days=7)  # after the info session
AGREEMENT_WITHIN = timedelta(days=7)  # after the second yes
EVALUATION_WITHIN = timedelta(days=7)  # after closing (the reminder's week)
INTERVISIONS_WARN_BEFORE = timedelta(days=30)  # before the planned end
LAPTOP_WARN_DAYS = 7  # a return due within a week shows

# Where tasks come from: the candidate statuses and duo phases read (GSI2), most urgent first.
CANDIDATE_SOURCES = (CandidateStatus.INTAKE_SCHEDULED, CandidateStatus.ATTENDED)
DUO_SOURCES = (Phase.FIRST_MEETING, Phase.AGREED, Phase.ACTIVE, Phase.FOLLOW_UP)


@dataclass(frozen=True)
class TaskPerson:
    id: str
    name: str
    role: str  # mentee | mentor


@dataclass(frozen=True)
class Task:
    kind: TaskKind
    subject_kind: str  # candidate | duo
    subject_id: str
    people: tuple[TaskPerson, ...]
    coordinator_id: str  # "" when nobody is responsible yet
    due: str  # ISO date, or a UTC ISO datetime for the 24-hour answers and a planned intake
    overdue: bool
    detail: dict[str, Any] = field(default_factory=dict)  # codes, dates and counts only

    @property
    def due_date(self) -> date:
        return date.fromisoformat(self.due[:10])

    def sort_key(self) -> tuple[bool, str, str, str]:
        """Overdue first, then the earliest due."""
        return (not self.overdue, self.due, self.kind.value, self.subject_id)


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _utc(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def candidate_tasks(c: Candidate, now: datetime) -> list[Task]:
    """The tasks of one candidate: an intake to plan, or a planned intake whose day has come."""
    today = now.date()
    people = (TaskPerson(c.id, c.name, c.role.value),)

    def task(kind: TaskKind, due: str, overdue: bool, **detail: Any) -> Task:
        return Task(kind, "candidate", c.id, people, c.coordinator_id, due, overdue, detail)

    if c.status is CandidateStatus.ATTENDED:
        since = _day(c.status_since) or _day(c.created_at) or today
        due = since + SCHEDULE_INTAKE_WITHIN
        return [task(TaskKind.INTAKE_TO_SCHEDULE, due.isoformat(), today > due, attended_on=since.isoformat())]
    if c.status is CandidateStatus.INTAKE_SCHEDULED:
        scheduled = str((c.intake or {}).get("scheduled_at") or "")
        if not scheduled:  # planned without a time (an import): due from the day it was planned
            since = _day(c.status_since) or today
            return [task(TaskKind.INTAKE_DUE, since.isoformat(), today > since)]
        day = _parse(scheduled).date()
        if day <= today:
            return [task(TaskKind.INTAKE_DUE, scheduled, today > day)]
    return []


def _intervisions_task(duo: Duo, today: date) -> tuple[str, bool] | None:
    """(due, overdue) when the mentor's intervisions are short: within 30 days of the planned end, or closed."""
    if len(duo.intervisions) >= MIN_INTERVISIONS:
        return None
    end = _day(duo.planned_end)
    if duo.status is DuoStatus.CLOSED:
        return (end or _day(duo.ended_on) or today).isoformat(), True
    if duo.status is DuoStatus.ACTIVE and end is not None and today >= end - INTERVISIONS_WARN_BEFORE:
        return end.isoformat(), today > end
    return None


def duo_tasks(duo: Duo, now: datetime) -> list[Task]:
    """The tasks of one duo, from the 24-hour answers to the 12-month outcome."""
    today = now.date()
    people = (TaskPerson(duo.mentee_id, duo.mentee_name, "mentee"),
              TaskPerson(duo.mentor_id, duo.mentor_name, "mentor"))
    out: list[Task] = []

    def add(kind: TaskKind, due: str, overdue: bool, **detail: Any) -> None:
        out.append(Task(kind, "duo", duo.id, people, duo.coordinator_id, due, overdue, detail))

    if duo.status is DuoStatus.FIRST_MEETING:
        sides = pending_sides(duo)
        if sides and now >= _parse(duo.first_meeting_at):
            late = answer_overdue(duo, now)
            kind = TaskKind.ANSWER_OVERDUE if late else TaskKind.ANSWER_PENDING
            add(kind, _utc(answer_due_at(duo)), late, sides=sides)
    elif duo.status is DuoStatus.AGREED:
        since = _day(duo.phase_since) or _day(duo.updated_at) or today
        due = since + AGREEMENT_WITHIN
        add(TaskKind.AGREEMENT_TO_RECORD, due.isoformat(), today > due)
    if duo.status is DuoStatus.ACTIVE and no_recent_meeting(duo, now):
        last = last_meeting_or_start(duo)
        assert last is not None  # no_recent_meeting needs one
        due = last + timedelta(days=14)
        add(TaskKind.NO_MEETING_14_DAYS, due.isoformat(), today > due, last_meeting_on=duo.last_meeting_on)
    intervisions = _intervisions_task(duo, today)
    if intervisions:
        add(TaskKind.MISSING_INTERVISIONS, intervisions[0], intervisions[1], intervisions=len(duo.intervisions))
    missing = evaluations_missing(duo)
    if missing:
        closed = _day(duo.ended_on) or _day(duo.phase_since) or today
        due = closed + EVALUATION_WITHIN
        add(TaskKind.EVALUATION_DUE, due.isoformat(), today > due, sides=missing)
    if outcome_due(duo, now):
        due = outcome_due_on(duo)
        assert due is not None
        add(TaskKind.OUTCOME_DUE, due.isoformat(), today > due)
    if duo.status in (DuoStatus.ACTIVE, DuoStatus.CLOSED):
        for service in laptops_due(duo, now, LAPTOP_WARN_DAYS):
            due = date.fromisoformat(service["return_due"])
            add(TaskKind.LAPTOP_DUE_BACK, due.isoformat(), today > due, service_id=service["id"], code=service["code"])
    return out


def request_tasks(requests: list[Request], now: datetime, people: dict[str, TaskPerson] | None = None) -> list[Task]:
    """One task per open privacy request, about its person (``people``: id -> who, when known), due on its
    deadline and overdue the day after. Nobody's caseload: the branch admin answers them."""
    today = now.date()
    known = people or {}
    return [
        Task(TaskKind.PRIVACY_REQUEST, "candidate", r.candidate_id,
             (known[r.candidate_id],) if r.candidate_id in known else (), "", r.due_on, r.overdue(today),
             {"request_id": r.id, "request_kind": r.kind.value, "source": r.source.value})
        for r in requests if r.open
    ]


def for_coordinator(tasks: list[Task], staff_id: str | None) -> list[Task]:
    """``mine``: only the tasks of records this staff member is responsible for (None: all)."""
    return tasks if staff_id is None else [t for t in tasks if t.coordinator_id == staff_id]
