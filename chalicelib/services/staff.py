"""A branch admin manages the staff of their branch."""

from __future__ import annotations

import uuid

from chalicelib.domain.roles import Role
from chalicelib.domain.staff import StaffMember, ensure_admin_remains
from chalicelib.observability import logger
from chalicelib.services.clock import now_iso
from chalicelib.services.repos import Repos


def invite_staff(repos: Repos, branch: str, *, email: str, role: Role, name: str = "") -> StaffMember:
    """Record the staff member, then have the directory mail the invitation.

    When the directory fails the record is taken back, so nothing is left half done.
    """
    repos.branches.get(branch)  # 404 for a branch that does not exist
    member = StaffMember(
        id=str(uuid.uuid4()), branch=branch, email=email.strip(), name=name, role=role, created_at=now_iso()
    )
    repos.staff.add(branch, member)
    try:
        repos.directory.invite(member)
    except Exception:
        repos.staff.remove(branch, member)
        raise
    logger.info("staff invited", extra={"staff_id": member.id, "staff_role": role.value})
    return member


def list_staff(repos: Repos, branch: str) -> list[StaffMember]:
    return repos.staff.list(branch)


def get_staff(repos: Repos, branch: str, staff_id: str) -> StaffMember:
    return repos.staff.get(branch, staff_id)


def change_role(repos: Repos, branch: str, staff_id: str, role: Role) -> StaffMember:
    member = repos.staff.get(branch, staff_id)
    if member.role is role:
        return member
    ensure_admin_remains(repos.staff.list(branch), member, role)
    repos.directory.change_role(member, role)
    repos.staff.set_role(branch, staff_id, role)
    member.role = role
    return member


def remove_staff(repos: Repos, branch: str, staff_id: str) -> None:
    member = repos.staff.get(branch, staff_id)
    ensure_admin_remains(repos.staff.list(branch), member, None)
    repos.directory.remove(member)
    repos.staff.remove(branch, member)
    logger.info("staff removed", extra={"staff_id": staff_id})
