"""Candidates as a branch's coordinators follow them (the life-cycle issue adds the steps)."""

from __future__ import annotations

from chalicelib.domain.candidates import Candidate
from chalicelib.services.repos import Repos


def list_candidates(
    repos: Repos, branch_id: str, *, role: str | None, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Candidate], str | None]:
    return repos.candidates.list(branch_id, role=role, status=status, limit=limit, cursor=cursor)
