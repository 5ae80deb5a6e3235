"""`make run` for real: moto's server, chalice local, the stream feeder and the snapshot, over HTTP."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from local.run import TABLE
from tests.e2e.conftest import REPO, Stack, clean_env

pytestmark = pytest.mark.e2e

SEEDED = {"brussels", "liege", "antwerp", "ghent", "lille", "rotterdam"}


def onboard(stack: Stack, body: dict) -> requests.Response:
    return requests.post(f"{stack.api}/branches", json=body, headers=stack.headers("head_office"), timeout=10)


def registry_row(stack: Stack, branch: str) -> dict | None:
    rows = stack.get("/branches?limit=100", "head_office").json()["items"]
    return next((r for r in rows if r["id"] == branch), None)


def wait_for_staff_count(stack: Stack, branch: str, expected: int, seconds: float = 10.0) -> dict | None:
    deadline = time.monotonic() + seconds
    row = registry_row(stack, branch)
    while time.monotonic() < deadline and (row is None or row["staff_count"] != expected):
        time.sleep(0.25)
        row = registry_row(stack, branch)
    return row


def test_head_office_lists_the_six_seeded_branches_with_their_staff_counted(stack: Stack) -> None:
    answer = stack.get("/branches?limit=100", "head_office")

    assert answer.status_code == 200
    rows = {row["id"]: row for row in answer.json()["items"] if row["id"] in SEEDED}
    assert set(rows) == SEEDED
    # The seed writes no counts; the runner's recount at start (the nightly job) sets them.
    assert {row["staff_count"] for row in rows.values()} == {2}


def test_a_seeded_coordinator_reads_their_own_branch_only(stack: Stack) -> None:
    assert stack.get("/branches/antwerp", "coordinator", "antwerp").status_code == 200
    assert stack.get("/branches/ghent", "coordinator", "antwerp").status_code == 403


def test_the_stream_counts_the_admin_invited_with_an_onboarded_branch(stack: Stack) -> None:
    # A cancelled transaction first: moto's rollback used to leave the stream feeder reading nothing.
    assert onboard(stack, {"id": "ghent", "name": "Ghent", "country": "BE", "time_zone": "Europe/Brussels",
                           "languages": ["nl"]}).status_code == 409
    answer = onboard(stack, {
        "id": "aalst", "name": "Aalst", "country": "BE", "time_zone": "Europe/Brussels", "languages": ["nl"],
        "admin_email": "admin@aalst.example",
    })
    assert answer.status_code == 201, answer.text

    row = wait_for_staff_count(stack, "aalst", 1)

    assert row is not None and row["staff_count"] == 1


def test_data_survives_a_restart(stack: Stack) -> None:
    body = {"id": "marseille", "name": "Marseille", "country": "FR", "time_zone": "Europe/Paris",
            "languages": ["fr"], "admin_email": "admin@marseille.example"}
    assert onboard(stack, body).status_code == 201
    token_before = stack.token("head_office")

    stack.restart()

    again = requests.get(f"{stack.api}/branches/marseille", headers={"Authorization": f"Bearer {token_before}"},
                         timeout=10)
    assert again.status_code == 200, again.text
    assert again.json()["name"] == "Marseille"
    row = wait_for_staff_count(stack, "marseille", 1)  # counted once, not again for the restored items
    assert row is not None and row["staff_count"] == 1
    assert onboard(stack, body).status_code == 409


def batch(dynamodb: Any, requests: list[dict]) -> None:
    for i in range(0, len(requests), 25):
        dynamodb.batch_write_item(RequestItems={TABLE: requests[i : i + 25]})


@pytest.mark.parametrize("round_", range(3))
def test_fifty_concurrent_transactions_for_ten_seats_give_exactly_ten(stack: Stack, round_: int) -> None:
    dynamodb = stack.aws("dynamodb")
    # Moto copies the whole table in each transaction: some bulk makes a race without the lock likely.
    filler = [{"pk": {"S": f"T#test#FILL#{n}"}, "sk": {"S": "FILL"}} for n in range(300)]
    batch(dynamodb, [{"PutRequest": {"Item": {**k, "pad": {"S": "x" * 200}}}} for k in filler])
    key = {"pk": {"S": "T#test#SEATS"}, "sk": {"S": "SEATS"}}
    dynamodb.put_item(TableName=TABLE, Item={**key, "taken": {"N": "0"}})
    start, won, refused = threading.Barrier(50), [], []

    def claim(n: int) -> None:
        start.wait()
        try:
            dynamodb.transact_write_items(TransactItems=[
                {"Update": {"TableName": TABLE, "Key": key, "UpdateExpression": "SET taken = taken + :one",
                            "ConditionExpression": "taken < :seats",
                            "ExpressionAttributeValues": {":one": {"N": "1"}, ":seats": {"N": "10"}}}},
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"T#test#CLAIM#{n}"}, "sk": {"S": "CLAIM"}}}},
            ])
            won.append(n)
        except ClientError as error:
            refused.append(error.response["Error"]["Code"])

    try:
        workers = [threading.Thread(target=claim, args=(n,)) for n in range(50)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)

        assert len(won) == 10
        assert refused == ["TransactionCanceledException"] * 40
        assert dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]["taken"] == {"N": "10"}
    finally:
        claims = [{"pk": {"S": f"T#test#CLAIM#{n}"}, "sk": {"S": "CLAIM"}} for n in won]
        batch(dynamodb, [{"DeleteRequest": {"Key": k}} for k in [key, *filler, *claims]])


@pytest.mark.parametrize("args", [[], ["mayor"], ["head_office", "antwerp"], ["coordinator"],
                                  ["coordinator", "Not A Slug"]])
def test_the_token_cli_refuses_what_it_cannot_sign(stack: Stack, args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "local.token_cli", *args], cwd=REPO, env=stack.env(),
                          capture_output=True, text=True)

    assert (done.returncode, done.stdout) == (2, "")
    assert "usage: make -s token" in done.stderr


def test_the_token_cli_asks_for_make_run_first(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "local.token_cli", "head_office"], cwd=REPO,
                          env=clean_env(DUO_STATE_DIR=str(tmp_path)), capture_output=True, text=True)

    assert (done.returncode, done.stdout) == (2, "")
    assert "make run" in done.stderr
