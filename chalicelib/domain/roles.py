"""Staff roles and who may do what. The names are the Cognito group names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    COORDINATOR = "coordinator"
    BRANCH_ADMIN = "branch_admin"
    HEAD_OFFICE = "head_office"


STAFF_ROLES = (Role.COORDINATOR, Role.BRANCH_ADMIN)
# The directory's groups, one per signed-in role. When a user is in several, the broadest one counts.
GROUP_ROLES = (Role.HEAD_OFFICE, Role.BRANCH_ADMIN, Role.COORDINATOR)


def role_from_groups(groups: list[str]) -> Role | None:
    for role in GROUP_ROLES:
        if role.value in groups:
            return role
    return None


@dataclass(frozen=True)
class Principal:
    """The verified caller: who, in which role, for which branch (None for head office/anonymous)."""

    role: Role
    subject: str = ""
    branch: str | None = None
    staff_id: str = ""  # the staff member's id (Cognito's Username); "" for anonymous

    @property
    def is_head_office(self) -> bool:
        return self.role is Role.HEAD_OFFICE

    def acts_for(self, branch: str) -> bool:
        """True when this staff member belongs to ``branch``."""
        return self.role in STAFF_ROLES and self.branch == branch


ANONYMOUS = Principal(role=Role.ANONYMOUS)
