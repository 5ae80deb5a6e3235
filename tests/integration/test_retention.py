"""Retention (issue 8): with the clock fixed, the sweep erases the people whose time is over by their branch's
setting (a candidate counted from their last activity, a duo's people from its outcome, or from its end plus
12 months without one), keeps those within it and both people of a running duo however old, touches only the
branch asked (or every branch), and the figures, maintained and rebuilt, stay the same."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.duos import MENTEE_EVALUATION, MENTOR_EVALUATION
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.roles import Principal, Role
from chalicelib.services import clock, people, reports, retention
from chalicelib.services import duos as duo_service
from chalicelib.services import repos as repos_module
from local.seed import demo_subject
from tests.conftest import bearer
from tests.integration.duo_helpers import ready_candidate
from tests.integration.signup_helpers import mentee_body, plan_session, sign_up
from tests.integration.test_erasure import deliver_stream

B, OTHER = "antwerp", "ghent"
T0 = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
ACTOR = demo_subject("coordinator", B)
COORDINATOR = Principal(Role.COORDINATOR, ACTOR, B, ACTOR)


def _signed_up(client, branch: str, session_id: str) -> str:
    body = mentee_body(session_id)
    assert sign_up(client, branch, body).status_code == 201
    rows, _ = repos_module.get().candidates.list(branch, role="mentee", status=None, limit=100, cursor=None)
    return next(c.id for c in rows if c.email == body["email"])


def _duo(client, frozen_clock, session_id: str, *, close: bool, outcome: bool) -> tuple[str, str]:
    """A mentee and a mentor paired at T0 and started; closed a month later (with the outcome a month after
    that) when asked. Leaves the clock at T0."""
    repos = repos_module.get()
    mentee, mentor = (ready_candidate(client, B, role, session_id) for role in ("mentee", "mentor"))
    d = duo_service.pair(repos, B, mentee, mentor, T0 - timedelta(hours=1), ACTOR)
    for side in ("mentee", "mentor"):
        d = duo_service.answer(repos, B, d.id, side, "yes", d.version, "candidate")
    d = duo_service.record_agreement(repos, B, d.id, T0.date(), True, True, True, d.version, ACTOR)
    if close:
        frozen_clock.set(T0 + timedelta(days=31))
        d = duo_service.close(repos, B, d.id, clock.today(), "completed", None, d.version, ACTOR)
        for side, items in (("mentee", MENTEE_EVALUATION), ("mentor", MENTOR_EVALUATION)):
            d = duo_service.submit_evaluation(repos, B, d.id, side, dict.fromkeys(items, True), d.version, "candidate")
        if outcome:
            frozen_clock.set(T0 + timedelta(days=60))
            duo_service.record_outcome(repos, B, d.id, "job", d.version, ACTOR)
    frozen_clock.set(T0)
    return mentee, mentor


def _exists(repos, branch: str, candidate_id: str) -> bool:
    try:
        repos.candidates.get(branch, candidate_id)
        return True
    except NotFoundError:
        return False


def _figures(repos) -> dict[str, dict[str, dict[str, int]]]:
    return {b: {m: {k: v for k, v in c.items() if v} for m, c in repos.aggregates.months(b).items()}
            for b in (B, OTHER)}


def test_the_sweep_erases_whom_the_branch_no_longer_keeps(client, seeded, frozen_clock):
    frozen_clock.set(T0)
    answer = client.http.patch(f"/branches/{B}", headers=bearer("head_office"), body=json.dumps(
        {"config": {"retention": {"candidate_months": 12, "after_outcome_months": 12}}}))
    assert answer.status_code == 200, answer.body  # the other branch keeps the default: 24 months
    session = plan_session(client, B, starts_at="2024-01-25T18:30")["id"]
    elsewhere = plan_session(client, OTHER, starts_at="2024-01-25T18:30")["id"]
    old = _signed_up(client, B, session)  # nothing since: expires 2025-01-15
    recent = _signed_up(client, B, session)  # came to the session in September: expires 2025-09-15
    other_branch = _signed_up(client, OTHER, elsewhere)  # 24 months there: expires 2026-01-15
    done = _duo(client, frozen_clock, session, close=True, outcome=True)  # outcome 2024-03-15: 2025-03-15
    no_outcome = _duo(client, frozen_clock, session, close=True, outcome=False)  # ended 2024-02-15: 2026-02-15
    running = _duo(client, frozen_clock, session, close=False, outcome=False)  # active since T0: never
    frozen_clock.set(datetime(2024, 9, 15, 10, 0, tzinfo=UTC))
    c = seeded.candidates.get(B, recent)
    people.mark_attendance(seeded, COORDINATOR, B, recent, attended=True, version=c.version)
    deliver_stream()
    reports.rebuild(seeded)
    before = _figures(seeded)
    assert before[B] and before[OTHER]

    first = datetime(2025, 4, 1, 3, 0, tzinfo=UTC)
    frozen_clock.set(first)
    assert retention.sweep(seeded, B, now=first) == {B: 3}
    gone = {old, *done}
    kept = {recent, *no_outcome, *running}
    assert {p for p in gone | kept if not _exists(seeded, B, p)} == gone
    assert _exists(seeded, OTHER, other_branch)
    assert retention.sweep(seeded, B, now=first) == {B: 0}  # nothing more, the second time

    second = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    frozen_clock.set(second)
    assert retention.sweep(seeded, B, now=second) == {B: 3}
    assert {p for p in gone | kept if _exists(seeded, B, p)} == set(running)
    assert _exists(seeded, OTHER, other_branch)  # only the branch asked
    swept = retention.sweep(seeded, now=second)  # every branch
    assert swept[OTHER] == 1 and swept[B] == 0 and sum(swept.values()) == 1
    assert not _exists(seeded, OTHER, other_branch)
    assert seeded.duos.get(B, seeded.candidates.get(B, running[0]).duo_id).status.value == "active"

    deliver_stream()
    assert _figures(seeded) == before  # maintained
    reports.rebuild(seeded)
    assert _figures(seeded) == before  # rebuilt


@pytest.mark.parametrize(("months", "kept"), [(24, True), (6, False)])
def test_the_branchs_own_period_decides(client, seeded, frozen_clock, months, kept):
    frozen_clock.set(T0)
    answer = client.http.patch(f"/branches/{B}", headers=bearer("head_office"), body=json.dumps(
        {"config": {"retention": {"candidate_months": months}}}))
    assert answer.status_code == 200, answer.body
    person = _signed_up(client, B, plan_session(client, B, starts_at="2024-01-25T18:30")["id"])
    later = T0 + timedelta(days=365)
    assert retention.sweep(seeded, B, now=later) == {B: 0 if kept else 1}
    assert _exists(seeded, B, person) is kept
