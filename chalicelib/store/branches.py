"""Branch repository: settings items under each branch's prefix, plus the platform registry."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.branches import Branch, BranchStatus
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.staff import StaffMember
from chalicelib.store import keys
from chalicelib.store.models import BranchItem, RegistryItem
from chalicelib.store.scopes import Scopes
from chalicelib.store.staff import guard_item, staff_item


def _to_item(branch: Branch) -> BranchItem:
    pk, sk = keys.branch_key(branch.id)
    item = BranchItem(
        pk,
        sk,
        name=branch.name,
        country=branch.country,
        time_zone=branch.time_zone,
        languages=list(branch.languages),
        config=branch.config,
        status=branch.status.value,
        created_at=branch.created_at,
        updated_at=branch.updated_at,
    )
    if branch.version:
        item.version = branch.version
    return item


def _registry(branch: Branch) -> RegistryItem:
    pk, sk = keys.registry_key(branch.id)
    return RegistryItem(
        pk,
        sk,
        branch=branch.id,
        name=branch.name,
        country=branch.country,
        status=branch.status.value,
        created_at=branch.created_at,
    )


def _to_branch(item: BranchItem) -> Branch:
    return Branch(
        id=keys.branch_of(item.pk) or "",
        name=item.name,
        country=item.country,
        time_zone=item.time_zone,
        languages=list(item.languages),
        config=dict(item.config or {}),
        status=BranchStatus(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version or 0,
    )


class BranchRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def add(self, branch: Branch, admin: StaffMember | None = None) -> None:
        """Create the branch, its registry entry and (optionally) its first admin, atomically.

        Raises ConflictError when a branch with this id exists.
        """
        with self._scopes.platform() as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.save(_to_item(branch), condition=BranchItem.pk.does_not_exist())
                    tx.save(_registry(branch), condition=RegistryItem.pk.does_not_exist())
                    if admin is not None:
                        tx.save(staff_item(admin), condition=BranchItem.pk.does_not_exist())
                        tx.save(guard_item(admin), condition=BranchItem.pk.does_not_exist())
            except TransactWriteError as error:
                if _cancelled(error):
                    raise ConflictError(
                        f"A branch with id '{branch.id}' exists already.", {"id": "This id is taken."}
                    ) from None
                raise
        branch.version = 1

    def add_many(self, branches: list[Branch], staff: list[StaffMember]) -> None:
        """Seed many branches and staff with batch writes (no conditions: for empty tables)."""
        with self._scopes.platform(), BranchItem.batch_write() as batch:
            for branch in branches:
                branch.version = 1
                item = _to_item(branch)
                item.version = 1
                batch.save(item)
                batch.save(_registry(branch))
            for member in staff:
                batch.save(staff_item(member))
                batch.save(guard_item(member))

    def get(self, branch_id: str) -> Branch:
        """A branch's settings. They hold no personal data and belong to the platform (the head
        office configures them), so they are read with the platform's credentials: public pages
        and settings reads never wait for a branch's role to be assumed."""
        pk, sk = keys.branch_key(branch_id)
        with self._scopes.platform():
            try:
                return _to_branch(BranchItem.get(pk, sk))
            except DoesNotExist:
                raise NotFoundError(f"There is no branch '{branch_id}'.", code="branch_not_found") from None

    def list(self, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Registry entries of all branches, by id, one page at a time."""
        start = keys.decode_cursor(cursor, keys.REGISTRY, index=None)
        with self._scopes.platform():
            results = RegistryItem.query(
                keys.REGISTRY,
                RegistryItem.sk.startswith("BRANCH#"),
                limit=limit,
                last_evaluated_key=start,
            )
            rows = [
                {
                    "id": r.branch,
                    "name": r.name,
                    "country": r.country,
                    "status": r.status,
                    "created_at": r.created_at,
                    "staff_count": int(r.staff_count or 0),
                }
                for r in results
            ]
            return rows, keys.encode_cursor(results.last_evaluated_key)

    def save(self, branch: Branch) -> None:
        """Store changed settings; ConflictError when someone else saved in between."""
        item = _to_item(branch)
        with self._scopes.platform() as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.save(item)
                    tx.update(
                        _registry(branch),
                        actions=[
                            RegistryItem.name.set(branch.name),
                            RegistryItem.status.set(branch.status.value),
                        ],
                        condition=RegistryItem.pk.exists(),
                    )
            except TransactWriteError as error:
                if _cancelled(error):
                    raise ConflictError(
                        "The branch was changed by someone else meanwhile: reload and try again.",
                        code="changed_meanwhile",
                    ) from None
                raise
        branch.version = item.version or branch.version + 1

    def add_staff_count(self, branch_id: str, delta: int) -> None:
        """Move the registry's maintained staff count (the stream handler keeps it)."""
        pk, sk = keys.registry_key(branch_id)
        with self._scopes.platform():
            RegistryItem(pk, sk).update(
                actions=[RegistryItem.staff_count.add(delta)], condition=RegistryItem.pk.exists()
            )

    def set_staff_count(self, branch_id: str, count: int) -> None:
        """Overwrite the maintained staff count with a recount (the nightly reconciliation)."""
        pk, sk = keys.registry_key(branch_id)
        with self._scopes.platform():
            RegistryItem(pk, sk).update(
                actions=[RegistryItem.staff_count.set(count)], condition=RegistryItem.pk.exists()
            )


def _cancelled(error: TransactWriteError) -> bool:
    return error.cause_response_code == "TransactionCanceledException" and any(
        reason.code == "ConditionalCheckFailed" for reason in (error.cancellation_reasons or []) if reason
    )

