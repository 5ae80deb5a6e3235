"""Branches: onboarding and configuration (head office), own settings (branch staff), public card."""

from __future__ import annotations

from chalicelib.api.routing import PUBLIC, Call, route
from chalicelib.api.schemas import (
    BranchCreate,
    BranchOnboarded,
    BranchOut,
    BranchPage,
    BranchUpdate,
    PageQuery,
    PublicBranch,
    StaffOut,
)
from chalicelib.domain.branches import Branch
from chalicelib.domain.roles import Role
from chalicelib.domain.staff import StaffMember
from chalicelib.services import branches, repos

HEAD_OFFICE = {Role.HEAD_OFFICE}
BRANCH_READERS = {Role.HEAD_OFFICE, Role.BRANCH_ADMIN, Role.COORDINATOR}
BRANCH_EDITORS = {Role.HEAD_OFFICE, Role.BRANCH_ADMIN}
TAGS = ("branches",)


def branch_out(branch: Branch) -> dict:
    return {
        "id": branch.id,
        "name": branch.name,
        "country": branch.country,
        "time_zone": branch.time_zone,
        "languages": branch.languages,
        "status": branch.status.value,
        "config": branch.effective_config(),
        "created_at": branch.created_at,
        "updated_at": branch.updated_at,
        "version": branch.version,
    }


def staff_out(member: StaffMember) -> StaffOut:
    return StaffOut(
        id=member.id, email=member.email, name=member.name, role=member.role.value,
        status=member.status.value, created_at=member.created_at,
    )


@route("/branches", "POST", summary="Onboard a branch", roles=HEAD_OFFICE,
       body=BranchCreate, response=BranchOnboarded, status=201, tags=TAGS)
def onboard(call: Call) -> BranchOnboarded:
    b: BranchCreate = call.body
    branch, admin, invite_error = branches.onboard_branch(
        repos.get(),
        branch_id=b.id,
        name=b.name,
        country=b.country,
        time_zone=b.time_zone,
        languages=list(b.languages),
        config=b.config.model_dump(exclude_none=True) if b.config else None,
        admin_email=b.admin_email,
        admin_name=b.admin_name or "",
    )
    warnings = [f"The invitation of the first admin failed: {invite_error.message}"] if invite_error else []
    return BranchOnboarded(
        **branch_out(branch), admin=staff_out(admin) if admin else None, warnings=warnings
    )


@route("/branches", "GET", summary="List branches", roles=HEAD_OFFICE,
       query=PageQuery, response=BranchPage, tags=TAGS)
def list_branches(call: Call) -> BranchPage:
    rows, cursor = branches.list_branches(repos.get(), call.query.limit, call.query.cursor)
    return BranchPage(items=rows, next=cursor)


@route("/branches/{branch}", "GET", summary="Read a branch's settings", roles=BRANCH_READERS,
       response=BranchOut, tags=TAGS)
def read_branch(call: Call) -> BranchOut:
    return BranchOut(**branch_out(branches.get_branch(repos.get(), call.params["branch"])))


@route("/branches/{branch}", "PATCH", summary="Change a branch's settings", roles=BRANCH_EDITORS,
       body=BranchUpdate, response=BranchOut, tags=TAGS)
def update_branch(call: Call) -> BranchOut:
    changes = call.body.model_dump(exclude_unset=True)
    if "config" in changes:
        changes["config"] = call.body.config.model_dump(exclude_unset=True)
    branch = branches.update_branch(repos.get(), call.params["branch"], changes, role=call.principal.role)
    return BranchOut(**branch_out(branch))


@route("/branches/{branch}/suspend", "POST", summary="Suspend a branch (its public forms close)",
       roles=HEAD_OFFICE, response=BranchOut, tags=TAGS)
def suspend(call: Call) -> BranchOut:
    return BranchOut(**branch_out(branches.suspend_branch(repos.get(), call.params["branch"])))


@route("/branches/{branch}/resume", "POST", summary="Reopen a suspended branch",
       roles=HEAD_OFFICE, response=BranchOut, tags=TAGS)
def resume(call: Call) -> BranchOut:
    return BranchOut(**branch_out(branches.resume_branch(repos.get(), call.params["branch"])))


@route("/branches/{branch}/public", "GET", summary="What a branch's public pages show",
       roles=PUBLIC, response=PublicBranch, tags=("public",))
def public_branch(call: Call) -> PublicBranch:
    branch = branches.get_public_branch(repos.get(), call.params["branch"])
    config = branch.effective_config()
    return PublicBranch(
        id=branch.id, name=branch.name, country=branch.country,
        languages=branch.languages, services=config["services"],
    )
