"""Onboarding and configuring branches (head office), and branch settings (branch admins)."""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.domain.branches import Branch, merge
from chalicelib.domain.config_rules import config_problems
from chalicelib.domain.errors import ConflictError, DuoError, InvalidInputError, NotFoundError
from chalicelib.domain.roles import Role
from chalicelib.domain.staff import StaffMember
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services.clock import now_iso, today
from chalicelib.services.repos import Repos

# What a branch admin may change of their own branch; the head office may change all of it.
BRANCH_ADMIN_FIELDS = frozenset({"time_zone", "languages", "config"})


def _check(branch: Branch) -> None:
    problems = config_problems(branch.effective_config())
    if problems:
        raise InvalidInputError(N_("The configuration is not consistent."), problems)


def onboard_branch(
    repos: Repos,
    *,
    branch_id: str,
    name: str,
    country: str,
    time_zone: str,
    languages: list[str],
    config: dict[str, Any] | None = None,
    admin_email: str | None = None,
    admin_name: str = "",
) -> tuple[Branch, StaffMember | None, DuoError | None]:
    """Create a branch (with its first admin, invited by mail) in one atomic write.

    Returns the branch, the admin (if any) and the error of the invitation mail, if it failed:
    the branch exists all the same and the admin can be invited again.
    """
    now = now_iso()
    branch = Branch(
        id=branch_id,
        name=name,
        country=country,
        time_zone=time_zone,
        languages=list(languages),
        config=config or {},
        created_at=now,
        updated_at=now,
    )
    _check(branch)
    admin = None
    if admin_email:
        admin = StaffMember(
            id=str(uuid.uuid4()), branch=branch_id, email=admin_email, name=admin_name,
            role=Role.BRANCH_ADMIN, created_at=now,
        )
    repos.branches.add(branch, admin)
    logger.info("branch onboarded", extra={"onboarded_branch": branch_id})
    metrics.add_metric(name="BranchOnboarded", unit="Count", value=1)
    invite_error = None
    if admin is not None:
        try:
            repos.directory.invite(admin)
        except DuoError as error:
            logger.warning("first admin invitation failed", extra={"onboarded_branch": branch_id, "code": error.code})
            invite_error = error
    return branch, admin, invite_error


def get_branch(repos: Repos, branch_id: str) -> Branch:
    branch = repos.branches.get(branch_id)
    _ONBOARDED.add(branch_id)
    return branch


_ONBOARDED: set[str] = set()  # branches are never deleted: once read, always there


def is_onboarded(repos: Repos, branch_id: str) -> bool:
    """Whether the branch exists (a staff token may name one that was never onboarded)."""
    if branch_id not in _ONBOARDED:
        try:
            get_branch(repos, branch_id)
        except NotFoundError:
            return False
    return True


def get_public_branch(repos: Repos, branch_id: str) -> Branch:
    """An active branch, as its public forms see it; a suspended one is closed."""
    branch = get_branch(repos, branch_id)
    if not branch.is_active:
        raise NotFoundError(
            N_("This branch does not take registrations at the moment."), code="branch_closed"
        )
    return branch


def list_branches(repos: Repos, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
    return repos.branches.list(limit, cursor)


def update_branch(
    repos: Repos, branch_id: str, changes: dict[str, Any], *, role: Role, expected_version: int | None = None
) -> Branch:
    """Apply ``changes`` (name, time_zone, languages, config as a deep patch).

    ``expected_version``: the version the caller read; another one stored answers 409 changed_meanwhile
    (and the write itself is conditional on it, so a save in between loses too).
    """
    if role is not Role.HEAD_OFFICE:
        refused = sorted(set(changes) - BRANCH_ADMIN_FIELDS)
        if refused:
            raise InvalidInputError(
                N_("Only the head office can change these."),
                {f: N_("Only the head office can change this field.") for f in refused},
            )
    branch = repos.branches.get(branch_id)
    if expected_version is not None and branch.version != expected_version:
        raise ConflictError(
            N_("The branch was changed by someone else meanwhile: reload and try again."), code="changed_meanwhile"
        )
    for name in ("name", "time_zone", "languages"):
        if name in changes:
            setattr(branch, name, changes[name])
    if "config" in changes:
        notice = branch.effective_config()["signup"]["privacy_notice_version"]
        branch.config = merge(branch.config, changes["config"])
        if branch.effective_config()["signup"]["privacy_notice_version"] != notice:  # staff see it from today
            branch.config = merge(branch.config, {"signup": {"privacy_notice_since": today().isoformat()}})
    _check(branch)
    branch.updated_at = now_iso()
    repos.branches.save(branch)
    return branch


def suspend_branch(repos: Repos, branch_id: str) -> Branch:
    branch = repos.branches.get(branch_id)
    branch.suspend()
    branch.updated_at = now_iso()
    repos.branches.save(branch)
    logger.info("branch suspended", extra={"changed_branch": branch_id})
    return branch


def resume_branch(repos: Repos, branch_id: str) -> Branch:
    branch = repos.branches.get(branch_id)
    branch.resume()
    branch.updated_at = now_iso()
    repos.branches.save(branch)
    return branch

