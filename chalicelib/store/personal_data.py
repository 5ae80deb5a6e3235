"""One person's items, as export, erasure and retention read and write them (``services/personal_data.py``,
``services/retention.py`` decide what; this module only reads and writes).

Reads: the person's own partition in ONE query (their candidate item, search terms and events together), the
events of a duo's partition, their duos (BatchGet), their current registration and its session, and a
status list of the branch with a bound on its sort key (GSI2, never a scan).

Writes: each one small and idempotent (no transaction: moto's copy the whole table, and an erasure must be
resumable after a crash at any write): an event's ``data`` rewritten in place (an Update on condition the
item exists, so the table's stream sees a MODIFY, never an INSERT that the reports would count), a batch
delete of the terms and links, a conditional delete of the email guard and of the candidate, the registration
released then deleted, a duo's personal fields blanked on condition of the version read. Every method runs
in the branch's own scope (its credentials reach ``T#<branch>#`` only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError

from chalicelib.domain.candidates import Candidate
from chalicelib.domain.duos import Duo
from chalicelib.domain.events import Event
from chalicelib.domain.registrations import Registration
from chalicelib.domain.sessions import InfoSession
from chalicelib.store import keys, models
from chalicelib.store.candidates import to_candidate
from chalicelib.store.duos import to_duo
from chalicelib.store.events import event_item, to_event
from chalicelib.store.models import (
    CandidateItem,
    DuoItem,
    EventItem,
    GuardItem,
    RegistrationItem,
    SessionItem,
    TermItem,
)
from chalicelib.store.scopes import Scopes
from chalicelib.store.sessions import to_registration, to_session

BATCH_GET = 100  # keys per BatchGetItem
RELEASED = "released"  # a registration whose seat the erasure gave back (deleted right after)


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", "") == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class StoredEvent:
    """An event with the keys of its item (to rewrite its data in place)."""

    pk: str
    sk: str
    event: Event


@dataclass
class Partition:
    """Everything in a person's partition: their record (None once deleted), its link hashes, their search
    terms (sort keys) and their events, oldest first."""

    candidate: Candidate | None = None
    link_hashes: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    events: list[StoredEvent] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.candidate is None and not self.terms and not self.events


class PersonalDataRepository:
    """A person's items in one branch. Every method takes the branch first and runs in its scope."""

    # The methods that write (a test interrupts an erasure by making one of them fail after N calls).
    WRITES = ("set_event_data", "add_event", "delete_keys", "delete_guard", "drop_registration",
              "release_registration", "free_seat", "delete_registration", "blank_duo", "delete_candidate",
              "blank_audit_reason")

    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    # --- reads ------------------------------------------------------------------------------------------
    def partition(self, branch: str, candidate_id: str) -> Partition:
        """The person's partition in one (paged) consistent query: candidate, terms and events."""
        pk = keys.candidate_key(branch, candidate_id)[0]
        out = Partition()
        with self._scopes.tenant(branch) as conn:
            for raw in _items(conn, pk):
                sk = raw["sk"]["S"]
                if sk == "CANDIDATE":
                    item = CandidateItem.from_raw_data(raw)
                    out.candidate = to_candidate(item)
                    out.link_hashes = list(item.link_hashes or [])
                elif sk.startswith(keys.TERM_PREFIX):
                    out.terms.append(sk)
                elif sk.startswith(keys.EVENT_PREFIX):
                    out.events.append(StoredEvent(pk, sk, to_event(EventItem.from_raw_data(raw))))
        return out

    def duo_events(self, branch: str, duo_id: str) -> list[StoredEvent]:
        """A duo's events, oldest first (one paged query of its partition)."""
        pk = keys.duo_key(branch, duo_id)[0]
        with self._scopes.tenant(branch) as conn:
            return [StoredEvent(pk, raw["sk"]["S"], to_event(EventItem.from_raw_data(raw)))
                    for raw in _items(conn, pk, EventItem.sk.startswith(keys.EVENT_PREFIX))]

    def duos(self, branch: str, duo_ids: Iterable[str]) -> dict[str, Duo]:
        """The duos that exist among ``duo_ids`` (BatchGet, consistent)."""
        wanted = [keys.duo_key(branch, d) for d in dict.fromkeys(duo_ids)]
        found: dict[str, Duo] = {}
        with self._scopes.tenant(branch):
            for i in range(0, len(wanted), BATCH_GET):
                for item in DuoItem.batch_get(wanted[i:i + BATCH_GET], consistent_read=True):
                    found[item.duo_id] = to_duo(item)
        return found

    def registration(self, branch: str, session_id: str, candidate_id: str) -> Registration | None:
        with self._scopes.tenant(branch):
            try:
                item = RegistrationItem.get(*keys.registration_key(branch, session_id, candidate_id),
                                            consistent_read=True)
            except DoesNotExist:
                return None
        return to_registration(item)

    def session(self, branch: str, session_id: str) -> InfoSession | None:
        with self._scopes.tenant(branch):
            try:
                return to_session(SessionItem.get(*keys.session_key(branch, session_id), consistent_read=True))
            except DoesNotExist:
                return None

    def in_status_before(self, branch: str, status: str, before: str) -> list[Candidate]:
        """The candidates in ``status`` since before ``before`` (UTC ISO): the status list (GSI2) read up to
        that bound of its sort key (``status_since#id``), every page."""
        with self._scopes.tenant(branch):
            return [to_candidate(item) for item in CandidateItem.timeline.query(
                keys.candidate_status_key(branch, status), CandidateItem.gsi2sk < before)]

    def audit_reasons(self, branch: str, candidate_id: str) -> list[tuple[str, str]]:
        """The keys of the access-audit entries about the person that give a reason (none when the audit
        is not part of this version)."""
        audit, of_key = getattr(models, "AuditItem", None), getattr(keys, "audit_of_key", None)
        if audit is None or of_key is None:
            return []
        with self._scopes.tenant(branch):
            return [(item.pk, item.sk) for item in audit.lists.query(of_key(branch, candidate_id))
                    if getattr(item, "reason", "")]

    # --- writes (each idempotent) ---------------------------------------------------------------------
    def set_event_data(self, branch: str, pk: str, sk: str, data: dict[str, Any]) -> bool:
        """Rewrite an existing event's data (never creates one: the stream sees a MODIFY); False if absent."""
        with self._scopes.tenant(branch):
            try:
                EventItem(pk, sk).update(actions=[EventItem.data.set(data)], condition=EventItem.pk.exists())
            except UpdateError as error:
                if _conditional_failed(error):
                    return False
                raise
        return True

    def add_event(self, branch: str, event: Event) -> None:
        with self._scopes.tenant(branch):
            try:
                event_item(branch, event).save(condition=EventItem.pk.does_not_exist())
            except PutError as error:
                if not _conditional_failed(error):
                    raise

    def delete_keys(self, branch: str, candidate_id: str, term_keys: list[str], link_digests: list[str]) -> int:
        """Delete the person's search terms (sort keys in their partition) and the links of ``link_digests``, in
        batches (deleting an absent item changes nothing); the number of keys sent."""
        pk = keys.candidate_key(branch, candidate_id)[0]
        with self._scopes.tenant(branch), TermItem.batch_write() as batch:
            for sk in term_keys:
                batch.delete(TermItem(pk, sk))
            for digest in link_digests:  # the same table: only the keys are sent
                batch.delete(TermItem(*keys.link_key(branch, digest)))
        return len(term_keys) + len(link_digests)

    def delete_guard(self, branch: str, role: str, email: str, candidate_id: str) -> bool:
        """Delete the one-per-email guard if it is still this person's; False when absent or another's."""
        with self._scopes.tenant(branch):
            try:
                GuardItem(*keys.candidate_email_key(branch, role, email)).delete(
                    condition=GuardItem.owner == candidate_id)
            except DeleteError as error:
                if _conditional_failed(error):
                    return False
                raise
        return True

    def drop_registration(self, branch: str, session_id: str, candidate_id: str) -> str:
        """Delete a registration unless it still holds a seat: ``deleted``, ``absent``, or ``held`` (left: its
        seat is to be given back first)."""
        pk, sk = keys.registration_key(branch, session_id, candidate_id)
        condition = RegistrationItem.status.does_not_exist() | (RegistrationItem.status != "registered")
        with self._scopes.tenant(branch) as conn:
            try:
                answer = conn.delete_item(pk, sk, condition=condition, return_values="ALL_OLD")
            except DeleteError as error:
                if _conditional_failed(error):
                    return "held"
                raise
        return "deleted" if answer.get("Attributes") else "absent"

    def release_registration(self, branch: str, session_id: str, candidate_id: str) -> bool:
        """Mark a registration released (its copy of the name and email blanked) if it still holds a seat;
        True for the one call that did (only that one gives the seat back)."""
        pk, sk = keys.registration_key(branch, session_id, candidate_id)
        with self._scopes.tenant(branch):
            try:
                RegistrationItem(pk, sk).update(
                    actions=[RegistrationItem.status.set(RELEASED), RegistrationItem.name.set(""),
                             RegistrationItem.email.set("")],
                    condition=RegistrationItem.status == "registered")
            except UpdateError as error:
                if _conditional_failed(error):
                    return False
                raise
        return True

    def free_seat(self, branch: str, session_id: str) -> None:
        with self._scopes.tenant(branch):
            try:
                SessionItem(*keys.session_key(branch, session_id)).update(
                    actions=[SessionItem.seats_taken.add(-1)], condition=SessionItem.seats_taken > 0)
            except UpdateError as error:
                if not _conditional_failed(error):
                    raise

    def delete_registration(self, branch: str, session_id: str, candidate_id: str) -> None:
        with self._scopes.tenant(branch):
            RegistrationItem(*keys.registration_key(branch, session_id, candidate_id)).delete()

    def blank_duo(self, branch: str, duo_id: str, version: int, names: dict[str, str], goals: list[dict]) -> bool:
        """Write ``names`` (mentee_name/mentor_name) and ``goals`` over the duo read at ``version``, as a new
        version (a step that read the duo before fails with ``changed_meanwhile`` instead of writing the old
        goals back); False when the duo changed meanwhile (read it again) or is gone."""
        actions = [getattr(DuoItem, name).set(value) for name, value in names.items()]
        actions += [DuoItem.goals.set(goals), DuoItem.version.set(version + 1)]
        with self._scopes.tenant(branch):
            try:
                DuoItem(*keys.duo_key(branch, duo_id)).update(
                    actions=actions, condition=DuoItem.pk.exists() & (DuoItem.version == version))
            except UpdateError as error:
                if _conditional_failed(error):
                    return False
                raise
        return True

    def blank_audit_reason(self, branch: str, pk: str, sk: str) -> None:
        audit = getattr(models, "AuditItem", None)
        if audit is None:
            return
        with self._scopes.tenant(branch):
            try:
                audit(pk, sk).update(actions=[audit.reason.set("")], condition=audit.pk.exists())
            except UpdateError as error:
                if not _conditional_failed(error):
                    raise

    def delete_candidate(self, branch: str, candidate_id: str, version: int) -> str:
        """Delete the candidate item if it is still at ``version``: ``deleted``, ``gone`` (deleted before), or
        ``changed`` (a step wrote it meanwhile: read it again)."""
        pk, sk = keys.candidate_key(branch, candidate_id)
        with self._scopes.tenant(branch):
            try:
                CandidateItem(pk, sk).delete(condition=CandidateItem.pk.exists() & (CandidateItem.version == version))
            except DeleteError as error:
                if not _conditional_failed(error):
                    raise
                try:
                    CandidateItem.get(pk, sk, consistent_read=True, attributes_to_get=["pk"])
                except DoesNotExist:
                    return "gone"
                return "changed"
        return "deleted"


def _items(conn: Any, pk: str, condition: Any = None) -> Iterable[dict[str, Any]]:
    """Every item of one partition (DynamoDB JSON), page by page, read consistently."""
    start = None
    while True:
        page = conn.query(pk, range_key_condition=condition, consistent_read=True, exclusive_start_key=start)
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return
