"""A person's data: the copy the branch gives them (``export_person``) and their erasure (``erase_person``).

Where a person's personal values live, and what the erasure does with each:

Deleted
- the candidate item (name, email, phone, birth date, postcode, city, languages, consent, intake with its free
  texts, training, needs, availability, restriction, link hashes): LAST, so that an erasure interrupted at any
  point is found again and finished by running it again;
- their search terms (``TERM#`` items in their partition: the words of their name, email and phone);
- the one-per-email guard (its key is a hash of their role and email);
- their registration in the session's partition (a copy of name and email); a registration that still holds a
  seat of a session to come gives it back first;
- the personal links whose hashes their record lists (``link_hashes``).

Blanked
- in each pairing or duo they were part of: their copy of the name (``mentee_name``/``mentor_name``) and every
  goal's title (the action plan's only free text, which may speak of either person; each goal keeps its id,
  status and target date). The other side keeps the duo with its ids, dates and codes;
- the events' data: only ``EVENT_DATA_KEPT`` stays (what ``domain.reports.deltas`` counts from, and the codes,
  ids and dates of the life cycle; a ``reason`` only when it is one of the product's reason codes), so an
  import's row number or any future key that is not declared here goes. Events are rewritten in place (an
  Update of an existing item: the stream sees a MODIFY, which the report aggregates ignore), never deleted:
  they are the branch's figures, and a rebuild from them gives the same totals;
- the reasons staff gave when they read the person's data (the access audit: who and when stay).

Kept, and why it leads back to no one
- the events and the duo items: random ids (the person's id, uuid4, named nothing once their record is gone),
  codes (statuses, roles, reasons, services, evaluation answers, the outcome) and dates;
- meetings of their duos (date, minutes, in person or online), matching proposals (ids and scores), the report
  aggregates (counts) and the markers of counted events;
- items found only by a key the branch does not keep: a signup's idempotency record (the person's id and the
  session's; gone by TTL within 24 hours), duo links (duo id and side) and privacy links (the person's id;
  both gone by TTL). Each holds ids and dates only.

``erase_person`` runs its steps in this order, each idempotent, without transactions (moto copies the whole
table for one; the sweep erases thousands): 1 events, 2 terms, guard, registration, links, 3 duos, 4 the
candidate item. A person in a pairing or a running duo is not erased (409): the duo is closed first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.branches import END_REASONS
from chalicelib.domain.candidates import Candidate, CandidateStatus
from chalicelib.domain.duos import MENTEE_EVALUATION, MENTOR_EVALUATION, Duo
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.events import CANDIDATE_ACTOR, SYSTEM_ACTOR, Event
from chalicelib.domain.intake import NOT_SUITABLE_REASONS
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services import clock
from chalicelib.services.repos import Repos
from chalicelib.store.personal_data import Partition, PersonalDataRepository, StoredEvent

FORMAT = "duo.person-export/1"
ERASED = "candidate.erased"  # the event an erasure leaves in the person's partition (counted by no report)
RETENTION_ACTOR = "retention"

# The event data an erasure keeps: every key domain.reports.deltas reads (role, heard_from, from, to, kind, on,
# code, side, started_on, ended_on, situation, end_kind, outcome and the evaluation items), and the codes, ids
# and dates the life cycle's events carry. Nothing free: a ``reason`` stays only as one of REASON_CODES.
EVENT_DATA_KEPT: frozenset[str] = frozenset({
    "role", "heard_from", "from", "to", "kind", "on", "code", "side", "started_on", "ended_on", "planned_end",
    "situation", "end_kind", "end_reason", "outcome", "status", "phase", "decision", "reason", "module", "answer",
    "mode", "minutes", "channel", "meetings", "return_due", "via", "score", "allowed", "followed",
    "duo_id", "goal_id", "service_id", "session_id", "proposal", "request_id", "version", "previous", "language",
    *MENTEE_EVALUATION, *MENTOR_EVALUATION,
})
# Reasons the product offers (intake, withdrawal, closing); a branch's own closing reasons are added per branch.
REASON_CODES: frozenset[str] = frozenset({*NOT_SUITABLE_REASONS, *END_REASONS, "cancelled_registration",
                                          "consent_withdrawn"})
_REASON_KEYS = ("reason", "end_reason")
# The duo attributes blanked when one side is erased: that side's name, and the goals' titles.
DUO_PERSONAL_FIELDS: tuple[str, ...] = ("mentee_name", "mentor_name", "goals")
_BUSY = frozenset({CandidateStatus.PAIRED, CandidateStatus.IN_DUO})
_DUO_RETRIES = 5
_ATTEMPTS = 3  # readings of a record that a step keeps changing during its erasure


def _store(repos: Repos) -> PersonalDataRepository:
    return PersonalDataRepository(repos.scopes)


def scrub_data(data: dict[str, Any], reasons: frozenset[str] = REASON_CODES) -> dict[str, Any]:
    """An event's data as an erasure leaves it: the kept keys, a reason only when it is a known code."""
    return {k: v for k, v in data.items()
            if k in EVENT_DATA_KEPT and (k not in _REASON_KEYS or v is None or v in reasons)}


# --- Export ---------------------------------------------------------------------------------------------
def _by(actor: str) -> str:
    if actor == CANDIDATE_ACTOR:
        return "you"
    if actor in (SYSTEM_ACTOR, RETENTION_ACTOR):
        return "system"
    return "staff"


_STAFF_DATA = {"candidate.coordinator_set", "caseload.handed_over"}  # their from/to name staff members
_STAFF_INTAKE = ("scheduled_by", "recorded_by")


def _export_event(event: Event) -> dict[str, Any]:
    data = dict(event.data)
    if event.kind in _STAFF_DATA:
        data = {k: v for k, v in data.items() if k not in ("from", "to")}
    return {"kind": event.kind, "at": event.at, "by": _by(event.actor), "fields": list(event.fields), "data": data}


def _person(c: Candidate) -> dict[str, Any]:
    intake = {k: v for k, v in (c.intake or {}).items() if k not in _STAFF_INTAKE} if c.intake else None
    return {
        "id": c.id, "role": c.role.value, "status": c.status.value, "status_since": c.status_since,
        "name": c.name, "email": c.email, "phone": c.phone, "birth_date": c.birth_date, "postcode": c.postcode,
        "city": c.city, "languages": [{"code": x.code, "level": x.level} for x in c.languages],
        "language": c.language, "heard_from": c.heard_from,
        "consent": {"version": c.consent_version, "language": c.consent_language, "at": c.consent_at},
        "looking_for": list(c.looking_for), "sectors": list(c.sectors), "education_level": c.education_level,
        "work_permit": c.work_permit, "profession": c.profession, "available_six_months": c.available_six_months,
        "intake": intake, "training": dict(c.training), "help_needs": list(c.help_needs),
        "availability": list(c.availability), "restricted": getattr(c, "restricted", None),
        "created_at": c.created_at, "updated_at": c.updated_at,
    }


def _export_duo(duo: Duo, candidate_id: str) -> dict[str, Any]:
    """A duo as one side sees their part of it: never the other person's name, answers or evaluation; the
    mentee's action plan (goal titles) and situation (outcome) only in the mentee's copy."""
    side = "mentee" if duo.mentee_id == candidate_id else "mentor"
    mentee = side == "mentee"
    goals = [{k: g.get(k) for k in (("title", "status", "target_date") if mentee else ("status", "target_date"))}
             for g in duo.goals]
    evaluation = {k: v for k, v in (duo.evaluations.get(side) or {}).items() if k != "by"} or None
    answer = duo.answers.get(side) or {}
    return {
        "id": duo.id, "as": side, "status": duo.status.value, "first_meeting_at": duo.first_meeting_at,
        "answer": answer.get("answer"), "started_on": duo.started_on, "planned_end": duo.planned_end,
        "ended_on": duo.ended_on, "end_kind": duo.end_kind, "end_reason": duo.end_reason, "goals": goals,
        "meetings": duo.meeting_count, "last_meeting_on": duo.last_meeting_on,
        "services": [{k: s.get(k) for k in ("code", "on", "return_due", "returned_on")} for s in duo.services],
        "evaluation": evaluation,
        "outcome": {"situation": duo.outcome.get("situation"), "recorded_at": duo.outcome.get("recorded_at")}
        if mentee and duo.outcome else None,
    }


def _requests(repos: Repos, branch_id: str, candidate_id: str) -> list[dict[str, Any]] | None:
    """The privacy requests about the person, when this version records them (None: it does not)."""
    try:
        from chalicelib.services import privacy_requests
    except ImportError:
        return None
    rows = [r for r in privacy_requests.list_requests(repos, branch_id) if r.candidate_id == candidate_id]
    return [{"kind": _code(r.kind), "source": _code(r.source), "status": _code(r.status),
             "received_at": r.received_at, "due_on": r.due_on, "done_at": r.done_at or None, "note": r.note}
            for r in rows]


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def export_person(repos: Repos, branch_id: str, candidate_id: str) -> dict[str, Any]:
    """Everything the branch holds on one person, as JSON-able data (ISO strings); NotFoundError for nobody."""
    branch = repos.branches.get(branch_id)
    store = _store(repos)
    part = store.partition(branch_id, candidate_id)
    c = part.candidate
    if c is None:
        raise NotFoundError(N_("There is no such candidate."), code="candidate_not_found")
    registrations = []
    if c.session_id:
        reg = store.registration(branch_id, c.session_id, c.id)
        if reg is not None:
            session = store.session(branch_id, c.session_id)
            registrations.append({"session_id": reg.session_id,
                                  "starts_at": clock.iso(session.starts_at) if session else None,
                                  "language": reg.language, "status": reg.status, "registered_at": reg.registered_at})
    duos = store.duos(branch_id, c.duo_ids)
    out: dict[str, Any] = {
        "format": FORMAT,
        "branch": {"id": branch.id, "name": branch.name},
        "exported_at": clock.now_iso(),
        "person": _person(c),
        "registrations": registrations,
        "duos": [_export_duo(duos[d], c.id) for d in dict.fromkeys(c.duo_ids) if d in duos],
        "events": [_export_event(e.event) for e in part.events],
    }
    requests = _requests(repos, branch_id, c.id)
    if requests is not None:
        out["requests"] = requests
    logger.info("person exported", extra={"candidate_id": c.id, "events": len(part.events), "duos": len(duos)})
    return out


# --- Erasure --------------------------------------------------------------------------------------------
@dataclass
class Erasure:
    candidate_id: str
    deleted: int  # items this run deleted (links: the keys it sent for deletion, present or not)
    scrubbed: int  # items rewritten by this run (events, duos, a released registration, audit reasons)
    already_erased: bool


def erase_person(repos: Repos, branch_id: str, candidate_id: str, actor: str) -> Erasure:
    """Erase one person of the branch (the steps and what stays: this module's docstring). Idempotent: a
    rerun finishes an interrupted erasure; ``already_erased`` when only their events remain; NotFoundError
    when the branch has nothing of them; 409 ``in_a_duo`` while they are paired or in a running duo."""
    done = erase(repos, branch_id, candidate_id, actor)
    assert done is not None
    if not done.already_erased:
        metrics.add_metric(name="PersonErased", unit="Count", value=1)
        logger.info("person erased", extra={"candidate_id": candidate_id, "actor": actor, "deleted": done.deleted,
                                            "scrubbed": done.scrubbed})
    return done


def reason_codes(repos: Repos, branch_id: str) -> frozenset[str]:
    """The reason codes an erasure keeps in the branch's events: the product's and the branch's closing ones."""
    closing = repos.branches.get(branch_id).effective_config().get("closing", {})
    return REASON_CODES | frozenset(closing.get("end_reasons") or [])


def erase(repos: Repos, branch_id: str, candidate_id: str, actor: str, *,
          still: Callable[[Candidate], bool] | None = None, reasons: frozenset[str] | None = None) -> Erasure | None:
    """``erase_person`` without its log line and metric (the retention sweep counts for itself). ``still``:
    asked with the person as read consistently before anything is written; False leaves them (None).
    ``reasons``: ``reason_codes`` of the branch, when the caller has them.

    The record is deleted on condition that it is still the version read first: a step that changed the
    person meanwhile (a correction writes new search terms) makes the erasure read them again and go over
    every step once more."""
    store = _store(repos)
    total = Erasure(candidate_id, 0, 0, already_erased=False)
    for attempt in range(_ATTEMPTS):
        part = store.partition(branch_id, candidate_id)
        c = part.candidate
        if c is None:
            if attempt:
                return total
            if not part.empty:
                return Erasure(candidate_id, 0, 0, already_erased=True)
            raise NotFoundError(N_("There is no such candidate."), code="candidate_not_found")
        if c.status in _BUSY:
            raise ConflictError(N_("Not possible: this person is in a pairing or a duo; close it first."),
                                code="in_a_duo")
        if still is not None and not still(c):
            return None
        if reasons is None:
            reasons = reason_codes(repos, branch_id)
        if _erase_once(store, branch_id, part, c, actor, reasons, total):
            return total
    raise ConflictError(N_("This person's record kept changing during the erasure; erase them again."), code="retry")


def _erase_once(store: PersonalDataRepository, branch_id: str, part: Partition, c: Candidate, actor: str,
                reasons: frozenset[str], done: Erasure) -> bool:
    """The four steps over what ``part`` holds; False when the record changed meanwhile (it is still there)."""
    duo_ids = list(dict.fromkeys([*c.duo_ids, *([c.duo_id] if c.duo_id else [])]))

    # 1. The events: the person's own, and those of their duos.
    events: list[StoredEvent] = list(part.events)
    for duo_id in duo_ids:
        events += store.duo_events(branch_id, duo_id)
    for stored in events:
        kept = scrub_data(stored.event.data, reasons)
        if kept != stored.event.data and store.set_event_data(branch_id, stored.pk, stored.sk, kept):
            done.scrubbed += 1

    # 2. Search terms, the email guard, the registration, the links, staff's reasons in the access audit.
    if part.terms or part.link_hashes:
        done.deleted += store.delete_keys(branch_id, c.id, part.terms, part.link_hashes)
    if store.delete_guard(branch_id, c.role.value, c.email, c.id):
        done.deleted += 1
    if c.session_id:
        done.deleted += _registration(store, branch_id, c)
    for pk, sk in store.audit_reasons(branch_id, c.id):
        store.blank_audit_reason(branch_id, pk, sk)
        done.scrubbed += 1

    # 3. Their side of each pairing and duo.
    for duo_id in duo_ids:
        done.scrubbed += _blank_duo(store, branch_id, duo_id, c.id)

    # 4. The record itself, last (with the trail's note that it was erased, once).
    if not any(e.event.kind == ERASED for e in part.events):
        store.add_event(branch_id, Event(ERASED, "candidate", c.id, actor, clock.now_iso(), (),
                                         {"role": c.role.value}))
    deleted = store.delete_candidate(branch_id, c.id, c.version)
    done.deleted += deleted == "deleted"
    return deleted != "changed"


def _registration(store: PersonalDataRepository, branch_id: str, c: Candidate) -> int:
    """Delete the person's registration; one that holds a seat of a session to come gives the seat back
    first (marked released, then the seat: a crash in between leaves the seat taken, never one given twice)."""
    dropped = store.drop_registration(branch_id, c.session_id, c.id)
    if dropped != "held":
        return int(dropped == "deleted")
    session = store.session(branch_id, c.session_id)
    to_come = session is not None and session.starts_at > clock.now()
    if to_come and store.release_registration(branch_id, c.session_id, c.id):
        store.free_seat(branch_id, c.session_id)
    store.delete_registration(branch_id, c.session_id, c.id)
    return 1


def _blank_duo(store: PersonalDataRepository, branch_id: str, duo_id: str, candidate_id: str) -> int:
    """Blank the person's name and the goal titles in one duo; 1 when written, 0 when nothing was left."""
    for _ in range(_DUO_RETRIES):
        duo = store.duos(branch_id, [duo_id]).get(duo_id)
        if duo is None:
            return 0
        names = {}
        if duo.mentee_id == candidate_id and duo.mentee_name:
            names["mentee_name"] = ""
        if duo.mentor_id == candidate_id and duo.mentor_name:
            names["mentor_name"] = ""
        goals = [{**g, "title": ""} for g in duo.goals]
        if not names and goals == duo.goals:
            return 0
        if store.blank_duo(branch_id, duo_id, duo.version, names, goals):
            return 1
    raise ConflictError(N_("This person's duo kept changing; erase them again."), code="retry")

