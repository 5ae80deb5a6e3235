"""A person's consent as the candidate item keeps it (``consent``: ``{"version", "language", "at"}``, plus
``withdrawn_at``, ``via`` and ``request_id`` once withdrawn), the branch's people as the consent pages and
mails need them, and who an address belongs to in one branch (through the one-per-email guards).

A consent change is one small transaction: the candidate's ``consent`` (on condition that it is still what
was read, so two changes at once cannot both win) and its event. Nothing here loops over people in a
transaction: the branch's list is read page by page (GSI1), never scanned.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.events import Event
from chalicelib.store import keys
from chalicelib.store.events import event_item
from chalicelib.store.models import CandidateItem, GuardItem, IdempotencyItem
from chalicelib.store.scopes import Scopes

ROLES = ("mentee", "mentor")
_ATTRIBUTES = ["candidate_id", "role", "status", "email", "name", "language", "consent", "restricted"]


@dataclass(frozen=True)
class ConsentRow:
    """One person of the branch, as consent needs them (no more of their record than that)."""

    candidate_id: str
    role: str
    status: str
    email: str
    name: str
    language: str
    consent: dict[str, Any]
    restricted: bool

    @property
    def id(self) -> str:
        return self.candidate_id

    @property
    def withdrawn(self) -> bool:
        return bool(self.consent.get("withdrawn_at"))


def _row(item: CandidateItem) -> ConsentRow:
    return ConsentRow(
        candidate_id=item.candidate_id, role=item.role, status=item.status, email=item.email, name=item.name,
        language=item.language, consent=dict(item.consent or {}),
        restricted=bool(getattr(item, "restricted", None)),
    )


class ConsentRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def get(self, branch: str, candidate_id: str) -> ConsentRow:
        pk, sk = keys.candidate_key(branch, candidate_id)
        with self._scopes.tenant(branch):
            try:
                item = CandidateItem.get(pk, sk, consistent_read=True, attributes_to_get=_ATTRIBUTES)
            except DoesNotExist:
                raise NotFoundError("There is no such candidate.", code="candidate_not_found") from None
        return _row(item)

    def change(self, branch: str, before: ConsentRow, consent: dict[str, Any], event: Event | None) -> None:
        """Write ``consent`` over ``before.consent`` (with ``event``, in one transaction); 409
        ``changed_meanwhile`` when the stored consent is no longer what was read (or the person is gone)."""
        pk, sk = keys.candidate_key(branch, before.candidate_id)
        condition = CandidateItem.pk.exists() & (CandidateItem.consent == before.consent)
        changed = ConflictError("This person's consent changed meanwhile.", code="changed_meanwhile")
        with self._scopes.tenant(branch) as conn:
            if event is None:
                try:
                    CandidateItem(pk, sk).update(actions=[CandidateItem.consent.set(consent)], condition=condition)
                except UpdateError as error:
                    if error.cause_response_code != "ConditionalCheckFailedException":
                        raise
                    raise changed from None
                return
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.update(CandidateItem(pk, sk), actions=[CandidateItem.consent.set(consent),
                                                              CandidateItem.updated_at.set(event.at)],
                              condition=condition)
                    tx.save(event_item(branch, event))
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                raise changed from None

    def record(self, branch: str, event: Event) -> None:
        """An event about a person that changes nothing of their record (e.g. a copy of their data sent)."""
        with self._scopes.tenant(branch):
            event_item(branch, event).save()

    def rows(self, branch: str, *, page_size: int = 100) -> Iterator[ConsentRow]:
        """Every person of the branch, newest first, a page of the candidate list (GSI1) at a time."""
        cursor = None
        while True:
            with self._scopes.tenant(branch):
                result = CandidateItem.lists.query(keys.candidate_list_key(branch), scan_index_forward=False,
                                                   limit=page_size, last_evaluated_key=cursor)
                rows = [_row(item) for item in result]
                cursor = result.last_evaluated_key
            yield from rows
            if not cursor:
                return

    def owners_of(self, branch: str, email: str) -> list[str]:
        """The candidates of ``branch`` with this address (one per role at most): two reads of the hashed
        email guards, no search, no other branch."""
        found = []
        with self._scopes.tenant(branch):
            for role in ROLES:
                try:
                    found.append(GuardItem.get(*keys.candidate_email_key(branch, role, email), consistent_read=True)
                                 .owner)
                except DoesNotExist:
                    continue
        return [owner for owner in found if owner]

    def claim_request(self, branch: str, email: str, now: datetime, until: datetime) -> bool:
        """Whether a privacy-link request for ``email`` may be served now: True once per address until
        ``until`` (a hashed marker that goes by TTL), so the form cannot be used to flood someone's inbox."""
        pk, sk = keys.idempotency_key(branch, f"privacy-request\x1f{email.strip().lower()}")
        condition = IdempotencyItem.pk.does_not_exist() | (IdempotencyItem.expires_at < now)
        with self._scopes.tenant(branch):
            try:
                IdempotencyItem(pk, sk, owner="privacy", session_id="", expires_at=until).save(condition=condition)
            except PutError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise
                return False
        return True
