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


# --- Duos in a given state, made through the services (the isolation matrix and the console tests) -------
STATES = ("first_meeting", "agreed", "active", "closed")


def make_duo(client, branch: str) -> str:
    """A pairing of two ready people of ``branch`` whose first meeting was an hour ago."""
    from datetime import timedelta

    from chalicelib.services import duos as service
    from local.seed import demo_subject

    mentee, mentor = ready_candidate(client, branch, "mentee"), ready_candidate(client, branch, "mentor")
    at = clock.now() - timedelta(hours=1)
    return service.pair(repos_module.get(), branch, mentee, mentor, at, demo_subject("coordinator", branch)).id


def stage_duo(branch: str, duo_id: str, state: str) -> int:
    """Move the duo forward to ``state`` (never back); the version to send next."""
    from chalicelib.services import duos as service

    repos = repos_module.get()
    duo = repos.duos.get(branch, duo_id)
    actor = "staff-test"
    today = clock.today()
    while STATES.index(duo.status.value) < STATES.index(state):
        if duo.status.value == "first_meeting":
            for side in ("mentee", "mentor"):
                if side not in duo.answers:
                    duo = service.answer(repos, branch, duo_id, side, "yes", duo.version, actor)
        elif duo.status.value == "agreed":
            signed = max(today, datetime.fromisoformat(duo.first_meeting_at.replace("Z", "+00:00")).date())
            duo = service.record_agreement(repos, branch, duo_id, signed, True, True, True, duo.version, actor)
        elif duo.status.value == "active":
            duo = service.close(repos, branch, duo_id, clock.today(), "completed", None, duo.version, actor)
    return duo.version


def goal_of(branch: str, duo_id: str) -> str:
    from chalicelib.services import duos as service

    version = stage_duo(branch, duo_id, "active")
    duo = service.add_goal(repos_module.get(), branch, duo_id, "A goal", None, version, "staff-test")
    return duo.goals[-1]["id"]


def laptop_of(branch: str, duo_id: str) -> str:
    from datetime import timedelta

    from chalicelib.services import duos as service

    version = stage_duo(branch, duo_id, "active")
    today = clock.today()
    duo = service.add_service(repos_module.get(), branch, duo_id, "laptop_loan", today, today + timedelta(days=60),
                              version, "staff-test")
    return duo.services[-1]["id"]


def answer_link(branch: str, duo_id: str, side: str = "mentee") -> str:
    """A fresh answer link of ``side`` (the token, as the mail would carry it)."""
    from chalicelib.services import duos as service

    repos = repos_module.get()
    minted = service.mint(repos.duos.get(branch, duo_id), "answer", [side])
    repos.links.add_item(minted.items[0])
    return minted.tokens[side]
