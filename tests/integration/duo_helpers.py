"""Ready mentees and mentors for the duo tests (until part A's intake routes: the status is written
directly through the store, the way a finished intake leaves it), and pairing them through the API."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from chalicelib.services import clock
from chalicelib.services import repos as repos_module
from chalicelib.store import keys
from chalicelib.store.candidates import status_actions
from chalicelib.store.models import CandidateItem
from tests.conftest import bearer
from tests.integration.signup_helpers import mentee_body, mentor_body, plan_session, sign_up


def ready_candidate(client, branch: str, role: str, session_id: str | None = None, *, language: str = "nl",
                    **fields: Any) -> str:
    """A candidate of ``branch`` in status ready (signed up through the API, then moved by the store)."""
    session_id = session_id or plan_session(client, branch)["id"]
    email = f"{role}.{uuid.uuid4().hex[:10]}@example.org"
    body = (mentee_body if role == "mentee" else mentor_body)(session_id, email, language=language, **fields)
    answer = sign_up(client, branch, body)
    assert answer.status_code == 201, answer.body
    repos = repos_module.get()
    rows, _ = repos.candidates.list(branch, role=role, status=None, limit=100, cursor=None)
    candidate = next(c for c in rows if c.email == email)
    set_status(branch, candidate.id, "ready")
    return candidate.id


def set_status(branch: str, candidate_id: str, status: str) -> None:
    repos = repos_module.get()
    with repos.scopes.tenant(branch):
        CandidateItem(*keys.candidate_key(branch, candidate_id)).update(
            actions=status_actions(branch, candidate_id, status, clock.now_iso())
        )


def pair(client, branch: str, mentee_id: str, mentor_id: str, first_meeting_at: datetime | str | None = None,
         role: str = "coordinator"):
    at = first_meeting_at or clock.now()
    body = {"mentee_id": mentee_id, "mentor_id": mentor_id,
            "first_meeting_at": at if isinstance(at, str) else at.isoformat()}
    return client.http.post(f"/branches/{branch}/duos", headers=bearer(role, branch), body=json.dumps(body))
