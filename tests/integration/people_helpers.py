"""Setting a candidate's stage directly (for tests of later steps and of the isolation matrix)."""

from __future__ import annotations

from chalicelib.services import clock
from chalicelib.services import repos as repos_module
from chalicelib.store.candidates import status_actions
from chalicelib.store.keys import candidate_key
from chalicelib.store.models import CandidateItem


def bring_to(branch: str, candidate_id: str, status: str, role: str | None = None) -> int:
    """Put a candidate in ``status`` (and ``role``) as the steps before would have; their new version."""
    repos = repos_module.get()
    actions = status_actions(branch, candidate_id, status, clock.now_iso())
    if role:
        actions.append(CandidateItem.role.set(role))
    with repos.scopes.tenant(branch):
        CandidateItem(*candidate_key(branch, candidate_id)).update(actions=actions)
    return repos.candidates.get(branch, candidate_id).version
