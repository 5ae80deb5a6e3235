"""The functions an operator or a schedule runs in AWS, called as Lambda calls them: the rebuild of the report
aggregates (issue 7, invoked by hand) and the daily retention sweep (issue 8)."""

from __future__ import annotations

import sys
import types
from datetime import UTC, datetime

import pytest
from pynamodb.expressions.operand import Path

import app as app_module
from chalicelib.store import keys
from chalicelib.store.models import AggregateItem
from local.scheduler import scheduled_event
from tests.integration.duo_helpers import make_duo, stage_duo
from tests.integration.test_stream_and_jobs import _stream_event

B = "antwerp"


def _corrupt(repos, branch: str) -> None:
    """What a lost or doubled stream delivery leaves: a wrong counter and a month that should not exist."""
    months = repos.aggregates.months(branch)
    with repos.scopes.tenant(branch):
        for month in months:
            AggregateItem(*keys.aggregate_key(branch, month)).update(actions=[Path(["n:started"]).set(999)])
        AggregateItem(*keys.aggregate_key(branch, "1999-01"), month="1999-01").save()
        AggregateItem(*keys.aggregate_key(branch, "1999-01")).update(actions=[Path(["n:paired"]).set(7)])


def test_the_rebuild_function_repairs_corrupted_aggregates(client, seeded):
    stage_duo(B, make_duo(client, B), "active")
    stage_duo("ghent", make_duo(client, "ghent"), "first_meeting")
    assert app_module.on_table_change(_stream_event(), None) == {"batchItemFailures": []}
    maintained = {b: seeded.aggregates.months(b) for b in (B, "ghent")}
    assert maintained[B] and maintained["ghent"]

    _corrupt(seeded, B)
    assert seeded.aggregates.months(B) != maintained[B]
    answer = app_module.rebuild_reports({"branch": B}, None)
    assert set(answer) == {"rebuilt"} and set(answer["rebuilt"]) == {B} and answer["rebuilt"][B] > 0
    assert seeded.aggregates.months(B) == maintained[B]

    _corrupt(seeded, B)
    _corrupt(seeded, "ghent")
    everything = app_module.rebuild_reports({}, None)["rebuilt"]
    assert {B, "ghent", "lille", "rotterdam"} <= set(everything)
    assert {b: seeded.aggregates.months(b) for b in (B, "ghent")} == maintained


@pytest.mark.parametrize("event, code", [
    ({"branch": "atlantis"}, "branch_not_found"),
    ({"branch": "Antwerp"}, "bad_branch"),
    ({"branch": "T#antwerp#AGG"}, "bad_branch"),
    ({"branch": ""}, "bad_branch"),
    ({"branch": 3}, "bad_branch"),
    ({"branch": ["antwerp"]}, "bad_branch"),
    ({"branch": "antwerp", "months": "all"}, "bad_event"),
    ("antwerp", "bad_event"),
    ([], "bad_event"),
    (None, "bad_event"),
])
def test_the_rebuild_function_answers_a_bad_event_with_an_error_and_changes_nothing(seeded, event, code):
    _corrupt(seeded, B)
    corrupted = seeded.aggregates.months(B)
    answer = app_module.rebuild_reports(event, None)
    assert set(answer) == {"error", "message"} and answer["error"] == code
    assert "Traceback" not in answer["message"]
    if code != "branch_not_found":
        assert '{"branch": "<branch id>"}' in answer["message"], "it says what to send"
    assert seeded.aggregates.months(B) == corrupted


def test_the_daily_sweep_runs_the_retention_sweep_over_every_branch(seeded, monkeypatch):
    import chalicelib.services as services_package

    calls = []
    fake = types.SimpleNamespace(sweep=lambda repos, *args, **kwargs: calls.append((repos, args, kwargs)) or {})
    monkeypatch.setitem(sys.modules, "chalicelib.services.retention", fake)
    monkeypatch.setattr(services_package, "retention", fake, raising=False)
    at = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    app_module.sweep_retention(scheduled_event("sweep_retention", "eu-west-1", "123456789012", at), None)
    assert len(calls) == 1
    repos, args, kwargs = calls[0]
    assert repos is seeded and args == () and kwargs == {}, "every branch, now"
