"""Privacy requests and the access audit of a branch (issue 8).

Requests live in one partition of the branch (``T#b#PRIVACY`` / ``REQ#<id>``: a few a month), listed by
status on GSI1 sorted by due date, so the open ones (the task list) are one query however many were
answered before. Audit entries live in one partition per month (``T#b#AUDIT#yyyy-mm`` / ``<at>#<id>``)
and per person on GSI1 (``T#b#AUDITOF#<candidate_id>``); each entry also adds one to its month's count
in the branch's aggregates partition (``T#b#AGG`` / ``AUDIT#yyyy-mm``, ``n:audit.<action>``), which the
head office reads with the platform's credentials: counts, never entries.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.operand import Path

from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.privacy_requests import (
    AuditAction,
    AuditEntry,
    Request,
    RequestKind,
    RequestSource,
    RequestStatus,
)
from chalicelib.store import keys
from chalicelib.store.aggregates import COUNTER
from chalicelib.store.models import AggregateItem, AuditItem, RequestItem
from chalicelib.store.scopes import Scopes

AUDIT_COUNTER = "audit."  # n:audit.<action>


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", "") == "ConditionalCheckFailedException"


def request_item(r: Request) -> RequestItem:
    pk, sk = keys.privacy_request_key(r.branch, r.id)
    return RequestItem(
        pk, sk, gsi1pk=keys.privacy_status_key(r.branch, r.status.value), gsi1sk=f"{r.due_on}#{r.id}",
        request_id=r.id, kind=r.kind.value, candidate_id=r.candidate_id, source=r.source.value,
        status=r.status.value, received_at=r.received_at, due_on=r.due_on, done_at=r.done_at, done_by=r.done_by,
        note=r.note, opened_by=r.opened_by,
    )


def to_request(item: RequestItem) -> Request:
    return Request(
        id=item.request_id, branch=keys.branch_of(item.pk) or "", kind=RequestKind(item.kind),
        candidate_id=item.candidate_id, source=RequestSource(item.source), status=RequestStatus(item.status),
        received_at=item.received_at, due_on=item.due_on, done_at=item.done_at or "", done_by=item.done_by or "",
        note=item.note or "", opened_by=item.opened_by or "",
    )


def to_entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(id=item.audit_id, at=item.at, staff_id=item.staff_id, candidate_id=item.candidate_id,
                      action=AuditAction(item.action), reason=item.reason or "")


class PrivacyRepository:
    """A branch's privacy requests and access audit. Every method takes the branch first."""

    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    # --- Requests -------------------------------------------------------------------------------------
    def create(self, request: Request) -> Request:
        with self._scopes.tenant(request.branch):
            request_item(request).save(condition=RequestItem.pk.does_not_exist())
        return request

    def get(self, branch: str, request_id: str) -> Request:
        with self._scopes.tenant(branch):
            try:
                return to_request(RequestItem.get(*keys.privacy_request_key(branch, request_id), consistent_read=True))
            except DoesNotExist:
                raise NotFoundError("There is no such request.", code="request_not_found") from None

    def by_status(self, branch: str, status: str, *, limit: int | None = None, cursor: str | None = None
                  ) -> tuple[list[Request], str | None]:
        """The requests in ``status``, earliest due first: one query on GSI1."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=1)
        with self._scopes.tenant(branch):
            result = RequestItem.lists.query(keys.privacy_status_key(branch, status), limit=limit,
                                             last_evaluated_key=start)
            rows = [to_request(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def all(self, branch: str, candidate_id: str | None = None) -> list[Request]:
        """Every request of the branch (or about one person): one query of its partition."""
        condition = RequestItem.candidate_id == candidate_id if candidate_id else None
        with self._scopes.tenant(branch):
            return [to_request(item) for item in RequestItem.query(
                keys.privacy_list_key(branch), RequestItem.sk.startswith(keys.REQUEST_PREFIX),
                filter_condition=condition)]

    def close(self, before: Request, after: Request) -> Request:
        """Write the answer on condition the request is still open (else 409 ``request_not_open``)."""
        pk, sk = keys.privacy_request_key(before.branch, before.id)
        actions = [RequestItem.status.set(after.status.value), RequestItem.done_at.set(after.done_at),
                   RequestItem.done_by.set(after.done_by), RequestItem.note.set(after.note),
                   RequestItem.gsi1pk.set(keys.privacy_status_key(after.branch, after.status.value))]
        with self._scopes.tenant(before.branch):
            try:
                RequestItem(pk, sk).update(actions=actions, condition=RequestItem.status == RequestStatus.OPEN.value)
            except UpdateError as error:
                if not _conditional_failed(error):
                    raise
                raise ConflictError("This request was answered meanwhile.", code="request_not_open") from None
        return after

    # --- Access audit --------------------------------------------------------------------------------
    def record(self, branch: str, entry: AuditEntry) -> None:
        """The entry (written once: a retry with the same id changes nothing), then one more in its month's
        count for the head office."""
        pk, sk = keys.audit_key(branch, entry.month, entry.at, entry.id)
        item = AuditItem(pk, sk, gsi1pk=keys.audit_of_key(branch, entry.candidate_id), gsi1sk=f"{entry.at}#{entry.id}",
                         audit_id=entry.id, at=entry.at, staff_id=entry.staff_id, candidate_id=entry.candidate_id,
                         action=entry.action.value, reason=entry.reason)
        with self._scopes.tenant(branch):
            try:
                item.save(condition=AuditItem.pk.does_not_exist())
            except PutError as error:
                if _conditional_failed(error):
                    return
                raise
            AggregateItem(*keys.audit_count_key(branch, entry.month)).update(actions=[
                AggregateItem.month.set(entry.month), Path([COUNTER + AUDIT_COUNTER + entry.action.value]).add(1)])

    def entries(self, branch: str, *, candidate_id: str | None, month: str | None, limit: int,
                cursor: str | None) -> tuple[list[AuditEntry], str | None]:
        """Newest first: one person's entries (GSI1; within ``month`` when given), or one month's."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=1 if candidate_id else None)
        with self._scopes.tenant(branch):
            if candidate_id:
                condition = AuditItem.gsi1sk.startswith(month) if month else None
                result = AuditItem.lists.query(keys.audit_of_key(branch, candidate_id), condition,
                                               scan_index_forward=False, limit=limit, last_evaluated_key=start)
            else:
                result = AuditItem.query(keys.audit_month_key(branch, month or ""), scan_index_forward=False,
                                         limit=limit, last_evaluated_key=start)
            rows = [to_entry(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def audit_counts(self, branch: str) -> dict[str, dict[str, int]]:
        """Month -> action -> entries, from the branch's aggregates partition, read with the platform's
        credentials (the head office's view: in AWS they reach ``T#*#AGG`` and nothing else of a branch)."""
        out: dict[str, dict[str, int]] = {}
        prefix = COUNTER + AUDIT_COUNTER
        with self._scopes.platform() as conn:
            start = None
            while True:
                page: dict[str, Any] = conn.query(
                    keys.aggregate_list_key(branch), range_key_condition=Path("sk").startswith(keys.AUDIT_COUNT_PREFIX),
                    exclusive_start_key=start, consistent_read=True)
                for item in page.get("Items", []):
                    month = item["sk"]["S"].removeprefix(keys.AUDIT_COUNT_PREFIX)
                    out[month] = {k.removeprefix(prefix): int(v["N"]) for k, v in item.items()
                                  if k.startswith(prefix) and "N" in v}
                start = page.get("LastEvaluatedKey")
                if not start:
                    return out
