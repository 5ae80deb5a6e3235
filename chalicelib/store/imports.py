"""Writing imported rows: each row in ONE transaction, all or nothing, safe to run twice.

A person: the candidate, the one-per-email guard (the same key as a signup's, so an imported person
and a later signup cannot be two records), their search terms and the ``candidate.imported`` event.
A duo: the duo (a deterministic id, written only if it does not exist), both people's status and
current duo (each with a condition on the version read), and one event per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.candidates import Candidate
from chalicelib.domain.duos import Duo, Phase
from chalicelib.domain.events import Event
from chalicelib.store import keys
from chalicelib.store.candidates import candidate_item, status_actions, term_items, to_candidate
from chalicelib.store.duos import duo_item
from chalicelib.store.events import event_item
from chalicelib.store.models import CandidateItem, DuoItem, GuardItem
from chalicelib.store.scopes import Scopes

_BATCH = 100  # BatchGetItem's limit


@dataclass(frozen=True)
class PersonUpdate:
    """What a duo row changes on one of its people (read at ``version``)."""

    candidate_id: str
    version: int
    status: str | None  # None: the status stays
    duo_id: str | None  # None: unchanged; else the current pairing/duo
    add_duo: str  # appended to duo_ids
    at: str


@dataclass
class DuoWrite:
    duo: Duo
    phase: Phase
    people: list[PersonUpdate] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def imported_duo_item(duo: Duo, phase: Phase) -> DuoItem:
    """The duo as ``store.duos.duo_item`` writes it, in the phase its imported history gives it (an old
    closed duo has no evaluations to collect: see ``domain.imports.duo_phase``)."""
    item = duo_item(duo)
    item.phase = phase.value
    item.gsi2pk = keys.duo_phase_key(duo.branch, phase.value)
    return item


def _chunks(values: list, size: int = _BATCH) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class ImportRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    # --- reads (the dry run asks these for every row: a few batch calls, not one per row) -------
    def owners(self, branch: str, people: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(role, email) -> the candidate id holding that email's guard, for those that exist."""
        wanted = {keys.candidate_email_key(branch, role, email): (role, email) for role, email in set(people)}
        found: dict[tuple[str, str], str] = {}
        with self._scopes.tenant(branch):
            for chunk in _chunks(list(wanted)):
                for item in GuardItem.batch_get(chunk, consistent_read=True):
                    found[wanted[(item.pk, item.sk)]] = item.owner
        return found

    def candidates(self, branch: str, ids: Iterable[str]) -> dict[str, Candidate]:
        wanted = [keys.candidate_key(branch, i) for i in set(ids)]
        with self._scopes.tenant(branch):
            out = {}
            for chunk in _chunks(wanted):
                for item in CandidateItem.batch_get(chunk, consistent_read=True):
                    out[item.candidate_id] = to_candidate(item)
            return out

    def existing_duos(self, branch: str, ids: Iterable[str]) -> set[str]:
        wanted = [keys.duo_key(branch, i) for i in set(ids)]
        with self._scopes.tenant(branch):
            found = set()
            for chunk in _chunks(wanted):
                for item in DuoItem.batch_get(chunk, consistent_read=True, attributes_to_get=["duo_id"]):
                    found.add(item.duo_id)
            return found

    # --- writes: one transaction per row ---------------------------------------------------------
    def add_person(self, candidate: Candidate, event: Event) -> bool:
        """Write one imported person; False when their email (for that role) is there already."""
        branch = candidate.branch
        guard_pk, guard_sk = keys.candidate_email_key(branch, candidate.role.value, candidate.email)
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.save(candidate_item(candidate, []), condition=CandidateItem.pk.does_not_exist())
                    tx.save(GuardItem(guard_pk, guard_sk, owner=candidate.id), condition=GuardItem.pk.does_not_exist())
                    for term in term_items(candidate):
                        tx.save(term)
                    tx.save(event_item(branch, event))
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                return False
        return True

    def add_duo(self, write: DuoWrite) -> bool:
        """Write one imported duo with both people's changes; False when the duo is there already or one
        of its people changed since they were read (the caller reads again to say which)."""
        duo = write.duo
        branch = duo.branch
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.save(imported_duo_item(duo, write.phase), condition=DuoItem.pk.does_not_exist())
                    for person in write.people:
                        item = CandidateItem(*keys.candidate_key(branch, person.candidate_id))
                        if person.status:
                            actions = status_actions(branch, person.candidate_id, person.status, person.at)
                        else:
                            actions = [CandidateItem.updated_at.set(person.at), CandidateItem.version.add(1)]
                        if person.duo_id is not None:
                            actions.append(CandidateItem.duo_id.set(person.duo_id))
                        actions.append(CandidateItem.duo_ids.set((CandidateItem.duo_ids | []).append([person.add_duo])))
                        tx.update(item, actions=actions, condition=CandidateItem.version == person.version)
                    for event in write.events:
                        tx.save(event_item(branch, event))
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                return False
        return True
