"""Staff repository: one partition per staff member, listed through GSI1 by branch."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.roles import Role
from chalicelib.domain.staff import StaffMember, StaffStatus
from chalicelib.store import keys
from chalicelib.store.models import GuardItem, StaffItem
from chalicelib.store.scopes import Scopes


def staff_item(member: StaffMember) -> StaffItem:
    pk, sk = keys.staff_key(member.branch, member.id)
    return StaffItem(
        pk,
        sk,
        gsi1pk=keys.staff_list_key(member.branch),
        gsi1sk=f"{member.created_at}#{member.id}",
        staff_id=member.id,
        branch=member.branch,
        email=member.email,
        name=member.name,
        role=member.role.value,
        status=member.status.value,
        created_at=member.created_at,
    )


def guard_item(member: StaffMember) -> GuardItem:
    pk, sk = keys.staff_email_key(member.branch, member.email)
    return GuardItem(pk, sk, owner=member.id)


def _to_member(item: StaffItem) -> StaffMember:
    return StaffMember(
        id=item.staff_id,
        branch=item.branch,
        email=item.email,
        name=item.name or "",
        role=Role(item.role),
        status=StaffStatus(item.status),
        created_at=item.created_at,
    )


def _email_taken() -> ConflictError:
    return ConflictError(
        "Someone with this email is on the staff already.", {"email": "This email is in use."}, "email_taken"
    )


class StaffRepository:
    """Staff of one branch. Every method takes the branch first and runs in its scope."""

    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def add(self, branch: str, member: StaffMember) -> None:
        if member.branch != branch:
            raise ValueError("a staff member is added to their own branch")
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.save(staff_item(member), condition=StaffItem.pk.does_not_exist())
                    tx.save(guard_item(member), condition=GuardItem.pk.does_not_exist())
            except TransactWriteError as error:
                if error.cause_response_code == "TransactionCanceledException":
                    raise _email_taken() from None
                raise

    def get(self, branch: str, staff_id: str) -> StaffMember:
        pk, sk = keys.staff_key(branch, staff_id)
        with self._scopes.tenant(branch):
            try:
                return _to_member(StaffItem.get(pk, sk))
            except DoesNotExist:
                raise NotFoundError("There is no such staff member.", code="staff_not_found") from None

    def list(self, branch: str) -> list[StaffMember]:
        """All staff of the branch, oldest first (a branch has tens, not thousands)."""
        with self._scopes.tenant(branch):
            return [_to_member(i) for i in StaffItem.lists.query(keys.staff_list_key(branch))]

    def set_role(self, branch: str, staff_id: str, role: Role) -> None:
        pk, sk = keys.staff_key(branch, staff_id)
        with self._scopes.tenant(branch):
            StaffItem(pk, sk).update(actions=[StaffItem.role.set(role.value)], condition=StaffItem.pk.exists())

    def remove(self, branch: str, member: StaffMember) -> None:
        with self._scopes.tenant(branch) as conn, TransactWrite(connection=conn.connection) as tx:
            tx.delete(staff_item(member))
            tx.delete(guard_item(member))
