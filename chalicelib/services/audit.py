"""The access audit: every read of a person's data by staff (their record, their trail, an export) and every
privacy action on them (erase, restrict, correct), with who, when, which person and why if they said.

A branch admin reviews the entries (per person, or per month); the head office sees only how many there
were per branch and month (``audit_summary``: counts from the aggregates partition, never an entry).
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.events import new_event_id
from chalicelib.domain.privacy_requests import AuditAction, AuditEntry, check_reason
from chalicelib.domain.texts import N_
from chalicelib.observability import logger
from chalicelib.services import clock
from chalicelib.services.repos import Repos
from chalicelib.store.privacy import PrivacyRepository

REGISTRY_PAGE = 100
_MONTH = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")


def _store(repos: Repos) -> PrivacyRepository:
    return PrivacyRepository(repos.scopes)


def record(repos: Repos, branch_id: str, *, staff_id: str, candidate_id: str, action: str, reason: str = "") -> None:
    """Record one access (``action``: read_person, read_events, export, erase, restrict, correct)."""
    if action not in {a.value for a in AuditAction}:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(new_event_id(), clock.now_iso(), staff_id, candidate_id, AuditAction(action),
                       check_reason(reason))
    _store(repos).record(branch_id, entry)
    logger.info("access audited", extra={"candidate_id": candidate_id, "action": action})


def audit_entries(repos: Repos, branch_id: str, *, candidate_id: str | None = None, month: str | None = None,
                  limit: int = 50, cursor: str | None = None) -> tuple[list[AuditEntry], str | None]:
    """Newest first: one person's entries (all, or of ``month``), or the entries of ``month`` (default: this
    month) of the whole branch."""
    if month and not _MONTH.match(month):
        raise InvalidInputError(N_("Some fields are not valid."), {"month": N_("Give a month such as 2026-11.")})
    if not candidate_id and not month:
        month = clock.now_iso()[:7]
    return _store(repos).entries(branch_id, candidate_id=candidate_id or None, month=month, limit=limit,
                                 cursor=cursor)


def audit_summary(repos: Repos) -> list[dict[str, Any]]:
    """The head office's view: per branch and month, how many audit entries there are (counts only)."""
    branches, cursor = repos.branches.list(REGISTRY_PAGE, None)
    while cursor:
        more, cursor = repos.branches.list(REGISTRY_PAGE, cursor)
        branches += more
    store = _store(repos)
    rows: list[dict[str, Any]] = []
    for branch in sorted(b["id"] for b in branches):
        for month, actions in sorted(store.audit_counts(branch).items()):
            rows.append({"branch": branch, "month": month, "entries": sum(actions.values())})
    return rows
