"""Staff members of a branch and the rule that a branch always keeps an administrator."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.errors import ConflictError
from chalicelib.domain.roles import Role
from chalicelib.domain.texts import N_


class StaffStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


@dataclass
class StaffMember:
    id: str
    branch: str
    email: str
    role: Role
    name: str = ""
    status: StaffStatus = StaffStatus.INVITED
    created_at: str = ""


def ensure_admin_remains(staff: list[StaffMember], changing: StaffMember, new_role: Role | None) -> None:
    """Refuse to remove or demote the last branch admin (``new_role`` None means removal)."""
    if changing.role is not Role.BRANCH_ADMIN or new_role is Role.BRANCH_ADMIN:
        return
    admins = [s for s in staff if s.role is Role.BRANCH_ADMIN]
    if len(admins) <= 1:
        raise ConflictError(
            N_("A branch needs at least one branch admin: appoint another one first."),
            code="last_admin",
        )
