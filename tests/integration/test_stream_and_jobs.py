"""The table's stream keeps derived figures up to date; the nightly job rebuilds them."""

from __future__ import annotations

import boto3
from botocore.config import Config

import app as app_module
from chalicelib.domain.roles import Role
from chalicelib.services import jobs, staff


def _stream_event(after_sequence: str | None = None) -> dict:
    """The table's stream records (moto's), shaped as Lambda receives them."""
    dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
    # botocore sends stream calls to account endpoints, which moto's in-process mock does not route.
    streams = boto3.client("dynamodbstreams", region_name="eu-west-1",
                           config=Config(account_id_endpoint_mode="disabled"))
    arn = dynamodb.describe_table(TableName="duo-test")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    return {"Records": [{**r, "eventSourceARN": arn} for r in records]}


def _counts(repos) -> dict[str, int]:
    return {row["id"]: row["staff_count"] for row in repos.branches.list(100, None)[0]}


def test_stream_maintains_staff_counts_and_reconcile_agrees(seeded):
    staff.invite_staff(seeded, "lille", email="new@lille.example", role=Role.COORDINATOR)
    result = app_module.on_table_change(_stream_event(), None)
    assert result == {"batchItemFailures": []}
    maintained = _counts(seeded)
    assert maintained["lille"] == 3 and maintained["antwerp"] == 2
    # Rebuilding from the source items finds nothing to fix.
    assert jobs.reconcile_staff_counts(seeded) == 0
    assert _counts(seeded) == maintained


def test_reconcile_repairs_a_drifted_count(seeded):
    seeded.branches.set_staff_count("ghent", 40)
    assert jobs.reconcile_staff_counts(seeded) == 6  # seeding bypasses the stream here
    assert _counts(seeded)["ghent"] == 2


def test_failed_records_are_reported_one_by_one(seeded, monkeypatch):
    staff.invite_staff(seeded, "lille", email="new@lille.example", role=Role.COORDINATOR)
    event = _stream_event()
    real = seeded.branches.add_staff_count

    def flaky(branch, delta):
        if branch == "lille":
            raise RuntimeError("throttled")
        real(branch, delta)

    monkeypatch.setattr(seeded.branches, "add_staff_count", flaky)
    result = app_module.on_table_change(event, None)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    lille_staff = {r["dynamodb"]["SequenceNumber"] for r in event["Records"]
                   if r["dynamodb"]["Keys"]["pk"]["S"].startswith("T#lille#STAFF#")}
    assert failed == lille_staff and len(lille_staff) == 3
    assert _counts(seeded)["ghent"] == 2  # the other records were applied
