"""A duo, from the pairing to the 12-month outcome (steps 4 to 8 of the methodology).

One record follows a mentee and a mentor from the moment a coordinator pairs them: the first
meeting and each one's 24-hour answer, the signed agreement that starts the six months, the
follow-up (meetings, action plan, check-ins, intervisions, workshops and services), the closing
with both evaluations, and the mentee's situation twelve months after the start.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.texts import N_, word


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
    phase_since: str = ""  # when the duo entered its current phase (lists sort by it)


# --- Behaviour ------------------------------------------------------------------------------------
ANSWER_WITHIN = timedelta(hours=24)
DUO_MONTHS = 6
OUTCOME_AFTER_MONTHS = 12
MIN_INTERVISIONS = 2
EVALUATION_ITEMS = {"mentee": MENTEE_EVALUATION, "mentor": MENTOR_EVALUATION}


@dataclass(frozen=True)
class PersonMove:
    """A candidate's status change that a step of the duo makes (written in the same transaction)."""

    candidate_id: str
    side: str
    from_status: str
    to_status: str
    duo_id: str | None = None  # None: unchanged; "": no current duo any more; else: the current duo
    add_duo: bool = False  # append the duo to the candidate's duo_ids
    declined_with: str | None = None  # never pair again with this candidate
    role: str | None = None  # the role the candidate must have (condition)


@dataclass(frozen=True)
class Step:
    """What a step changed: the event's kind, the fields, codes-only data, and the people it moves."""

    kind: str
    fields: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    moves: tuple[PersonMove, ...] = ()


_SIDE_WORDS = (N_("mentee"), N_("mentor"))  # the ``side`` of a refusal: a page words it in its language


def _conflict(code: str, message: str) -> ConflictError:
    return ConflictError(message, code=code)


def _invalid(name: str, message: str) -> InvalidInputError:
    return InvalidInputError(N_("Some fields are not valid."), {name: message})


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def pairing_refusal(person: Any, role: str, other: Any) -> ConflictError | None:
    """Why ``person`` (a domain Candidate) may not be paired as ``role`` with ``other``; None when they may."""
    side = "mentor" if role == "mentor" else "mentee"
    if person.role.value != role:
        return _conflict("wrong_role", N_("The %(side)s you chose is not a %(side)s.", side=word(side)))
    status = person.status.value
    if status in ("paired", "in_duo"):
        return _conflict(f"{side}_busy", N_("This %(side)s is already in a pairing or a duo.", side=word(side)))
    if status != "ready":
        return _conflict("not_ready", N_("This %(side)s is not ready to be paired (status: %(status)s).",
                                          side=word(side), status=status))
    if other.id in person.declined_with:
        return _conflict("declined_before", N_("These two said no to each other before; they are never paired again."))
    return None


def pair(
    duo_id: str, mentee: Any, mentor: Any, first_meeting_at: datetime, now: datetime, coordinator_id: str
) -> tuple[Duo, Step]:
    """A new pairing of a ready mentee and a ready mentor; raises ConflictError with the rule broken."""
    if mentee.id == mentor.id:
        raise _conflict("same_person", N_("A mentee and a mentor are two different people."))
    if mentee.branch != mentor.branch:
        raise _conflict("other_branch", N_("Both people must be of this branch."))
    for person, role, other in ((mentor, "mentor", mentee), (mentee, "mentee", mentor)):
        refusal = pairing_refusal(person, role, other)
        if refusal:
            raise refusal
    if first_meeting_at > now + timedelta(days=366):
        raise _invalid("first_meeting_at", N_("Plan the first meeting within a year."))
    at = _utc(now)
    duo = Duo(
        id=duo_id, branch=mentee.branch, mentee_id=mentee.id, mentor_id=mentor.id, mentee_name=mentee.name,
        mentor_name=mentor.name, first_meeting_at=_utc(first_meeting_at), created_at=at, updated_at=at,
        coordinator_id=coordinator_id or mentee.coordinator_id or mentor.coordinator_id,
    )
    moves = tuple(
        PersonMove(p.id, side, "ready", "paired", duo_id=duo_id, add_duo=True, role=side)
        for p, side in ((mentee, "mentee"), (mentor, "mentor"))
    )
    return duo, Step("duo.paired", ("status", "first_meeting_at"), {"to": "first_meeting"}, moves)


def _require(duo: Duo, *statuses: DuoStatus) -> None:
    if duo.status in statuses:
        return
    if duo.status is DuoStatus.CLOSED:
        raise _conflict("already_closed", N_("This duo is closed."))
    if duo.status is DuoStatus.DECLINED:
        raise _conflict("declined", N_("This pairing ended: one of them said no."))
    if DuoStatus.ACTIVE in statuses:
        raise _conflict("not_active", N_("This step is for a duo whose agreement is signed."))
    if DuoStatus.CLOSED in statuses:
        raise _conflict("not_closed", N_("This step comes after the duo is closed."))
    raise _conflict("wrong_step", N_("This step does not fit a duo in status %(status)s.", status=duo.status.value))


def reschedule_first_meeting(duo: Duo, at: datetime, now: datetime) -> Step:
    _require(duo, DuoStatus.FIRST_MEETING)
    if duo.answers:
        raise _conflict("answers_given", N_("An answer was given already: the first meeting took place."))
    if at > now + timedelta(days=366):
        raise _invalid("first_meeting_at", N_("Plan the first meeting within a year."))
    duo.first_meeting_at = _utc(at)
    return Step("duo.first_meeting_planned", ("first_meeting_at",))


def answer(duo: Duo, side: str, value: str, now: datetime, by: str) -> Step:
    """One person's answer after the first meeting: a no ends the pairing, two yeses lead to the agreement."""
    _require(duo, DuoStatus.FIRST_MEETING)
    if side not in SIDES:
        raise _invalid("side", N_("Say mentee or mentor."))
    if value not in ANSWERS:
        raise _invalid("answer", N_("Answer yes or no."))
    if side in duo.answers:
        raise _conflict("already_answered", N_("The %(side)s has answered already.", side=word(side)))
    if now < _parse(duo.first_meeting_at):
        raise _conflict("meeting_not_held", N_("The answer comes after the first meeting."))
    duo.answers = {**duo.answers, side: {"answer": value, "at": _utc(now), "by": by}}
    data: dict[str, Any] = {"side": side, "answer": value}
    if value == "no":
        duo.status = DuoStatus.DECLINED
        data["to"] = "declined"
        moves = (
            PersonMove(duo.mentee_id, "mentee", "paired", "ready", duo_id="", declined_with=duo.mentor_id),
            PersonMove(duo.mentor_id, "mentor", "paired", "ready", duo_id="", declined_with=duo.mentee_id),
        )
        return Step("duo.answered", ("answers", "status"), data, moves)
    if all(duo.answers.get(s, {}).get("answer") == "yes" for s in SIDES):
        duo.status = DuoStatus.AGREED
        data["to"] = "agreed"
        return Step("duo.answered", ("answers", "status"), data)
    return Step("duo.answered", ("answers",), data)


def record_agreement(
    duo: Duo, signed_on: date, mentee: bool, mentor: bool, branch: bool, today: date, by: str
) -> Step:
    """The signed agreement starts the six months; needs two yeses and all three signatures."""
    if duo.status is DuoStatus.FIRST_MEETING:
        raise _conflict("answers_missing", N_("Both must say yes after the first meeting before the agreement."))
    if duo.status is DuoStatus.DECLINED:
        raise _conflict("not_two_yeses", N_("One of them said no: there is no agreement to sign."))
    if duo.status in (DuoStatus.ACTIVE, DuoStatus.CLOSED):
        raise _conflict("already_agreed", N_("The agreement is recorded already."))
    missing = {name: N_("The agreement needs this signature.") for name, signed in
               (("mentee", mentee), ("mentor", mentor), ("branch", branch)) if not signed}
    if missing:
        raise InvalidInputError(N_("The agreement needs all three signatures."), missing)
    if signed_on > today:
        raise _invalid("signed_on", N_("The date cannot be in the future."))
    if signed_on < _parse(duo.first_meeting_at).date():
        raise _invalid("signed_on", N_("The agreement is signed after the first meeting."))
    duo.agreement = {"signed_on": signed_on.isoformat(), "mentee": True, "mentor": True, "branch": True, "by": by}
    duo.started_on = signed_on.isoformat()
    duo.planned_end = add_months(signed_on, DUO_MONTHS).isoformat()
    duo.status = DuoStatus.ACTIVE
    moves = tuple(PersonMove(pid, side, "paired", "in_duo") for pid, side in
                  ((duo.mentee_id, "mentee"), (duo.mentor_id, "mentor")))
    return Step("duo.agreement_signed", ("agreement", "started_on", "planned_end", "status"),
                {"to": "active", "started_on": duo.started_on, "planned_end": duo.planned_end}, moves)


def _past_date(name: str, value: date, duo: Duo, today: date) -> None:
    if value > today:
        raise _invalid(name, N_("The date cannot be in the future."))
    start = _day(duo.started_on)
    if start and value < start:
        raise _invalid(name, N_("The date cannot be before the duo's start."))


def log_meeting(duo: Duo, on: date, minutes: int, mode: str, today: date) -> Step:
    _require(duo, DuoStatus.ACTIVE)
    if mode not in MEETING_MODES:
        raise _invalid("mode", N_("Say in_person or online."))
    if not 5 <= minutes <= 600:
        raise _invalid("minutes", N_("Give the duration in minutes (5 to 600)."))
    _past_date("on", on, duo, today)
    duo.meeting_count += 1
    if not duo.last_meeting_on or on.isoformat() > duo.last_meeting_on:
        duo.last_meeting_on = on.isoformat()
    return Step("duo.meeting_logged", ("meeting_count", "last_meeting_on"),
                {"on": on.isoformat(), "minutes": minutes, "mode": mode})


def add_goal(duo: Duo, goal_id: str, title: str, target_date: date | None) -> Step:
    _require(duo, DuoStatus.ACTIVE)
    if not title.strip():
        raise _invalid("title", N_("Give the goal a title."))
    goal = {"id": goal_id, "title": title.strip(), "status": "open",
            "target_date": target_date.isoformat() if target_date else None}
    duo.goals = [*duo.goals, goal]
    return Step("duo.goal_added", ("goals",), {"goal_id": goal_id, "status": "open"})


def update_goal(duo: Duo, goal_id: str, status: str | None, target_date: date | None, clear_date: bool) -> Step:
    _require(duo, DuoStatus.ACTIVE, DuoStatus.CLOSED)
    goal = next((g for g in duo.goals if g["id"] == goal_id), None)
    if goal is None:
        raise NotFoundError(N_("This duo has no such goal."), code="goal_not_found")
    if status is not None and status not in GOAL_STATUSES:
        raise _invalid("status", N_("Say one of: %(values)s.", values=', '.join(GOAL_STATUSES)))
    changed = {**goal}
    if status is not None:
        changed["status"] = status
    if target_date is not None or clear_date:
        changed["target_date"] = target_date.isoformat() if target_date else None
    duo.goals = [changed if g["id"] == goal_id else g for g in duo.goals]
    return Step("duo.goal_updated", ("goals",), {"goal_id": goal_id, "status": changed["status"]})


def add_checkin(duo: Duo, checkin_id: str, on: date, channel: str, by: str, today: date) -> Step:
    _require(duo, DuoStatus.ACTIVE)
    if channel not in CHECKIN_CHANNELS:
        raise _invalid("channel", N_("Say one of: %(values)s.", values=', '.join(CHECKIN_CHANNELS)))
    _past_date("on", on, duo, today)
    duo.checkins = [*duo.checkins, {"id": checkin_id, "on": on.isoformat(), "channel": channel, "by": by}]
    return Step("duo.checkin_recorded", ("checkins",), {"on": on.isoformat(), "channel": channel})


def add_intervision(duo: Duo, on: date, today: date) -> Step:
    _require(duo, DuoStatus.ACTIVE)
    _past_date("on", on, duo, today)
    if on.isoformat() in duo.intervisions:
        raise _conflict("already_recorded", N_("This intervision is recorded already."))
    duo.intervisions = sorted([*duo.intervisions, on.isoformat()])
    return Step("duo.intervision_recorded", ("intervisions",), {"on": on.isoformat()})


def add_service(
    duo: Duo, service_id: str, code: str, on: date, return_due: date | None, offered: list[str] | tuple[str, ...],
    today: date,
) -> Step:
    _require(duo, DuoStatus.ACTIVE, DuoStatus.CLOSED)
    if code not in offered:
        raise _invalid("code", N_("Choose one of the branch's workshops and services."))
    if on > today:
        raise _invalid("on", N_("The date cannot be in the future."))
    if code == "laptop_loan" and return_due is None:
        raise _invalid("return_due", N_("A laptop loan needs its return date."))
    if return_due is not None and return_due < on:
        raise _invalid("return_due", N_("The return date comes after the loan."))
    service = {"id": service_id, "code": code, "on": on.isoformat(),
               "return_due": return_due.isoformat() if return_due else None, "returned_on": None}
    duo.services = [*duo.services, service]
    data = {"service_id": service_id, "code": code, "on": on.isoformat()}
    if return_due:
        data["return_due"] = return_due.isoformat()
    return Step("duo.service_recorded", ("services",), data)


def service_returned(duo: Duo, service_id: str, on: date, today: date) -> Step:
    _require(duo, DuoStatus.ACTIVE, DuoStatus.CLOSED)
    service = next((s for s in duo.services if s["id"] == service_id), None)
    if service is None:
        raise NotFoundError(N_("This duo has no such service."), code="service_not_found")
    if not service.get("return_due"):
        raise _conflict("nothing_to_return", N_("Nothing of this service is to be returned."))
    if service.get("returned_on"):
        raise _conflict("already_returned", N_("This was returned already."))
    if on > today:
        raise _invalid("on", N_("The date cannot be in the future."))
    if on < date.fromisoformat(service["on"]):
        raise _invalid("on", N_("The return comes after the loan."))
    duo.services = [{**s, "returned_on": on.isoformat()} if s["id"] == service_id else s for s in duo.services]
    return Step("duo.service_returned", ("services",), {"service_id": service_id, "on": on.isoformat()})


def close(duo: Duo, ended_on: date, kind: str, reason: str | None, reasons: list[str] | tuple[str, ...],
          today: date) -> Step:
    """End the duo: the mentee is finished, the mentor available again; the evaluations are due."""
    if duo.status is DuoStatus.CLOSED:
        raise _conflict("already_closed", N_("This duo is closed already."))
    _require(duo, DuoStatus.ACTIVE)
    if kind not in END_KINDS:
        raise _invalid("kind", N_("Say completed or stopped."))
    if reason and reason not in reasons:
        raise _invalid("reason", N_("Choose one of the branch's end reasons."))
    if kind == "stopped" and not reason:
        raise _invalid("reason", N_("Say why the duo stopped early."))
    _past_date("ended_on", ended_on, duo, today)
    duo.status, duo.ended_on, duo.end_kind, duo.end_reason = DuoStatus.CLOSED, ended_on.isoformat(), kind, reason
    moves = (
        PersonMove(duo.mentee_id, "mentee", "in_duo", "finished"),
        PersonMove(duo.mentor_id, "mentor", "in_duo", "ready", duo_id=""),
    )
    data = {"to": "closed", "kind": kind, "ended_on": duo.ended_on, "started_on": duo.started_on,
            **({"reason": reason} if reason else {})}
    return Step("duo.closed", ("status", "ended_on", "end_kind", "end_reason"), data, moves)


def submit_evaluation(duo: Duo, side: str, answers: dict[str, bool], now: datetime, by: str) -> Step:
    _require(duo, DuoStatus.CLOSED)
    if side not in SIDES:
        raise _invalid("side", N_("Say mentee or mentor."))
    if side in duo.evaluations:
        raise _conflict("already_evaluated", N_("The %(side)s's evaluation is in already.", side=word(side)))
    items = EVALUATION_ITEMS[side]
    unknown = [k for k in answers if k not in items]
    missing = [k for k in items if k not in answers]
    if unknown or missing or not all(isinstance(v, bool) for v in answers.values()):
        fields = {f"answers.{k}": N_("Unknown item.") for k in unknown}
        fields.update({f"answers.{k}": N_("Answer yes or no.") for k in missing})
        message = N_("Answer every item of the evaluation with yes or no.")
        raise InvalidInputError(message, fields or {"answers": N_("Answer yes or no.")})
    duo.evaluations = {**duo.evaluations, side: {**answers, "submitted_at": _utc(now), "by": by}}
    return Step("duo.evaluated", ("evaluations",), {"side": side, "started_on": duo.started_on,
                                                    **{k: bool(v) for k, v in answers.items()}})


def record_outcome(duo: Duo, situation: str, now: datetime, by: str) -> Step:
    _require(duo, DuoStatus.CLOSED)
    if situation not in OUTCOMES:
        raise _invalid("situation", N_("Say one of: %(values)s.", values=', '.join(OUTCOMES)))
    if duo.outcome:
        raise _conflict("outcome_recorded", N_("The outcome is recorded already."))
    duo.outcome = {"situation": situation, "recorded_at": _utc(now), "by": by}
    return Step("duo.outcome_recorded", ("outcome",), {"situation": situation, "started_on": duo.started_on})


# --- Where the duo is, and what is due -------------------------------------------------------------
def laptops_out(duo: Duo) -> list[dict]:
    return [s for s in duo.services if s.get("return_due") and not s.get("returned_on")]


def phase(duo: Duo) -> Phase:
    if duo.status is DuoStatus.CLOSED:
        pending = len(duo.evaluations) < len(SIDES) or duo.outcome is None or laptops_out(duo)
        return Phase.FOLLOW_UP if pending else Phase.DONE
    return Phase(duo.status.value)


def settle(duo: Duo, before: Phase, at: str) -> None:
    """After a step: the time of the change, and of the phase's start when the phase moved."""
    duo.updated_at = at
    if phase(duo) is not before or not duo.phase_since:
        duo.phase_since = at


def answer_due_at(duo: Duo) -> datetime:
    return _parse(duo.first_meeting_at) + ANSWER_WITHIN


def pending_sides(duo: Duo) -> list[str]:
    return [s for s in SIDES if s not in duo.answers] if duo.status is DuoStatus.FIRST_MEETING else []


def answer_overdue(duo: Duo, now: datetime) -> bool:
    return bool(pending_sides(duo)) and now > answer_due_at(duo)


def last_meeting_or_start(duo: Duo) -> date | None:
    return _day(duo.last_meeting_on) or _day(duo.started_on)


def no_recent_meeting(duo: Duo, now: datetime, days: int = 14) -> bool:
    since = last_meeting_or_start(duo)
    return duo.status is DuoStatus.ACTIVE and since is not None and (now.date() - since).days >= days


def missing_intervisions(duo: Duo, today: date) -> bool:
    end = _day(duo.planned_end)
    due = duo.status is DuoStatus.CLOSED or (duo.status is DuoStatus.ACTIVE and end is not None and today >= end)
    return due and len(duo.intervisions) < MIN_INTERVISIONS


def evaluations_missing(duo: Duo) -> list[str]:
    return [s for s in SIDES if s not in duo.evaluations] if duo.status is DuoStatus.CLOSED else []


def evaluation_due(duo: Duo) -> bool:
    return bool(evaluations_missing(duo))


def outcome_due_on(duo: Duo) -> date | None:
    start = _day(duo.started_on)
    return add_months(start, OUTCOME_AFTER_MONTHS) if start else None


def outcome_due(duo: Duo, now: datetime) -> bool:
    due = outcome_due_on(duo)
    return duo.status is DuoStatus.CLOSED and duo.outcome is None and due is not None and now.date() >= due


def laptops_due(duo: Duo, now: datetime, within_days: int = 7) -> list[dict]:
    limit = now.date() + timedelta(days=within_days)
    return [s for s in laptops_out(duo) if date.fromisoformat(s["return_due"]) <= limit]
