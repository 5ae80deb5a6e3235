"""A mentor is in at most one pairing, also under concurrent requests: against the real local stack over
HTTP, N coordinators pair the SAME ready mentor with N different ready mentees at the same moment.
Exactly one gets 201; every other gets 409 ``mentor_busy``; the mentor ends paired once.

People are made ready the way a coordinator does it: signup, attendance, intake scheduled, intake
decision ready (and, for the mentor, every training module of the branch).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from tests.e2e.test_signup_stack import concurrently, sign_up
from tests.signup_support import auth, create_session, mentee_body, mentor_body, registrations, unique_email
from tests.stack import Stack

pytestmark = pytest.mark.e2e

BRANCH = "antwerp"
N = 5  # chalice local listens with a backlog of 5: more connections at once are reset before they are read


def _staff(stack: Stack, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = requests.request(method, f"{stack.api}/branches/{BRANCH}{path}", json=body,
                              headers=auth(stack, "coordinator", BRANCH), timeout=60)
    assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json() if answer.text else {}


def _ready(stack: Stack, session_id: str, role: str) -> str:
    """A candidate signed up over HTTP and taken to ``ready`` through the coordinator's routes."""
    email = unique_email(role)
    body = (mentee_body if role == "mentee" else mentor_body)(session_id, email)
    assert sign_up(stack, body, BRANCH).status_code == 201
    cid = next(r["candidate_id"] for r in registrations(stack, BRANCH, session_id) if r["email"] == email)
    person = _staff(stack, "GET", f"/candidates/{cid}")
    person = _staff(stack, "POST", f"/candidates/{cid}/attendance", {"attended": True, "version": person["version"]})
    person = _staff(stack, "POST", f"/candidates/{cid}/intake-schedule",
                    {"at": f"{date.today() + timedelta(days=1)}T10:00", "version": person["version"]})
    person = _staff(stack, "POST", f"/candidates/{cid}/intake", {
        "decision": "ready", "availability": ["tue_evening"], "languages": [{"code": "nl", "level": "native"}],
        "version": person["version"]})
    if role == "mentor":
        branch = _staff(stack, "GET", "")
        yesterday = str(date.today() - timedelta(days=1))
        for module in branch["config"]["training"]["modules"]:
            person = _staff(stack, "POST", f"/candidates/{cid}/training",
                            {"module": module["code"], "completed_on": yesterday, "version": person["version"]})
    person = _staff(stack, "GET", f"/candidates/{cid}")
    assert person["status"] == "ready", person["status"]
    return cid


def test_concurrent_pairings_of_one_mentor_exactly_one_wins(stack: Stack) -> None:
    session = create_session(stack, BRANCH, capacity=N + 5, language="nl", address="Meir 1, 2000 Antwerpen")
    mentor = _ready(stack, session["id"], "mentor")
    mentees = [_ready(stack, session["id"], "mentee") for _ in range(N)]
    first_meeting = f"{date.today() + timedelta(days=2)}T18:00"

    def pair(n: int) -> requests.Response:
        return requests.post(f"{stack.api}/branches/{BRANCH}/duos", headers=auth(stack, "coordinator", BRANCH),
                             json={"mentee_id": mentees[n], "mentor_id": mentor, "first_meeting_at": first_meeting},
                             timeout=120)

    answers = concurrently(N, pair)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: N - 1}, [(a.status_code, a.text[:120]) for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"mentor_busy"}
    winner = next(a.json() for a in answers if a.status_code == 201)
    person = _staff(stack, "GET", f"/candidates/{mentor}")
    assert person["status"] == "paired" and person["duo_id"] == winner["id"] and person["duo_ids"] == [winner["id"]]
    # The losers' mentees are still in the pool; only one duo exists for this mentor.
    losers = [mentees[n] for n, a in enumerate(answers) if a.status_code == 409]
    assert all(_staff(stack, "GET", f"/candidates/{cid}")["status"] == "ready" for cid in losers)
    duos = _staff(stack, "GET", "/duos?phase=first_meeting&limit=100")["items"]
    assert [d["id"] for d in duos if d["mentor_id"] == mentor] == [winner["id"]]
