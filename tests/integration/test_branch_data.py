"""The tested restore procedure of the README: a branch exported, its items gone, imported again, equals
what it was, item for item, and its report shows the same figures (issue 8)."""

from __future__ import annotations

import json
from datetime import date

import boto3
import pytest

import app as app_module
from chalicelib.services import reports
from chalicelib.store import keys
from local import branch_data
from tests.integration.duo_helpers import goal_of, make_duo, stage_duo
from tests.integration.test_stream_and_jobs import _stream_event

B = "ghent"
TABLE = "duo-test"


def _db():
    return boto3.client("dynamodb", region_name="eu-west-1")


def _feed_new_records(seen: set[str]) -> int:
    """Deliver the stream records not delivered yet to the stream handler, as Lambda would."""
    batch = _stream_event()
    new = [r for r in batch["Records"] if r["dynamodb"]["SequenceNumber"] not in seen]
    seen |= {r["dynamodb"]["SequenceNumber"] for r in new}
    if new:
        assert app_module.on_table_change({"Records": new}, None) == {"batchItemFailures": []}
    return len(new)


def _staff_count(repos) -> int:
    return next(row["staff_count"] for row in repos.branches.list(100, None)[0] if row["id"] == B)


def _figures(repos) -> tuple:
    year = str(date.today().year)
    report = reports.branch_report(repos, B, year)
    return report.figures, report.months, report.active_now


@pytest.fixture
def branch_with_history(client, seeded):
    """Ghent with staff, people, sessions, duos in several states, goals and events, its aggregates
    maintained by the stream."""
    for state in ("first_meeting", "active", "closed"):
        duo_id = make_duo(client, B)
        stage_duo(B, duo_id, state)
    goal_of(B, make_duo(client, B))
    seen: set[str] = set()
    _feed_new_records(seen)
    return seen


def test_an_exported_branch_deleted_and_imported_is_the_same_item_for_item(seeded, branch_with_history, tmp_path):
    seen = branch_with_history
    before = branch_data.export(_db(), TABLE, B)
    kinds = {keys.item_kind(i["pk"]["S"], i["sk"]["S"]) for i in before}
    assert {"staff", "branch", "event"} <= kinds
    assert any(i["pk"]["S"].startswith(f"T#{B}#CAND#") for i in before)
    assert any(i["pk"]["S"].startswith(f"T#{B}#DUO#") for i in before)
    assert not any(branch_data.is_derived(i, B) for i in before), "aggregates and markers are rebuilt, not saved"
    assert seeded.aggregates.months(B), "the branch has figures to keep"
    other = branch_data.export(_db(), TABLE, "antwerp")
    figures = _figures(seeded)
    staff_count = _staff_count(seeded)

    path = tmp_path / "ghent.jsonl"
    branch_data.write_file(path, B, TABLE, before)
    assert oct(path.stat().st_mode & 0o777) == "0o600", "the file holds personal data"
    branch_data.delete_items(_db(), TABLE, B)
    assert branch_data.export(_db(), TABLE, B) == [] and seeded.aggregates.months(B) == {}

    branch, items = branch_data.read_file(path)
    summary = branch_data.import_(_db(), TABLE, branch, items, repos=seeded)
    assert summary["items"] == len(before) and summary["events"] == summary["rebuilt_from"] > 0

    after = branch_data.export(_db(), TABLE, B)
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert old == new
    assert _figures(seeded) == figures
    assert branch_data.export(_db(), TABLE, "antwerp") == other, "another branch is untouched"

    # The stream now delivers the imported items' INSERTs: the events were marked counted before they were
    # written, so the figures do not double.
    assert _feed_new_records(seen) >= len(before)
    assert _figures(seeded) == figures
    assert _staff_count(seeded) == staff_count == 2, "the staff removed and imported again count once"


def test_an_import_refuses_to_overwrite_a_branch_unless_told_to_replace_it(seeded, branch_with_history, tmp_path):
    exported = branch_data.export(_db(), TABLE, B)
    figures = _figures(seeded)
    with pytest.raises(branch_data.ImportRefused, match="holds items"):
        branch_data.import_(_db(), TABLE, B, exported, repos=seeded)
    # Meanwhile someone changed the branch: a replace brings back exactly the exported state.
    extra = {"pk": {"S": f"T#{B}#CAND#late"}, "sk": {"S": "CANDIDATE"}, "name": {"S": "Late Comer"}}
    _db().put_item(TableName=TABLE, Item=extra)
    summary = branch_data.import_(_db(), TABLE, B, exported, replace=True, repos=seeded)
    assert summary["deleted"] > len(exported)  # the items, the late one, the aggregates and the markers
    assert branch_data.export(_db(), TABLE, B) == exported
    assert _figures(seeded) == figures


def test_an_import_refuses_items_of_another_branch_derived_items_and_truncated_files(seeded, tmp_path):
    antwerp = branch_data.export(_db(), TABLE, "antwerp")
    with pytest.raises(branch_data.ImportRefused, match="not ghent's"):
        branch_data.import_(_db(), TABLE, B, antwerp, replace=True)
    aggregate = {"pk": {"S": keys.aggregate_list_key(B)}, "sk": {"S": "MONTH#2026-01"}, "n:started": {"N": "3"}}
    with pytest.raises(branch_data.ImportRefused, match="derived"):
        branch_data.import_(_db(), TABLE, B, [aggregate], replace=True)
    marker = keys.applied_key(B, "e-1")
    assert branch_data.is_derived({"pk": {"S": marker[0]}, "sk": {"S": marker[1]}}, B)
    with pytest.raises(branch_data.ImportRefused, match="not registered"):
        branch_data.import_(_db(), TABLE, "atlantis", [])
    assert branch_data.export(_db(), TABLE, "antwerp") == antwerp, "nothing was written"

    path = tmp_path / "antwerp.jsonl"
    branch_data.write_file(path, "antwerp", TABLE, antwerp)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["items"] == len(antwerp) == len(lines) - 1
    path.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(branch_data.ImportRefused, match="truncated"):
        branch_data.read_file(path)


def test_binary_values_survive_the_file(tmp_path):
    item = {"pk": {"S": f"T#{B}#X"}, "sk": {"S": "Y"}, "blob": {"B": b"\x00\xff"}, "set": {"BS": [b"a", b"b"]},
            "n": {"N": "1.50"}, "m": {"M": {"l": {"L": [{"S": "é"}, {"NULL": True}]}}}}
    path = tmp_path / "x.jsonl"
    branch_data.write_file(path, B, TABLE, [item])
    assert branch_data.read_file(path) == (B, [item])
