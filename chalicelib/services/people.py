"""People: attendance, intake, training, withdrawal, the responsible coordinator, search, caseloads.

Each step reads the candidate once, refuses a stale ``version`` (409 ``changed_meanwhile``), asks the
domain (``domain/intake.py``) which status the step leads to, and writes the change with its event in
one transaction (``CandidateRepository.step``). Events carry codes and dates only; logs carry ids.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import (
    AVAILABILITY,
    DIGITAL_LEVELS,
    INTERESTS,
    LANGUAGE_LEVELS,
    MAX_INTERESTS,
    MAX_LANGUAGES,
    MAX_SECTORS,
    SECTORS,
    SPOKEN_LANGUAGES,
    Candidate,
    CandidateRole,
    CandidateStatus,
    SpokenLanguage,
)
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.events import Event
from chalicelib.domain.intake import (
    NOT_SUITABLE_REASONS,
    Decision,
    Intake,
    Readiness,
    Step,
    next_status,
    readiness,
)
from chalicelib.domain.privacy_requests import CONTACT_FIELDS, AuditAction, check_contact
from chalicelib.domain.registrations import Registration
from chalicelib.domain.roles import Principal
from chalicelib.domain.staff import StaffStatus
from chalicelib.domain.texts import N_
from chalicelib.observability import logger
from chalicelib.services import audit, clock, privacy_requests
from chalicelib.services.repos import Repos

NOTES_FACTOR = 5  # personality notes may be longer than the other free texts
ATTENDANCE_FROM = (CandidateStatus.REGISTERED, CandidateStatus.ATTENDED, CandidateStatus.NO_SHOW)


@dataclass
class Person:
    """A candidate as the console and the API show them: the record and their training's readiness."""

    candidate: Candidate
    readiness: Readiness | None  # mentors only

    @property
    def intake(self) -> Intake:
        return Intake.from_dict(self.candidate.intake)


@dataclass
class IntakeData:
    """What the intake form sends (already typed by the API's or the console's schema)."""

    experience: str = ""
    expectations: str = ""
    help_needs: list[str] = dataclasses.field(default_factory=list)
    availability: list[str] = dataclasses.field(default_factory=list)
    languages: list[dict[str, str]] = dataclasses.field(default_factory=list)
    sectors: list[str] = dataclasses.field(default_factory=list)
    help_offers: list[str] = dataclasses.field(default_factory=list)
    interests: list[str] = dataclasses.field(default_factory=list)
    digital_skills: str = ""
    notes: str = ""
    decision: str = ""
    reason: str = ""


def _branch(repos: Repos, branch_id: str) -> Branch:
    return repos.branches.get(branch_id)


def _modules(branch: Branch) -> list[dict[str, Any]]:
    return list(branch.effective_config().get("training", {}).get("modules") or [])


def _readiness(branch: Branch, c: Candidate) -> Readiness | None:
    return readiness(_modules(branch), c.training) if c.role is CandidateRole.MENTOR else None


def ensure_not_restricted(*people: Candidate) -> None:
    """Staff steps on a person whose processing is restricted (GDPR art. 18) are refused: 409
    ``processing_restricted`` (lifting it, a correction, an export and an erasure are not steps)."""
    if any(c.restricted for c in people):
        raise ConflictError(N_("Processing of this person's data is restricted at their request; a branch admin "
                            "may lift the restriction."), code="processing_restricted")


def _current(repos: Repos, branch_id: str, candidate_id: str, version: int) -> Candidate:
    c = repos.candidates.get(branch_id, candidate_id)
    ensure_not_restricted(c)
    if c.version != version:
        raise ConflictError(N_("This person's record changed meanwhile; reload it and try again."),
                            code="changed_meanwhile")
    return c


def _event(kind: str, c: Candidate, actor: Principal, at: str, fields: tuple[str, ...] = (),
           **data: Any) -> Event:
    return Event(kind, "candidate", c.id, actor.staff_id or actor.subject, at, fields, {"role": c.role.value, **data})


def _status_data(before: Candidate, after: Candidate) -> dict[str, str]:
    return {"from": before.status.value, "to": after.status.value}


def get_person(repos: Repos, branch_id: str, candidate_id: str) -> Person:
    branch = _branch(repos, branch_id)
    c = repos.candidates.get(branch_id, candidate_id)
    return Person(c, _readiness(branch, c))


def person_of(repos: Repos, branch: Branch, c: Candidate) -> Person:
    return Person(c, _readiness(branch, c))


def events(repos: Repos, branch_id: str, candidate_id: str, *, limit: int = 50, cursor: str | None = None
           ) -> tuple[list[Event], str | None]:
    repos.candidates.get(branch_id, candidate_id)  # 404 for an id that is not this branch's
    return repos.events.for_subject(branch_id, "candidate", candidate_id, limit=limit, cursor=cursor)


def _assign_if_none(c: Candidate, actor: Principal) -> Candidate:
    if not c.coordinator_id and actor.staff_id:
        c.coordinator_id = actor.staff_id
    return c


def mark_attendance(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, *, attended: bool,
                    version: int) -> Candidate:
    before = _current(repos, branch_id, candidate_id, version)
    return _attendance(repos, actor, before, attended)


def _attendance(repos: Repos, actor: Principal, before: Candidate, attended: bool) -> Candidate:
    step = Step.ATTENDED if attended else Step.NO_SHOW
    status = next_status(before.status, step, role=before.role)
    after = dataclasses.replace(before, status=status)
    at = clock.now_iso()
    kind = "candidate.attended" if attended else "candidate.no_show"
    event = _event(kind, before, actor, at, ("status",), session_id=before.session_id or None,
                   **_status_data(before, after))
    saved = repos.candidates.step(before, after, event, leaves=[s.value for s in ATTENDANCE_FROM],
                                  registration_status=status.value)
    logger.info("attendance marked", extra={"candidate_id": before.id, "to": status.value})
    return saved


@dataclass
class AttendanceResult:
    marked: int
    unchanged: int
    refused: dict[str, str]  # candidate id -> code


def mark_session(repos: Repos, actor: Principal, branch_id: str, session_id: str, marks: dict[str, bool]
                 ) -> AttendanceResult:
    """The attendance form of a session: one submit marks every row (one transaction per person whose mark
    changes). People no longer in the attendance steps are left as they are and reported."""
    repos.sessions.get(branch_id, session_id)  # 404 for a session that is not this branch's
    registered = {r.candidate_id for r in repos.sessions.registrations(branch_id, session_id)}
    result = AttendanceResult(0, 0, {})
    for candidate_id, attended in marks.items():
        if candidate_id not in registered:
            result.refused[candidate_id] = "not_registered"
            continue
        c = repos.candidates.get(branch_id, candidate_id)
        if c.restricted:
            result.refused[candidate_id] = "processing_restricted"
            continue
        wanted = CandidateStatus.ATTENDED if attended else CandidateStatus.NO_SHOW
        if c.status is wanted:
            result.unchanged += 1
            continue
        try:
            _attendance(repos, actor, c, attended)
            result.marked += 1
        except ConflictError as error:
            result.refused[candidate_id] = error.code
    return result


def _utc(moment: datetime, branch: Branch) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(branch.time_zone))
    return clock.iso(moment)


def schedule_intake(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, *, at: datetime,
                    version: int) -> Candidate:
    """Plan the intake interview (``at``: the branch's local time when naive); the caller becomes the
    candidate's coordinator when they have none."""
    branch = _branch(repos, branch_id)
    before = _current(repos, branch_id, candidate_id, version)
    status = next_status(before.status, Step.SCHEDULE_INTAKE, role=before.role)
    intake = Intake.from_dict(before.intake)
    intake.scheduled_at, intake.scheduled_by = _utc(at, branch), actor.staff_id
    after = _assign_if_none(dataclasses.replace(before, status=status, intake=intake.to_dict()), actor)
    now = clock.now_iso()
    fields = tuple(f for f in ("status", "intake", "coordinator_id") if getattr(before, f) != getattr(after, f))
    event = _event("intake.scheduled", before, actor, now, fields, on=intake.scheduled_at[:10],
                   **_status_data(before, after))
    saved = repos.candidates.step(before, after, event, leaves=[before.status.value])
    logger.info("intake scheduled", extra={"candidate_id": before.id})
    return saved


def _check_intake(branch: Branch, c: Candidate, data: IntakeData) -> None:
    config = branch.effective_config()
    limit = int(config["signup"]["max_text_length"])
    fields: dict[str, str] = {}
    for name, most in (("experience", limit), ("expectations", limit), ("notes", limit * NOTES_FACTOR)):
        if len(getattr(data, name) or "") > most:
            fields[name] = N_("Use at most %(count)s characters.", count=most)
    offered = list(config.get("intake", {}).get("help_needs") or [])
    if data.help_needs and c.role is not CandidateRole.MENTEE:
        fields["help_needs"] = N_("Help needs are recorded for mentees only.")
    elif any(h not in offered for h in data.help_needs):
        fields["help_needs"] = N_("Choose among the branch's help needs: %(values)s.", values=", ".join(offered))
    if data.help_offers and c.role is not CandidateRole.MENTOR:
        fields["help_offers"] = N_("Help offers are recorded for mentors only.")
    elif any(h not in offered for h in data.help_offers):
        fields["help_offers"] = N_("Choose among the branch's help needs: %(values)s.", values=", ".join(offered))
    elif len(set(data.help_offers)) != len(data.help_offers):
        fields["help_offers"] = N_("Give each help offer once.")
    if len(data.interests) > MAX_INTERESTS:
        fields["interests"] = N_("Choose at most %(count)s interests.", count=MAX_INTERESTS)
    elif any(i not in INTERESTS for i in data.interests):
        fields["interests"] = N_("Choose among the interests offered: %(values)s.", values=", ".join(INTERESTS))
    elif len(set(data.interests)) != len(data.interests):
        fields["interests"] = N_("Give each interest once.")
    if data.digital_skills and data.digital_skills not in DIGITAL_LEVELS:
        fields["digital_skills"] = N_("Leave empty or choose one of %(values)s.", values=", ".join(DIGITAL_LEVELS))
    if any(a not in AVAILABILITY for a in data.availability):
        fields["availability"] = N_("Choose weekly slots such as mon_morning or thu_evening.")
    if len(data.languages) > MAX_LANGUAGES:
        fields["languages"] = N_("Give at most %(count)s languages.", count=MAX_LANGUAGES)
    elif any(x.get("code") not in SPOKEN_LANGUAGES or x.get("level") not in LANGUAGE_LEVELS for x in data.languages):
        fields["languages"] = N_("Give each language as a code and a level (basic, conversational, fluent, native).")
    elif len({x["code"] for x in data.languages}) != len(data.languages):
        fields["languages"] = N_("Give each language once.")
    if len(data.sectors) > MAX_SECTORS or any(s not in SECTORS for s in data.sectors):
        fields["sectors"] = N_("Choose at most %(count)s of the sectors offered.", count=MAX_SECTORS)
    if data.decision not in {d.value for d in Decision}:
        fields["decision"] = N_("Choose ready, not_suitable or withdrawn.")
    elif data.decision == Decision.NOT_SUITABLE and data.reason not in NOT_SUITABLE_REASONS:
        fields["reason"] = N_("Say why: one of %(values)s.", values=", ".join(NOT_SUITABLE_REASONS))
    elif data.decision != Decision.NOT_SUITABLE and data.reason and data.reason not in NOT_SUITABLE_REASONS:
        fields["reason"] = N_("Leave empty or choose one of %(values)s.", values=", ".join(NOT_SUITABLE_REASONS))
    if fields:
        raise InvalidInputError(N_("Some fields are not valid."), fields)


def record_intake(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, data: IntakeData, *,
                  version: int) -> Candidate:
    """Record the intake and its decision: ready (a mentor still missing required modules: training),
    not suitable now (with a reason), or withdrawn."""
    branch = _branch(repos, branch_id)
    before = _current(repos, branch_id, candidate_id, version)
    _check_intake(branch, before, data)
    decision = Decision(data.decision)
    ready = readiness(_modules(branch), before.training)
    status = next_status(before.status, Step.RECORD_INTAKE, role=before.role, decision=decision,
                         training_complete=ready.complete)
    now = clock.now_iso()
    intake = Intake.from_dict(before.intake)
    previous = Intake.from_dict(before.intake)
    for name in ("experience", "expectations", "help_needs", "availability", "languages", "sectors", "help_offers",
                 "interests", "digital_skills", "notes", "decision", "reason"):
        value = getattr(data, name)
        setattr(intake, name, list(value) if isinstance(value, list) else value)
    intake.recorded_at, intake.recorded_by = now, actor.staff_id
    after = dataclasses.replace(
        before, status=status, intake=intake.to_dict(), help_needs=list(data.help_needs),
        availability=list(data.availability), sectors=list(data.sectors),
        languages=[SpokenLanguage(x["code"], x["level"]) for x in data.languages] or before.languages,
    )
    after = _assign_if_none(after, actor)
    names = ("status", "intake", "help_needs", "availability", "sectors", "languages", "coordinator_id")
    fields = tuple(f for f in names if getattr(before, f) != getattr(after, f)) + tuple(
        f for f in ("help_offers", "interests", "digital_skills") if getattr(previous, f) != getattr(intake, f))
    event = _event("intake.recorded", before, actor, now, fields, decision=decision.value,
                   reason=data.reason or None, **_status_data(before, after))
    saved = repos.candidates.step(before, after, event, leaves=[CandidateStatus.INTAKE_SCHEDULED.value])
    logger.info("intake recorded", extra={"candidate_id": before.id, "to": status.value})
    return saved


def record_training(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, *, module: str,
                    completed_on: date | None, version: int) -> Candidate:
    """Record (or with None undo) a completed module; the last required one makes a mentor ready, and
    undoing a required one of a ready mentor puts them back in training."""
    branch = _branch(repos, branch_id)
    before = _current(repos, branch_id, candidate_id, version)
    codes = [m["code"] for m in _modules(branch)]
    if module not in codes:
        raise InvalidInputError(N_("Some fields are not valid."), {"module": N_("Choose one of: %(values)s.",
                                                                                 values=', '.join(codes))})
    if completed_on is not None and completed_on > clock.today():
        message = N_("A completion date is not in the future.")
        raise InvalidInputError(N_("Some fields are not valid."), {"completed_on": message})
    training = dict(before.training)
    if completed_on is None:
        if module not in training:
            raise ConflictError(N_("Not possible: this module is not recorded as done."), code="not_done")
        del training[module]
    else:
        training[module] = completed_on.isoformat()
    ready = readiness(_modules(branch), training)
    status = next_status(before.status, Step.TRAINING, role=before.role, training_complete=ready.complete)
    after = dataclasses.replace(before, status=status, training=training)
    at = clock.now_iso()
    kind = "training.module_done" if completed_on else "training.module_undone"
    fields = ("training", "status") if status != before.status else ("training",)
    event = _event(kind, before, actor, at, fields, module=module,
                   on=completed_on.isoformat() if completed_on else None, **_status_data(before, after))
    saved = repos.candidates.step(before, after, event, leaves=[before.status.value])
    logger.info("training recorded", extra={"candidate_id": before.id, "module_code": module})
    return saved


def withdraw(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, *, version: int,
             reason: str = "") -> Candidate:
    before = _current(repos, branch_id, candidate_id, version)
    status = next_status(before.status, Step.WITHDRAW, role=before.role)
    after = dataclasses.replace(before, status=status)
    at = clock.now_iso()
    event = _event("candidate.withdrawn", before, actor, at, ("status",), reason=reason or None,
                   **_status_data(before, after))
    registration = "cancelled" if before.status is CandidateStatus.REGISTERED else None
    saved = repos.candidates.step(before, after, event, leaves=[before.status.value],
                                  registration_status=registration)
    logger.info("candidate withdrawn", extra={"candidate_id": before.id})
    return saved


def _active_staff(repos: Repos, branch_id: str, staff_id: str, field: str) -> None:
    try:
        member = repos.staff.get(branch_id, staff_id)
    except NotFoundError:
        member = None
    if member is None or member.status is not StaffStatus.ACTIVE:
        raise InvalidInputError(N_("Some fields are not valid."),
                                   {field: N_("Choose an active staff member of the branch.")})


def set_coordinator(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, *, coordinator_id: str,
                    version: int) -> Candidate:
    _active_staff(repos, branch_id, coordinator_id, "coordinator_id")
    before = _current(repos, branch_id, candidate_id, version)
    if before.coordinator_id == coordinator_id:
        return before
    after = dataclasses.replace(before, coordinator_id=coordinator_id)
    at = clock.now_iso()
    event = _event("candidate.coordinator_set", before, actor, at, ("coordinator_id",),
                   **{"from": before.coordinator_id or None, "to": coordinator_id})
    saved = repos.candidates.step(before, after, event)
    logger.info("coordinator set", extra={"candidate_id": before.id})
    return saved


def hand_over(repos: Repos, actor: Principal, branch_id: str, *, from_id: str, to_id: str) -> dict[str, int]:
    """A branch admin gives one coordinator's caseload (candidates and open duos) to another."""
    fields: dict[str, str] = {}
    if from_id == to_id:
        fields["to"] = N_("Choose another staff member.")
    if not from_id:
        fields["from"] = N_("Choose a staff member.")
    if fields:
        raise InvalidInputError(N_("Some fields are not valid."), fields)
    _active_staff(repos, branch_id, to_id, "to")
    moved = repos.candidates.hand_over(branch_id, from_id, to_id, actor.staff_id or actor.subject, clock.now_iso())
    logger.info("caseload handed over", extra={"from": from_id, "to": to_id, **moved})
    return moved


def search(repos: Repos, branch_id: str, q: str, limit: int = 20) -> list[Candidate]:
    return repos.candidates.search(branch_id, q, limit)


def caseload(repos: Repos, branch_id: str, staff_id: str, *, limit: int = 50, cursor: str | None = None
             ) -> tuple[list[Candidate], str | None]:
    return repos.candidates.caseload(branch_id, staff_id, limit=limit, cursor=cursor)


def registrations(repos: Repos, branch_id: str, session_id: str) -> list[Registration]:
    return repos.sessions.registrations(branch_id, session_id)


RECENT_SESSIONS_DAYS = 30


def recent_sessions(repos: Repos, branch_id: str, *, limit: int = 50, cursor: str | None = None
                    ) -> tuple[list, str | None]:
    """Info sessions from a month ago on, soonest first: where attendance is marked."""
    from datetime import timedelta

    start = clock.now() - timedelta(days=RECENT_SESSIONS_DAYS)
    return repos.sessions.between(branch_id, start, limit=limit, cursor=cursor)


def session_with_registrations(repos: Repos, branch_id: str, session_id: str) -> tuple[Any, list[Registration]]:
    return repos.sessions.get(branch_id, session_id), repos.sessions.registrations(branch_id, session_id)


# --- Privacy (issue 8): restriction and correction --------------------------------------------------------
def _staff(actor: Principal) -> str:
    return actor.staff_id or actor.subject


def restrict(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, *, restricted: bool,
             request_id: str | None = None, reason: str = "") -> Candidate:
    """Restrict (or lift the restriction of) the processing of a person's data (GDPR art. 18): while
    restricted, the person stays on record but is left out of matching and every staff step on them answers
    409. Setting the state they are in already writes no change. Audited; ``request_id``: the restriction
    request this answers (completed)."""
    before = repos.candidates.get(branch_id, candidate_id)
    request = privacy_requests.check(repos, branch_id, request_id, AuditAction.RESTRICT, candidate_id)
    saved = before
    if bool(before.restricted) != restricted:
        at = clock.now_iso()
        mark = {"at": at, "by": _staff(actor)} if restricted else None
        after = dataclasses.replace(before, restricted=mark)
        kind = "candidate.restricted" if restricted else "candidate.restriction_lifted"
        saved = repos.candidates.step(before, after, _event(kind, before, actor, at, ("restricted",),
                                                            request_id=request_id or None))
        logger.info("processing restriction set", extra={"candidate_id": candidate_id, "restricted": restricted})
    audit.record(repos, branch_id, staff_id=_staff(actor), candidate_id=candidate_id, action="restrict",
                 reason=reason)
    privacy_requests.answer(repos, request, actor=_staff(actor))
    return saved


def correct(repos: Repos, actor: Principal, branch_id: str, candidate_id: str, changes: dict[str, Any], *,
            version: int, request_id: str | None = None, reason: str = "") -> Candidate:
    """Correct a person's contact details (GDPR art. 16; allowed while processing is restricted), each checked
    as the signup form checks it (400 at the field): the search terms, the email guard and the copies in
    their registration and duos follow, in one transaction. The event names the fields changed, never their
    values. Audited; ``request_id``: the rectification request this answers (completed)."""
    branch = _branch(repos, branch_id)
    values = check_contact(changes, languages=branch.languages, today=clock.today())
    before = repos.candidates.get(branch_id, candidate_id)
    if before.version != version:
        raise ConflictError(N_("This person's record changed meanwhile; reload it and try again."),
                            code="changed_meanwhile")
    request = privacy_requests.check(repos, branch_id, request_id, AuditAction.CORRECT, candidate_id)
    after = dataclasses.replace(before, **values)
    fields = tuple(f for f in CONTACT_FIELDS if f in values and getattr(before, f) != getattr(after, f))
    saved = before
    if fields:
        event = _event("candidate.corrected", before, actor, clock.now_iso(), fields, request_id=request_id or None)
        saved = repos.candidates.correct(before, after, event)
        logger.info("candidate corrected", extra={"candidate_id": candidate_id, "fields": list(fields)})
    audit.record(repos, branch_id, staff_id=_staff(actor), candidate_id=candidate_id, action="correct",
                 reason=reason)
    privacy_requests.answer(repos, request, actor=_staff(actor))
    return saved
