"""Public signup against the real local stack over HTTP: seats, idempotency and CORS under concurrency.

``chalice local`` and moto's server run in a subprocess (``tests/stack.py``); the requests come from
threads of this process, released together by a barrier.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.signup_support import auth, create_session, mentee_body, registrations, unique_email
from tests.stack import Stack

pytestmark = pytest.mark.e2e

BRANCH = "ghent"


def concurrently(count: int, call: Callable[[int], requests.Response]) -> list[requests.Response]:
    """``call(0) .. call(count - 1)`` in threads that start together; their answers, in order."""
    start = threading.Barrier(count)
    answers: list[requests.Response | BaseException | None] = [None] * count

    def run(n: int) -> None:
        start.wait()
        try:
            answers[n] = call(n)
        except BaseException as error:  # reported below, with the others
            answers[n] = error

    workers = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    failed = [a for a in answers if not isinstance(a, requests.Response)]
    assert not failed, f"{len(failed)} requests got no answer: {failed[:3]}"
    return answers  # type: ignore[return-value]


def sign_up(stack: Stack, body: dict[str, Any], branch: str = BRANCH, **headers: str) -> requests.Response:
    return requests.post(f"{stack.api}/branches/{branch}/signups", json=body, headers=headers, timeout=120)


def sign_up_retrying(stack: Stack, body: dict[str, Any], key: str) -> requests.Response:
    """A careful client: an Idempotency-Key, and the same request again if the connection breaks.

    ``chalice local`` listens with Python's default backlog of 5, so some of 50 connections opened at
    once are reset before they are read (API Gateway does not do that). Retrying with the same key is
    what the key is for: a request that did arrive is answered again, never registered twice.
    """
    for attempt in range(4):
        try:
            return sign_up(stack, body, **{"Idempotency-Key": key})
        except requests.ConnectionError:
            if attempt == 3:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def public_sessions(stack: Stack, branch: str = BRANCH, role: str = "mentee") -> dict[str, dict[str, Any]]:
    answer = requests.get(f"{stack.api}/branches/{branch}/public/sessions", params={"role": role}, timeout=30)
    assert answer.status_code == 200, answer.text
    return {s["id"]: s for s in answer.json()["items"]}


def without_seats_left(receipt: dict[str, Any]) -> dict[str, Any]:
    return {**receipt, "session": {k: v for k, v in receipt["session"].items() if k != "seats_left"}}


def next_session_ids(body: dict[str, Any]) -> list[str]:
    """The sessions a 409 ``session_full`` offers instead (``next_sessions``, at the top or under ``fields``)."""
    offered = body.get("next_sessions")
    if offered is None and isinstance(body.get("fields"), dict):
        offered = body["fields"].get("next_sessions")
    return [s["id"] if isinstance(s, dict) else s for s in offered or []]


def test_fifty_concurrent_signups_for_ten_seats_register_exactly_ten(stack: Stack) -> None:
    full = create_session(stack, BRANCH, capacity=10, days=21)
    later = create_session(stack, BRANCH, capacity=10, days=28)
    emails = [unique_email(f"seat{n}") for n in range(50)]

    def one(n: int) -> requests.Response:
        return sign_up_retrying(stack, mentee_body(full["id"], emails[n]), key=f"seat-{emails[n]}")

    answers = concurrently(50, one)

    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 10, 409: 40}, {s: [a.text[:200] for a in answers if a.status_code == s][:2]
                                            for s in statuses}
    for refused in (a for a in answers if a.status_code == 409):
        body = refused.json()
        assert body["code"] == "session_full"
        assert body["message"]
        assert later["id"] in next_session_ids(body), body
        assert full["id"] not in next_session_ids(body)
    for accepted in (a for a in answers if a.status_code == 201):
        assert accepted.json()["status"] == "received"
        assert accepted.json()["session"]["id"] == full["id"]

    registered = registrations(stack, BRANCH, full["id"])
    winners = {emails[n] for n, a in enumerate(answers) if a.status_code == 201}
    assert len(registered) == 10
    assert {r["email"] for r in registered} == winners
    staff_view = requests.get(f"{stack.api}/branches/{BRANCH}/info-sessions/{full['id']}",
                              headers=auth(stack, "coordinator", BRANCH), timeout=30).json()
    assert (staff_view["seats_taken"], staff_view["seats_left"]) == (10, 0)
    offered = public_sessions(stack)
    assert full["id"] not in offered  # no free seats: not offered any more
    assert offered[later["id"]]["seats_left"] == 10


def test_the_same_idempotency_key_five_times_at_once_registers_once(stack: Stack) -> None:
    session = create_session(stack, BRANCH, capacity=10, days=22)
    email = unique_email("retry")
    body = mentee_body(session["id"], email)

    answers = concurrently(5, lambda n: sign_up(stack, body, **{"Idempotency-Key": "double-click-0001"}))

    assert all(a.status_code < 500 for a in answers), [a.text[:200] for a in answers]
    created = [a for a in answers if a.status_code == 201]
    assert created, [a.text[:200] for a in answers]
    # A replay answers what the first got (seats_left is read at the time of each answer).
    assert all(without_seats_left(a.json()) == without_seats_left(created[0].json()) for a in created), \
        [a.text for a in created]
    # Whoever does not get the first answer is told the request is under way, never that seats ran out.
    assert all(a.json().get("code") != "session_full" for a in answers if a.status_code != 201)
    assert [r["email"] for r in registrations(stack, BRANCH, session["id"])] == [email]
    assert public_sessions(stack)[session["id"]]["seats_left"] == 9

    again = sign_up(stack, body, **{"Idempotency-Key": "double-click-0001"})  # a retry after the fact
    assert again.status_code == 201 and without_seats_left(again.json()) == without_seats_left(created[0].json())
    assert len(registrations(stack, BRANCH, session["id"])) == 1


def test_five_concurrent_signups_of_one_person_without_a_key_register_once(stack: Stack) -> None:
    session = create_session(stack, BRANCH, capacity=10, days=23)
    email = unique_email("twice")

    answers = concurrently(5, lambda n: sign_up(stack, mentee_body(session["id"], email, name=f"Amina {n}")))

    assert all(a.status_code < 500 for a in answers), [a.text[:200] for a in answers]
    assert Counter(a.status_code for a in answers)[201] >= 1
    registered = registrations(stack, BRANCH, session["id"])
    assert [r["email"] for r in registered] == [email]


ALLOWED = "https://www.duo-ghent.example"


@pytest.fixture(scope="module")
def allowed_origin(stack: Stack) -> str:
    answer = requests.patch(f"{stack.api}/branches/{BRANCH}", json={"config": {"allowed_origins": [ALLOWED]}},
                            headers=auth(stack, "branch_admin", BRANCH), timeout=30)
    assert answer.status_code == 200, answer.text
    return ALLOWED


def preflight(stack: Stack, path: str, origin: str) -> requests.Response:
    return requests.options(f"{stack.api}{path}", timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key",
    })


@pytest.mark.parametrize("path", [f"/branches/{BRANCH}/signups", f"/branches/{BRANCH}/public/sessions"])
def test_the_preflight_answers_an_allowed_origin(stack: Stack, allowed_origin: str, path: str) -> None:
    answer = preflight(stack, path, allowed_origin)

    assert answer.status_code in (200, 204), answer.text
    assert answer.headers.get("Access-Control-Allow-Origin") == allowed_origin
    methods = {m.strip().upper() for m in answer.headers.get("Access-Control-Allow-Methods", "").split(",")}
    assert ("POST" if path.endswith("signups") else "GET") in methods
    allowed_headers = {h.strip().lower() for h in answer.headers.get("Access-Control-Allow-Headers", "").split(",")}
    assert {"content-type", "idempotency-key"} <= allowed_headers
    assert "origin" in answer.headers.get("Vary", "").lower()


@pytest.mark.parametrize("origin", ["https://evil.example", "https://www.duo-ghent.example.evil.example",
                                    "http://www.duo-ghent.example", "null"])
def test_the_preflight_gives_no_cors_headers_to_another_origin(stack: Stack, allowed_origin: str, origin: str) -> None:
    answer = preflight(stack, f"/branches/{BRANCH}/signups", origin)

    assert answer.status_code < 500
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Methods" not in answer.headers


def test_an_origin_allowed_by_one_branch_is_not_allowed_by_another(stack: Stack, allowed_origin: str) -> None:
    answer = preflight(stack, "/branches/antwerp/signups", allowed_origin)

    assert answer.status_code < 500
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_a_signup_from_the_allowed_origin_carries_the_cors_headers(stack: Stack, allowed_origin: str) -> None:
    session = create_session(stack, BRANCH, capacity=10, days=24)

    answer = sign_up(stack, mentee_body(session["id"], unique_email("cors")), Origin=allowed_origin)

    assert answer.status_code == 201, answer.text
    assert answer.headers.get("Access-Control-Allow-Origin") == allowed_origin


def test_a_signup_from_another_origin_is_refused_and_stores_nothing(stack: Stack, allowed_origin: str) -> None:
    session = create_session(stack, BRANCH, capacity=10, days=25)

    answer = sign_up(stack, mentee_body(session["id"], unique_email("evil")), Origin="https://evil.example")

    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert registrations(stack, BRANCH, session["id"]) == []
