"""Reports through the API: the table's stream keeps each branch's aggregates (a repeated or late delivery
counts once), a rebuild from the events gives the same, the branch's figures and the network report read
them, the network report's shares match a known ground truth per branch, per country and in total, small
counts are hidden, and only the right people see each report."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app as app_module
from chalicelib.domain.events import Event
from chalicelib.services import reports
from chalicelib.services import repos as repos_module
from chalicelib.store.events import event_item
from chalicelib.store.models import EventItem
from tests.conftest import bearer
from tests.integration.duo_helpers import make_duo, stage_duo
from tests.integration.test_stream_and_jobs import _stream_event

B = "antwerp"


def get(client, path: str, role: str = "coordinator", branch: str | None = B):
    return client.http.get(path, headers=bearer(role, branch))


def test_the_stream_keeps_the_figures_and_a_repeated_delivery_counts_once(client, seeded):
    duo_id = make_duo(client, B)
    stage_duo(B, duo_id, "active")
    batch = _stream_event()
    assert app_module.on_table_change(batch, None) == {"batchItemFailures": []}
    year = str(date.today().year)
    first = get(client, f"/branches/{B}/reports?period={year}").json_body
    funnel = {step["name"]: step["total"] for step in first["figures"]["funnel"]}
    assert funnel["registered"] >= 2 and funnel["paired"] == 1 and funnel["started"] == 1
    assert first["active_now"] == 1
    shuffled = list(batch["Records"])
    random.Random(7).shuffle(shuffled)
    assert app_module.on_table_change({"Records": shuffled}, None) == {"batchItemFailures": []}
    again = get(client, f"/branches/{B}/reports?period={year}").json_body
    assert again["figures"] == first["figures"] and again["months"] == first["months"]
    maintained = seeded.aggregates.months(B)
    reports.rebuild(seeded, B)
    assert seeded.aggregates.months(B) == maintained


KINDS = [
    ("candidate", "candidate.signed_up", {"to": "registered", "role": "mentee", "heard_from": "website"}),
    ("candidate", "candidate.signed_up", {"to": "registered", "role": "mentor", "heard_from": "mentor"}),
    ("candidate", "candidate.attended", {"role": "mentee", "from": "registered", "to": "attended"}),
    ("candidate", "intake.recorded", {"role": "mentor", "decision": "ready", "from": "intake_scheduled",
                                      "to": "training"}),
    ("duo", "duo.paired", {"to": "first_meeting"}),
    ("duo", "duo.answered", {"side": "mentee", "to": "declined"}),
    ("duo", "duo.agreement_signed", {"to": "active", "started_on": "2026-01-31"}),
    ("duo", "duo.closed", {"to": "closed", "kind": "stopped", "started_on": "2025-12-31"}),
    ("duo", "duo.outcome_recorded", {"situation": "job", "started_on": "2025-06-01"}),
    ("duo", "duo.service_recorded", {"code": "cv_review", "on": "2026-02-02"}),
    ("duo", "duo.goal_added", {}),
]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.tuples(st.integers(0, len(KINDS) - 1), st.integers(0, 900)), min_size=1, max_size=25),
       seed=st.integers(0, 10_000))
def test_rebuilt_aggregates_equal_the_maintained_ones_whatever_the_order_and_repeats(seeded, picks, seed):
    branch = "liege"
    repos = repos_module.get()
    events = []
    for n, (kind, hours) in enumerate(picks):
        subject_kind, name, data = KINDS[kind]
        at = (date(2025, 11, 1) + timedelta(hours=hours * 20)).isoformat() + "T23:30:00Z"
        events.append(Event(name, subject_kind, f"s{seed}-{n}", "staff-test", at, (), dict(data)))
    with repos.scopes.tenant(branch), EventItem.batch_write() as batch:
        for event in events:
            batch.save(event_item(branch, event))
    deliveries = events + random.Random(seed).sample(events, k=len(events) // 2)  # some delivered twice
    random.Random(seed + 1).shuffle(deliveries)
    for event in deliveries:
        reports.apply_event(repos, branch, event)
    maintained = repos.aggregates.months(branch)
    reports.rebuild(repos, branch)
    assert repos.aggregates.months(branch) == maintained
    with repos.scopes.tenant(branch), EventItem.batch_write() as batch:  # the next example starts afresh
        for event in events:
            batch.delete(event_item(branch, event))
    reports.rebuild(repos, branch)


# The ground truth: 1,000 duos started in 2025 across the six branches, 12 months later 55 % with a job,
# 19 % in training or an internship (11 + 8), 26 % still searching.
SHARES = {"job": 55, "training": 11, "internship": 8, "searching": 26}
DUOS = {"brussels": 300, "liege": 100, "antwerp": 200, "ghent": 100, "lille": 200, "rotterdam": 100}


def _network_ground_truth(repos) -> None:
    for branch, count in DUOS.items():
        events = []
        for n in range(count):
            situation = next(s for s, upto in zip(SHARES, (55, 66, 74, 100), strict=True) if n % 100 < upto)
            started = date(2025, 1 + n % 12, 15).isoformat()
            events.append(Event("duo.agreement_signed", "duo", f"{branch}-{n}", "staff-test",
                                f"{started}T10:00:00Z", (), {"to": "active", "started_on": started}))
            events.append(Event("duo.outcome_recorded", "duo", f"{branch}-{n}", "staff-test",
                                "2026-06-01T10:00:00Z", (), {"situation": situation, "started_on": started}))
        with repos.scopes.tenant(branch), EventItem.batch_write() as batch:
            for event in events:
                batch.save(event_item(branch, event))
    reports.rebuild(repos)


def test_the_network_report_shows_the_ground_truth_per_branch_country_and_in_total(client, seeded):
    _network_ground_truth(seeded)
    answer = get(client, "/reports/network?period=2025", role="head_office", branch=None)
    assert answer.status_code == 200, answer.body
    rows = {row["id"]: row for row in answer.json_body["rows"]}
    for row_id, started in (*DUOS.items(), ("BE", 700), ("FR", 200), ("NL", 100), ("TOTAL", 1000)):
        values = rows[row_id]["values"]
        assert values["started"] == started, row_id
        assert values["outcome.job_share"] == 0.55 and values["outcome.training_or_internship_share"] == 0.19
        assert values["outcome.searching_share"] == 0.26
    assert [r["kind"] for r in answer.json_body["rows"]][-1] == "total"
    table = list(csv.reader(io.StringIO(get(client, "/reports/network?period=2025&format=csv", role="head_office",
                                            branch=None).body.decode())))
    assert table[0][:4] == ["kind", "id", "name", "country"] and table[-1][1] == "TOTAL"


def test_small_counts_are_hidden_in_the_network_report_and_a_new_branch_shows_zeros(client, seeded):
    repos = repos_module.get()
    duo_id = make_duo(client, B)
    stage_duo(B, duo_id, "active")
    reports.rebuild(repos)
    year = str(date.today().year)
    rows = {r["id"]: r["values"] for r in get(client, f"/reports/network?period={year}", role="head_office",
                                              branch=None).json_body["rows"]}
    assert rows[B]["started"] == "<5" and rows[B]["paired"] == "<5"
    hidden_be = [b for b in ("brussels", "liege", "antwerp", "ghent") if rows[b]["started"] == "<5"]
    assert rows["BE"]["started"] == "<5" or len(hidden_be) != 1  # never one hidden cell beside a visible total
    assert rows["lille"]["started"] == 0
    fresh = get(client, f"/branches/ghent/reports?period={year}", branch="ghent").json_body
    assert fresh["active_now"] == 0 and all(step["total"] == 0 for step in fresh["figures"]["funnel"])


def test_who_sees_which_report(client, seeded):
    assert get(client, f"/branches/{B}/reports", branch="ghent").status_code == 403
    assert get(client, f"/branches/{B}/reports", role="head_office", branch=None).status_code == 403
    assert get(client, "/reports/network").status_code == 403
    assert get(client, "/reports/network", role="branch_admin").status_code == 403
    assert get(client, f"/branches/{B}/reports?period=2026-Q5").status_code == 400
    bad = get(client, f"/branches/{B}/reports?period=someday").json_body
    assert "period" in bad["fields"]
    csv_answer = get(client, f"/branches/{B}/reports?period=2026&format=csv")
    assert csv_answer.status_code == 200 and csv_answer.headers["Content-Type"].startswith("text/csv")
    assert json.loads(get(client, f"/branches/{B}/reports").body)["period"]["kind"] == "year"
