"""A branch admin manages their branch's staff; the head office may invite a branch's admins."""

from __future__ import annotations

from chalicelib.api.branches import staff_out
from chalicelib.api.routing import Call, route
from chalicelib.api.schemas import StaffInvite, StaffList, StaffOut, StaffRoleChange
from chalicelib.domain.errors import ForbiddenError
from chalicelib.domain.roles import Role
from chalicelib.services import repos, staff

ADMINS = {Role.BRANCH_ADMIN}
TAGS = ("staff",)


@route("/branches/{branch}/staff", "GET", summary="List the branch's staff", roles=ADMINS,
       response=StaffList, tags=TAGS)
def list_staff(call: Call) -> StaffList:
    return StaffList(items=[staff_out(m) for m in staff.list_staff(repos.get(), call.params["branch"])])


@route("/branches/{branch}/staff", "POST", summary="Invite a staff member (mailed by the directory)",
       roles={Role.BRANCH_ADMIN, Role.HEAD_OFFICE}, body=StaffInvite, response=StaffOut, status=201, tags=TAGS)
def invite(call: Call) -> StaffOut:
    body: StaffInvite = call.body
    if call.principal.is_head_office and body.role != Role.BRANCH_ADMIN.value:
        raise ForbiddenError("The head office invites a branch's admins; they invite their coordinators.")
    member = staff.invite_staff(
        repos.get(), call.params["branch"], email=body.email, role=Role(body.role), name=body.name or ""
    )
    return staff_out(member)


@route("/branches/{branch}/staff/{staff_id}", "GET", summary="Read a staff member", roles=ADMINS,
       response=StaffOut, tags=TAGS)
def read_staff(call: Call) -> StaffOut:
    return staff_out(staff.get_staff(repos.get(), call.params["branch"], call.params["staff_id"]))


@route("/branches/{branch}/staff/{staff_id}", "PATCH", summary="Change a staff member's role",
       roles=ADMINS, body=StaffRoleChange, response=StaffOut, tags=TAGS)
def change_role(call: Call) -> StaffOut:
    member = staff.change_role(
        repos.get(), call.params["branch"], call.params["staff_id"], Role(call.body.role)
    )
    return staff_out(member)


@route("/branches/{branch}/staff/{staff_id}", "DELETE", summary="Remove a staff member",
       roles=ADMINS, tags=TAGS)
def remove(call: Call) -> None:
    staff.remove_staff(repos.get(), call.params["branch"], call.params["staff_id"])
