"""Faults on every write path: DynamoDB throttling, transaction conflicts and transient errors.

Faults are injected in front of moto, on botocore's ``before-send`` event (the hook moto itself answers
requests from): an armed fault answers a write (PutItem, UpdateItem, DeleteItem, TransactWriteItems,
BatchWriteItem) as DynamoDB would, without moto seeing it, so botocore's own retries (PynamoDB's legacy
mode: 4 attempts) act on it exactly as in AWS. ``TransactionConflict`` - which moto never raises - is a
``TransactionCanceledException`` whose reasons say another transaction held one of the items.

What holds: the caller gets a success (botocore absorbed the fault), a 503 with ``Retry-After`` or a 409
for a conflict, with a JSON error body (a page on console and form routes), never a 500; and the table
holds the whole operation or none of it. Write routes come from the route registry, with the example
requests of ``test_isolation.py``, so a new write route is covered without editing this file.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import types

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

import app as app_module
from chalicelib.api.route_table import load_all
from chalicelib.domain.errors import ConflictError
from tests.conftest import bearer
from tests.integration import test_isolation as iso

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
_TYPE = "com.amazonaws.dynamodb.v20120810#"
WRITE_ROUTES = [s for s in load_all() if s.method in ("POST", "PATCH", "PUT", "DELETE") and "branch" in s.path_params]


def _error(status: int, code: str, message: str, **extra) -> tuple[int, dict]:
    return status, {"__type": _TYPE + code, "message": message, **extra}


FAULTS = {
    "throttle": lambda op: _error(400, "ProvisionedThroughputExceededException", "Rate of requests exceeds"),
    "throttling": lambda op: _error(400, "ThrottlingException", "Rate exceeded"),
    "internal": lambda op: _error(500, "InternalServerError", "Internal server error"),
    "connection": None,  # the connection drops (raised, as urllib3 would)
    # Only a transaction can meet another one; single writes see a throttle instead.
    "conflict": lambda op: (_error(400, "TransactionCanceledException", "cancelled [None, TransactionConflict]",
                                   CancellationReasons=[{"Code": "None"},
                                                        {"Code": "TransactionConflict", "Message": "ongoing"}])
                            if op == "TransactWriteItems" else FAULTS["throttle"](op)),
}


class Faults:
    """The fault plan: which write (counted from arming) fails, how, and how many times in a row."""

    def __init__(self) -> None:
        self.kind: str | None = None
        self.at = 0  # the index of the first write that fails
        self.times = 0  # attempts that fail from there on (botocore makes 4 per call)
        self.writes: list[str] = []  # every write attempt since arming
        self.failed = 0
        self.match = None

    def arm(self, kind: str | None, at: int = 0, times: int = 1000, match=None) -> None:
        """``match(op, body)``: only the writes it accepts count and fail (None: every write)."""
        self.kind, self.at, self.times, self.writes, self.failed, self.match = kind, at, times, [], 0, match

    def answer(self, event_name: str, request) -> AWSResponse | None:
        op = event_name.rsplit(".", 1)[-1]
        if ".dynamodb." not in event_name or op not in WRITES:
            return None
        if self.match is not None and not self.match(op, bytes(request.body or b"").decode()):
            return None
        self.writes.append(op)
        if self.kind is None or len(self.writes) - 1 < self.at or self.failed >= self.times:
            return None
        self.failed += 1
        if self.kind == "connection":
            raise EndpointConnectionError(endpoint_url=request.url)
        status, body = FAULTS[self.kind](op)
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
        return AWSResponse(request.url, status, headers, MockRawResponse(json.dumps(body)))

    @property
    def calls(self) -> int:
        """Write calls that reached the table (an attempt after an injected failure is the same call)."""
        return len(self.writes) - self.failed


@pytest.fixture
def faults(monkeypatch):
    plan = Faults()
    moto_call = BotocoreStubber.__call__

    def in_front_of_moto(stubber, event_name, request, **kwargs):
        answer = plan.answer(event_name, request) if stubber.enabled else None
        return answer if answer is not None else moto_call(stubber, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", in_front_of_moto)
    # botocore waits between its attempts; the waits are real in AWS, skipped here.
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda s: None, time=time.time))
    yield plan
    plan.arm(None)


def table() -> dict[tuple[str, str], dict]:
    """Every item of the table, by key."""
    db = boto3.client("dynamodb", region_name="eu-west-1")
    items, start = {}, None
    while True:
        page = db.scan(TableName="duo-test", **({"ExclusiveStartKey": start} if start else {}))
        for item in page["Items"]:
            items[(item["pk"]["S"], item["sk"]["S"])] = item
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _clean_refusal(spec, response, statuses: tuple[int, ...]) -> None:
    assert response.status_code in statuses, (spec.method, spec.path, response.status_code, response.body[:300])
    if response.status_code == 503:
        assert response.headers.get("Retry-After"), (spec.path, response.headers)
    if not (spec.console or spec.page):
        body = json.loads(response.body)
        assert body["code"] and body["message"], body


def _prepared(client, spec, faults):
    """The route's example request of test_isolation (its objects made first), ready to send."""
    faults.arm(None)
    with contextlib.suppress(ConflictError):  # the sweep suspended the branch just before
        iso.PRECONDITIONS.get(spec.name, lambda repos: None)(client.repos)
    objects = iso.Objects(client)
    role = iso._own_role(spec)
    headers = bearer(role.value, iso.OWN) if role else (None if spec.public else bearer("head_office"))
    if spec.name == "ranked_partners":
        iso._stage(objects, iso.OWN, "ready")
    path = iso._path(objects, spec, iso.OWN, iso.OWN)
    bodies = {}

    def send():
        if "body" not in bodies:  # the body is built once (its objects staged once), then sent as often as needed
            original = objects.client.http.request

            def capture(method, url, headers=None, body=None):
                if method == spec.method and url.split("?")[0] == path:
                    bodies["body"] = (method, url, headers, body)
                    return None
                return original(method, url, headers=headers, body=body)

            objects.client.http.request = capture
            try:
                iso._call(objects, spec, path, headers, iso.OWN)
            finally:
                objects.client.http.request = original
            return None
        method, url, sent_headers, body = bodies["body"]
        return client.http.request(method, url, headers=sent_headers, body=body)

    faults.arm(None)
    assert send() is None  # staged, not sent
    return send


def _succeeded(spec, response) -> bool:
    done = response.status_code == 303 and spec.console and not response.headers["Location"].startswith(
        "/console/sign-in")
    return response.status_code < 300 or done


@pytest.fixture
def client(client, seeded):
    client.repos = seeded
    return client


OTHER_KINDS = ("conflict", "internal", "connection", "throttling")
# Every write route with DUO_FAULTS_ALL=1 (about 2.5 minutes: a fresh table per route); by default every
# eighth route of the registry and the paths that write most (signup, pairing, matching, erasure, imports...).
MUST = {"sign_up", "signup_submit", "create_duo", "accept_pairs", "erase_person", "import_csv", "invite",
        "record_attendance", "record_intake", "withdraw", "open_request"}
SWEEP = WRITE_ROUTES if os.environ.get("DUO_FAULTS_ALL") else [
    s for i, s in enumerate(WRITE_ROUTES) if i % 8 == 0 or s.name in MUST]


@pytest.mark.parametrize("spec", SWEEP, ids=lambda s: f"{s.method} {s.path}")
def test_a_write_route_refuses_cleanly_under_faults_leaves_nothing_and_then_succeeds(client, faults, spec):
    """The route's first write fails on every attempt, with a throttle and then one of the other faults
    (in turn along the registry); botocore gives up after its retries; the caller gets a clean 503 (409 for
    a transaction conflict) and the table is exactly as before; the caller's retry then goes through."""
    send = _prepared(client, spec, faults)
    for kind in ("throttle", OTHER_KINDS[WRITE_ROUTES.index(spec) % len(OTHER_KINDS)]):
        before = table()
        faults.arm(kind)
        response = send()
        if not faults.writes:  # the request wrote nothing (a dry run, a refusal): no fault met it
            assert response.status_code < 500, (spec.path, response.status_code)
            break
        expected = (409,) if kind == "conflict" and faults.writes[0] == "TransactWriteItems" else (503,)
        _clean_refusal(spec, response, expected)
        assert table() == before, f"{kind}: a failed first write of {spec.path} left items behind"
    faults.arm(None)
    again = send()  # the caller retries: it goes through
    assert _succeeded(spec, again), ("retry", spec.path, again.status_code, again.body[:300])


def test_stream_records_whose_aggregates_transaction_is_throttled_are_reported_and_redelivery_counts_once(
        client, faults):
    """The report aggregates from the stream: the transaction of some events' figures is throttled past
    botocore's retries; the partial batch response names exactly those records; Lambda then delivers the
    whole batch again (as it does with a failed batch): the figures equal a rebuild from the events, so
    nothing was counted twice, and a third delivery changes nothing."""
    from chalicelib.services import reports
    from chalicelib.store import keys
    from chalicelib.store.events import event_from_image
    from tests.integration.signup_helpers import plan_session, sign_up_candidate
    from tests.integration.test_stream_and_jobs import _stream_event

    session = plan_session(client, iso.OWN)["id"]
    for _ in range(3):
        sign_up_candidate(client, iso.OWN, session)
    event = _stream_event()
    events = [r for r in event["Records"] if r["eventName"] == "INSERT"
              and keys.item_kind(r["dynamodb"]["Keys"]["pk"]["S"], r["dynamodb"]["Keys"]["sk"]["S"]) == "event"]
    assert len(events) >= 3
    victims = {r["dynamodb"]["SequenceNumber"]: event_from_image(r["dynamodb"]["NewImage"]).id for r in events[1:3]}
    markers = [keys.applied_key(iso.OWN, event_id)[0] for event_id in victims.values()]
    faults.arm("throttle", match=lambda op, body: op == "TransactWriteItems" and any(m in body for m in markers))
    result = app_module.on_table_change(event, None)
    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == set(victims)
    assert faults.failed == 2 * 4  # two transactions, each tried four times by botocore
    faults.arm(None)

    assert app_module.on_table_change(event, None) == {"batchItemFailures": []}  # the whole batch again
    figures = client.repos.aggregates.months(iso.OWN)
    assert app_module.on_table_change(event, None) == {"batchItemFailures": []}
    assert client.repos.aggregates.months(iso.OWN) == figures  # a redelivery adds nothing
    reports.rebuild(client.repos, iso.OWN)
    assert client.repos.aggregates.months(iso.OWN) == figures  # what the events say, each counted once
    assert figures


def _changed(before: dict, after: dict) -> list[str]:
    """The kinds of the items an operation added, changed or removed (keys' leading words only)."""
    from chalicelib.store.keys import item_kind

    return sorted({item_kind(*key) or key[1].split("#")[0] for key in set(before) ^ set(after)}
                  | {item_kind(*key) or key[1].split("#")[0] for key in before if key in after
                     and before[key] != after[key]})


ATOMIC = ("sign_up", "create_duo", "close_duo", "record_outcome", "log_meeting")


@pytest.mark.parametrize("name", (*ATOMIC, "erase_person"))
def test_a_fault_at_any_write_of_an_operation_leaves_all_or_nothing(client, faults, name):
    """Each write call of the operation in turn (the first, the second...) fails past botocore's retries.
    For the operations above the caller then finds the table as it was (one transaction, or the writes
    before it changed nothing a retry trips on); erasure writes step by step by design (no transaction
    over a whole history) and each step is idempotent: the caller's retry finishes it, and the person is
    gone. In every case the answer is a clean 503/409 and the retry succeeds. A failed write that still
    answers a success is the privacy link of a mail footer (services/notify.py: the mail goes without it),
    a side effect, not part of the operation."""
    spec = next(s for s in WRITE_ROUTES if s.name == name)
    send = _prepared(client, spec, faults)
    faults.arm(None)
    assert _succeeded(spec, send()), name
    writes = faults.calls
    assert writes >= 1
    partial = []
    for k in range(min(writes, 6)):
        send = _prepared(client, spec, faults)
        before = table()
        faults.arm("throttle", at=k)
        response = send()
        if _succeeded(spec, response):  # the failed write was a side effect the operation does without
            partial.append((k, "succeeded", faults.writes[k], _changed(before, table())))
            continue
        _clean_refusal(spec, response, (503,))
        changed = _changed(before, table())
        if changed:
            partial.append((k, changed))
        faults.arm(None)
        again = send()
        assert _succeeded(spec, again), (name, k, again.status_code, again.body[:300])  # the retry goes through
    if name in ATOMIC:
        assert not [p for p in partial if p[1] != "succeeded"], f"{name} left half an operation: {partial}"


@pytest.mark.parametrize("kind", ["throttle", "throttling", "internal", "connection"])
def test_botocore_retries_absorb_a_short_fault_and_the_whole_signup_is_there(client, faults, kind):
    """Three failed attempts in a row (PynamoDB's legacy retry mode makes four): the caller never sees
    them; the signup's transaction is there whole (candidate, email guard, registration, event)."""
    spec = next(s for s in WRITE_ROUTES if s.name == "sign_up")
    send = _prepared(client, spec, faults)
    before = table()
    faults.arm(kind, times=3)
    response = send()
    assert response.status_code == 201, response.body[:300]
    assert faults.failed == 3
    assert {"CANDIDATE", "GUARD", "REG", "event"} <= set(_changed(before, table()))
