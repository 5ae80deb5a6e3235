"""Scheduled jobs (EventBridge in AWS; the local runner calls them on the same schedule)."""

from __future__ import annotations

from chalicelib.observability import logger
from chalicelib.services.repos import Repos


def reconcile_staff_counts(repos: Repos) -> int:
    """Recount every branch's staff and overwrite the maintained figure; returns the branches fixed."""
    fixed, cursor = 0, None
    while True:
        rows, cursor = repos.branches.list(100, cursor)
        for row in rows:
            count = len(repos.staff.list(row["id"]))
            if count != row["staff_count"]:
                repos.branches.set_staff_count(row["id"], count)
                fixed += 1
        if cursor is None:
            break
    logger.info("staff counts reconciled", extra={"fixed": fixed})
    return fixed
