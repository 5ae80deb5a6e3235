"""Duos of a branch: one item from the pairing to the 12-month outcome, its meeting log, and every step
as ONE transaction (the duo with a version condition, both people's status changes with conditions on
the status they leave, the events, and the personal links the step makes or uses).

The pairing's transaction is what keeps a mentor in at most one pairing or duo: it moves both people
from ``ready`` to ``paired`` only while they are still ``ready``; of two concurrent pairings of the same
mentor, one is cancelled, read back here, and answered ``mentor_busy``.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.candidates import CandidateStatus
from chalicelib.domain.duos import Duo, DuoStatus, PersonMove, Phase, Step, pairing_refusal, phase
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.events import Event
from chalicelib.store import keys
from chalicelib.store.candidates import status_actions, to_candidate
from chalicelib.store.events import event_item
from chalicelib.store.models import CandidateItem, DuoItem, LinkItem, MeetingItem
from chalicelib.store.scopes import Scopes

# Attributes a step may change (everything but the keys, the people, the creation and the reminders,
# which the reminder job marks on its own without a version step).
_MUTABLE = (
    "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "coordinator_id", "status", "phase", "phase_since", "first_meeting_at",
    "answers", "agreement", "started_on", "planned_end", "meeting_count", "last_meeting_on", "goals", "checkins",
    "intervisions", "services", "ended_on", "end_kind", "end_reason", "evaluations", "outcome", "updated_at",
)


def _changed_meanwhile() -> ConflictError:
    return ConflictError("This duo changed meanwhile; reload it and try again.", code="changed_meanwhile")


def duo_item(duo: Duo) -> DuoItem:
    pk, sk = keys.duo_key(duo.branch, duo.id)
    current = phase(duo)
    since = duo.phase_since or duo.updated_at or duo.created_at
    return DuoItem(
        pk, sk,
        gsi1pk=keys.duo_list_key(duo.branch), gsi1sk=f"{duo.created_at}#{duo.id}",
        gsi2pk=keys.duo_phase_key(duo.branch, current.value), gsi2sk=f"{since}#{duo.id}",
        gsi3pk=keys.owner_key(duo.branch, duo.coordinator_id) if duo.coordinator_id else None,
        gsi3sk=f"DUO#{duo.id}" if duo.coordinator_id else None,
        duo_id=duo.id, mentee_id=duo.mentee_id, mentor_id=duo.mentor_id, mentee_name=duo.mentee_name,
        mentor_name=duo.mentor_name, coordinator_id=duo.coordinator_id, status=duo.status.value, phase=current.value,
        phase_since=since, first_meeting_at=duo.first_meeting_at, answers=dict(duo.answers), agreement=duo.agreement,
        started_on=duo.started_on, planned_end=duo.planned_end, meeting_count=duo.meeting_count,
        last_meeting_on=duo.last_meeting_on, goals=list(duo.goals), checkins=list(duo.checkins),
        intervisions=list(duo.intervisions), services=list(duo.services), ended_on=duo.ended_on,
        end_kind=duo.end_kind, end_reason=duo.end_reason, evaluations=dict(duo.evaluations), outcome=duo.outcome,
        reminders_sent=list(duo.reminders_sent), created_at=duo.created_at, updated_at=duo.updated_at or duo.created_at,
        version=duo.version,
    )


def to_duo(item: DuoItem) -> Duo:
    return Duo(
        id=item.duo_id, branch=keys.branch_of(item.pk) or "", mentee_id=item.mentee_id, mentor_id=item.mentor_id,
        mentee_name=item.mentee_name, mentor_name=item.mentor_name, first_meeting_at=item.first_meeting_at,
        created_at=item.created_at, status=DuoStatus(item.status), coordinator_id=item.coordinator_id or "",
        answers=dict(item.answers or {}), agreement=dict(item.agreement) if item.agreement else None,
        started_on=item.started_on, planned_end=item.planned_end, meeting_count=int(item.meeting_count or 0),
        last_meeting_on=item.last_meeting_on, goals=list(item.goals or []), checkins=list(item.checkins or []),
        intervisions=list(item.intervisions or []), services=list(item.services or []), ended_on=item.ended_on,
        end_kind=item.end_kind, end_reason=item.end_reason, evaluations=dict(item.evaluations or {}),
        outcome=dict(item.outcome) if item.outcome else None, reminders_sent=list(item.reminders_sent or []),
        updated_at=item.updated_at, version=int(item.version or 0), phase_since=item.phase_since or "",
    )


def meeting_item(branch: str, duo_id: str, meeting: dict[str, Any]) -> MeetingItem:
    pk, sk = keys.meeting_key(branch, duo_id, meeting["on"], meeting["id"])
    return MeetingItem(pk, sk, meeting_id=meeting["id"], on=meeting["on"], minutes=meeting["minutes"],
                       mode=meeting["mode"], logged_at=meeting["logged_at"], logged_by=meeting["logged_by"])


def _meeting(item: MeetingItem) -> dict[str, Any]:
    return {"id": item.meeting_id, "on": item.on, "minutes": int(item.minutes), "mode": item.mode,
            "logged_at": item.logged_at, "logged_by": item.logged_by}


def _events(duo: Duo, step: Step, actor: str, at: str) -> list[Event]:
    out = [Event(step.kind, "duo", duo.id, actor, at, step.fields, dict(step.data))]
    for move in step.moves:
        data = {"from": move.from_status, "to": move.to_status, "duo_id": duo.id, "side": move.side,
                "role": move.side}
        out.append(Event("candidate.status_changed", "candidate", move.candidate_id, actor, at,
                         ("status", "duo_id") if move.duo_id is not None else ("status",), data))
    return out


def _move(tx: TransactWrite, branch: str, move: PersonMove, duo_id: str, at: str) -> None:
    actions = status_actions(branch, move.candidate_id, move.to_status, at)
    if move.duo_id is not None:
        actions.append(CandidateItem.duo_id.set(move.duo_id))
    if move.add_duo:
        actions.append(CandidateItem.duo_ids.set((CandidateItem.duo_ids | []).append([duo_id])))
    if move.declined_with:
        actions.append(CandidateItem.declined_with.set((CandidateItem.declined_with | []).append([move.declined_with])))
    condition = CandidateItem.status == move.from_status
    if move.role:
        condition &= CandidateItem.role == move.role
    pk, sk = keys.candidate_key(branch, move.candidate_id)
    tx.update(CandidateItem(pk, sk), actions=actions, condition=condition)


class DuoRepository:
    """A branch's duos. Every method takes the branch first and runs in its scope."""

    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    # --- writes ---------------------------------------------------------------------------------
    def create(self, duo: Duo, step: Step, actor: str, links: list[LinkItem] = ()) -> None:  # type: ignore[assignment]
        """The pairing: the new duo, both people ready -> paired, the events and the answer links, at once."""
        branch, at = duo.branch, duo.created_at
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.save(duo_item(duo), condition=DuoItem.pk.does_not_exist())
                    ids = {"mentee": duo.mentor_id, "mentor": duo.mentee_id}
                    for move in step.moves:
                        pk, sk = keys.candidate_key(branch, move.candidate_id)
                        actions = [
                            *status_actions(branch, move.candidate_id, move.to_status, at),
                            CandidateItem.duo_id.set(duo.id),
                            CandidateItem.duo_ids.set((CandidateItem.duo_ids | []).append([duo.id])),
                        ]
                        condition = (
                            (CandidateItem.status == CandidateStatus.READY.value)
                            & (CandidateItem.role == move.side)
                            & ~CandidateItem.declined_with.contains(ids[move.side])
                        )
                        tx.update(CandidateItem(pk, sk), actions=actions, condition=condition)
                    for event in _events(duo, step, actor, at):
                        tx.save(event_item(branch, event))
                    for link in links:
                        tx.save(link, condition=LinkItem.pk.does_not_exist())
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                raise self._why_not_paired(duo) from None

    def _why_not_paired(self, duo: Duo) -> ConflictError:
        """Read both people back (consistently) and name the rule the pairing met."""
        people = {}
        for side, cid in (("mentee", duo.mentee_id), ("mentor", duo.mentor_id)):
            try:
                item = CandidateItem.get(*keys.candidate_key(duo.branch, cid), consistent_read=True)
                people[side] = to_candidate(item)
            except DoesNotExist:
                return ConflictError(f"The {side} is not there any more.", code="not_ready")
        for side, other in (("mentor", "mentee"), ("mentee", "mentor")):
            refusal = pairing_refusal(people[side], side, people[other])
            if refusal:
                return refusal
        return ConflictError("The pairing met another change at the same moment; send it again.", code="retry")

    def apply(
        self, duo: Duo, expected_version: int, step: Step, actor: str, *,
        meeting: dict[str, Any] | None = None, use_link: tuple[str, str] | None = None,
        links: list[LinkItem] = (),  # type: ignore[assignment]
    ) -> Duo:
        """One step: the duo (only if still at ``expected_version``), the people it moves, the events,
        the meeting logged, the personal link used (``(digest, now_iso)``: only once, only unexpired)
        and any new links, in ONE transaction. Returns the duo as stored."""
        branch, at = duo.branch, duo.updated_at
        duo.version = expected_version + 1
        item = duo_item(duo)
        actions = []
        for name in _MUTABLE:
            value = getattr(item, name)
            attribute = getattr(DuoItem, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        actions.append(DuoItem.version.set(duo.version))
        pk, sk = keys.duo_key(branch, duo.id)
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.update(DuoItem(pk, sk), actions=actions,
                              condition=DuoItem.pk.exists() & (DuoItem.version == expected_version))
                    for move in step.moves:
                        _move(tx, branch, move, duo.id, at)
                    for event in _events(duo, step, actor, at):
                        tx.save(event_item(branch, event))
                    if meeting is not None:
                        tx.save(meeting_item(branch, duo.id, meeting))
                    if use_link is not None:
                        digest, now_iso = use_link
                        link_pk, link_sk = keys.link_key(branch, digest)
                        tx.update(LinkItem(link_pk, link_sk), actions=[LinkItem.used_at.set(now_iso)],
                                  condition=LinkItem.pk.exists() & LinkItem.used_at.does_not_exist()
                                  & (LinkItem.valid_until > now_iso))
                    for link in links:
                        tx.save(link, condition=LinkItem.pk.does_not_exist())
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                raise self._why_not_applied(duo, expected_version, step, use_link) from None
        return duo

    def _why_not_applied(
        self, duo: Duo, expected: int, step: Step, use_link: tuple[str, str] | None
    ) -> ConflictError:
        try:
            stored = DuoItem.get(*keys.duo_key(duo.branch, duo.id), consistent_read=True)
        except DoesNotExist:
            return _changed_meanwhile()
        if int(stored.version or 0) != expected:
            return _changed_meanwhile()
        if use_link is not None:
            try:
                link = LinkItem.get(*keys.link_key(duo.branch, use_link[0]), consistent_read=True)
                if link.used_at or link.valid_until <= use_link[1]:
                    return ConflictError("This link was used already or has expired.", code="link_used")
            except DoesNotExist:
                return ConflictError("This link is not valid.", code="link_used")
        for move in step.moves:
            try:
                person = CandidateItem.get(*keys.candidate_key(duo.branch, move.candidate_id), consistent_read=True)
            except DoesNotExist:
                person = None
            if person is None or person.status != move.from_status:
                message = f"The {move.side}'s status changed meanwhile; reload the duo."
                return ConflictError(message, code="person_changed")
        return ConflictError("This step met another change at the same moment; send it again.", code="retry")

    def mark_reminded(self, branch: str, duo_id: str, reminder: str) -> bool:
        """Claim a reminder before sending it: True for the one caller that adds it (no version step)."""
        pk, sk = keys.duo_key(branch, duo_id)
        with self._scopes.tenant(branch):
            try:
                DuoItem(pk, sk).update(
                    actions=[DuoItem.reminders_sent.set((DuoItem.reminders_sent | []).append([reminder]))],
                    condition=DuoItem.pk.exists() & ~DuoItem.reminders_sent.contains(reminder),
                )
            except UpdateError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    return False
                raise
        return True

    # --- reads ----------------------------------------------------------------------------------
    def get(self, branch: str, duo_id: str) -> Duo:
        pk, sk = keys.duo_key(branch, duo_id)
        with self._scopes.tenant(branch):
            try:
                return to_duo(DuoItem.get(pk, sk, consistent_read=True))
            except DoesNotExist:
                raise NotFoundError("There is no such duo.", code="duo_not_found") from None

    def list(self, branch: str, *, phase_: str | None = None, limit: int = 50,
             cursor: str | None = None) -> tuple[list[Duo], str | None]:
        """Newest first (GSI1), or one phase's list (GSI2, oldest in the phase first)."""
        if phase_:
            return self.by_phase(branch, phase_, limit=limit, cursor=cursor)
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=1)
        with self._scopes.tenant(branch):
            result = DuoItem.lists.query(keys.duo_list_key(branch), scan_index_forward=False, limit=limit,
                                         last_evaluated_key=start)
            rows = [to_duo(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def by_phase(self, branch: str, phase_: str | Phase, *, limit: int = 50,
                 cursor: str | None = None) -> tuple[list[Duo], str | None]:
        """The duos in one phase, the longest in it first (one query on GSI2)."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=2)
        with self._scopes.tenant(branch):
            result = DuoItem.timeline.query(keys.duo_phase_key(branch, str(phase_)), limit=limit,
                                            last_evaluated_key=start)
            rows = [to_duo(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def count_by_phase(self, branch: str, phase_: str | Phase, since: str | None = None) -> int:
        """How many duos are in one phase (Select COUNT on GSI2; ``since`` bounds the phase's start)."""
        condition = DuoItem.gsi2sk >= since if since else None
        with self._scopes.tenant(branch):
            return DuoItem.timeline.count(keys.duo_phase_key(branch, str(phase_)), condition)

    def meetings(self, branch: str, duo_id: str, *, limit: int = 50,
                 cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """The duo's meeting log, newest first."""
        pk, _ = keys.duo_key(branch, duo_id)
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=None)
        with self._scopes.tenant(branch):
            result = MeetingItem.query(pk, MeetingItem.sk.startswith(keys.MEETING_PREFIX), scan_index_forward=False,
                                       limit=limit, last_evaluated_key=start)
            rows = [_meeting(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)
