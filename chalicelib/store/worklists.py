"""The lists the task list and the pipeline read that the people's and duos' repositories do not offer:
one role of a status (the pool of ready mentees, of ready mentors), and a settled duo phase over a
recent window. Each is a query (or a COUNT) on one GSI2 partition of the branch: never a scan, never
the whole history.
"""

from __future__ import annotations

from chalicelib.domain.candidates import Candidate
from chalicelib.domain.duos import Duo
from chalicelib.store import keys
from chalicelib.store.candidates import to_candidate
from chalicelib.store.duos import to_duo
from chalicelib.store.models import CandidateItem, DuoItem
from chalicelib.store.scopes import Scopes

FILTERED_PAGE = 200  # items read per query of a page filtered by role


class WorklistRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def count_candidates(self, branch: str, status: str, *, role: str | None = None, since: str | None = None) -> int:
        """How many candidates are in ``status`` (of ``role``; in it since ``since``): COUNT on GSI2."""
        condition = CandidateItem.gsi2sk >= since if since else None
        role_filter = CandidateItem.role == role if role else None
        with self._scopes.tenant(branch):
            return CandidateItem.timeline.count(keys.candidate_status_key(branch, status), condition, role_filter)

    def candidates(
        self, branch: str, status: str, *, role: str | None = None, since: str | None = None, limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[Candidate], str | None]:
        """Candidates in ``status`` (of ``role``), longest in it first. PynamoDB tops a page filtered by
        role up with further queries of the same partition (``FILTERED_PAGE`` items read per query)."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=2)
        condition = CandidateItem.gsi2sk >= since if since else None
        role_filter = CandidateItem.role == role if role else None
        with self._scopes.tenant(branch):
            result = CandidateItem.timeline.query(
                keys.candidate_status_key(branch, status), condition, role_filter, limit=limit,
                last_evaluated_key=start, page_size=max(limit, FILTERED_PAGE) if role else limit,
            )
            rows = [to_candidate(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def duos(
        self, branch: str, phase: str, *, since: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Duo], str | None]:
        """The duos in ``phase`` (in it since ``since``), longest in it first: one query on GSI2."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=2)
        condition = DuoItem.gsi2sk >= since if since else None
        with self._scopes.tenant(branch):
            result = DuoItem.timeline.query(keys.duo_phase_key(branch, phase), condition, limit=limit,
                                            last_evaluated_key=start)
            rows = [to_duo(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)
