"""Parts of the local runner that need no running stack: the cron evaluator, the snapshot round trip,
the lock around moto's WSGI app, and the two repairs to moto's streams."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest

from local import scheduler, snapshot
from local.moto_server import MotoServer, SerialisedApp
from local.stream_feeder import StreamFeeder


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(15 2 * * ? *)", "2026-11-24 16:00", "2026-11-25 02:15"),
        ("cron(15 2 * * ? *)", "2026-11-25 02:14", "2026-11-25 02:15"),
        ("cron(15 2 * * ? *)", "2026-11-25 02:15", "2026-11-26 02:15"),
        ("cron(0/15 * * * ? *)", "2026-11-24 16:07", "2026-11-24 16:15"),
        ("cron(0 9 ? * MON-FRI *)", "2026-11-27 10:00", "2026-11-30 09:00"),  # Friday -> Monday
        ("cron(0 9 ? * 1 *)", "2026-11-24 10:00", "2026-11-29 09:00"),  # 1 = Sunday
        ("cron(0 0 1 JAN ? *)", "2026-11-24 10:00", "2027-01-01 00:00"),
        ("cron(0 0 29 2 ? *)", "2026-03-01 00:00", "2028-02-29 00:00"),
        ("rate(5 minutes)", "2026-11-24 16:00:30", "2026-11-24 16:05:30"),
        ("rate(1 day)", "2026-11-24 16:00", "2026-11-25 16:00"),
    ],
)
def test_next_run(expression: str, after: str, expected: str) -> None:
    assert scheduler.parse(expression).next_after(at(after)) == at(expected)


@pytest.mark.parametrize("expression", ["cron(0 0 L * ? *)", "cron(0 0 ? * 2#1 *)", "cron(61 * * * ? *)",
                                        "cron(* * *)", "rate(0 minutes)", "rate(5 weeks)", "every day"])
def test_what_the_local_scheduler_refuses(expression: str) -> None:
    with pytest.raises(ValueError):
        scheduler.parse(expression)


def test_the_apps_own_schedules_parse() -> None:
    from chalice.app import ScheduledEventConfig

    import app

    for source in app.app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            scheduler.parse(expression if isinstance(expression, str) else expression.to_string())


def test_a_snapshot_round_trip_keeps_every_item(aws, tmp_path) -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    items = [{"pk": {"S": f"T#x#{i}"}, "sk": {"S": "X"}, "n": {"N": str(i)}, "b": {"B": bytes([i])}}
             for i in range(60)]
    snapshot.put_all(client, "duo-test", items)
    path = tmp_path / "snapshot.json"

    assert snapshot.dump(client, "duo-test", path) == 60
    for item in items:
        client.delete_item(TableName="duo-test", Key={"pk": item["pk"], "sk": item["sk"]})
    assert snapshot.load(client, "duo-test", path) == 60
    by_n = lambda i: i["n"]["N"]  # noqa: E731
    assert sorted(snapshot.scan_all(client, "duo-test"), key=by_n) == sorted(items, key=by_n)


def test_the_lock_lets_one_request_at_a_time_into_moto() -> None:
    inside, most = 0, 0
    guard = threading.Lock()

    def slow_app(environ, start_response):
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01)
        with guard:
            inside -= 1
        start_response("200 OK", [])
        return [b"ok"]

    app = SerialisedApp(slow_app)
    callers = [threading.Thread(target=app, args=({}, lambda *a: None)) for _ in range(20)]
    for c in callers:
        c.start()
    for c in callers:
        c.join()

    assert most == 1


@pytest.fixture
def moto_table(monkeypatch) -> Iterator[tuple[MotoServer, object, object, str]]:
    for name in ("AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    server = MotoServer(port=0)
    server.start()
    ddb = boto3.client("dynamodb", endpoint_url=server.url, region_name="eu-west-1")
    streams = boto3.client("dynamodbstreams", endpoint_url=server.url, region_name="eu-west-1")
    name = f"t{id(server)}"
    ddb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    yield server, ddb, streams, name
    server.stop()


def test_the_stream_goes_on_after_a_cancelled_transaction(moto_table) -> None:
    _, ddb, streams, table = moto_table
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    seen: list[str] = []
    feeder = StreamFeeder(streams, arn, lambda event, _: seen.extend(
        r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]), lambda: None, region="eu-west-1", interval=60)
    feeder.start_at_latest()
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    taken = "attribute_not_exists(pk)"
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}}}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}}, "ConditionExpression": taken}},
        ])
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}})
    feeder.stop()

    assert seen == ["a", "c"]  # nothing of the cancelled transaction, and what came after it


def test_read_stream_records_are_forgotten(moto_table) -> None:
    server, ddb, streams, table = moto_table
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    last: list[int] = []
    feeder = StreamFeeder(streams, arn, lambda event, _: None, lambda: None, region="eu-west-1", interval=60,
                          on_consumed=last.append)
    feeder.start_at_latest()
    for key in "abc":
        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
    feeder.poll()

    assert server.forget_stream_records(table, last[-1], account="123456789012", region="eu-west-1") == 3
    ddb.put_item(TableName=table, Item={"pk": {"S": "d"}})
    assert feeder.poll() == 1
    feeder.stop()


def test_moto_keeps_no_copy_of_every_item_a_transaction_copied(moto_table) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    _, ddb, _, table = moto_table
    for key in range(20):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{key}"}})
    for n in range(10):  # each one deep-copies the table (moto's rollback)
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": f"t{n}"}}}}])
    assert ddb.scan(TableName=table, Select="COUNT")["Count"] == 30
    assert Item.instances_tracked == [], "moto would hold 20 x 10 copies for its dashboard"
