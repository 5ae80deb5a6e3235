"""Logs, metrics and traces never hold personal data: canary values through every route, the stream and the jobs.

For every route of the registry, the people and duos it reaches are given canary names, emails, phones,
addresses and notes (``canarify``), and the route is called as the public, a coordinator and a branch admin
(and the head office where it may): once with every string of the body or form, every query parameter and
every header replaced by a canary (mostly 400s: the answer may name a field, the logs must not hold its
value), once with the route's working example carrying canaries in its free-text fields, and once with a
canary in the branch's place in the path. Then the table's stream handler runs over every record written,
and, after a route that writes, every scheduled job runs; one more test takes canary people through a duo and
years of jobs until the retention sweep erases them. Everything the app wrote (the Powertools logger's JSON
lines, anything printed, the EMF metric blobs, the logging module's records, the tracer's annotations and
metadata) must hold no canary, in any case and also URL-encoded. Unexpected failures (500s) are logged with
their type, stack and a masked context, never their message.

Rows come from the route registry and reuse the isolation matrix's examples (tests/integration/
test_isolation.py): a new route is covered without editing this file.
"""

from __future__ import annotations

import io
import json
import logging
import re
from typing import Any
from urllib.parse import quote, unquote_plus, urlencode

import boto3
import pytest
from botocore.config import Config

import app as app_module
from chalicelib.api.route_table import load_all
from chalicelib.api.routing import RouteSpec, csrf_for
from chalicelib.api.schemas import BranchCreate
from chalicelib.domain.roles import Role
from chalicelib.observability import logger, tracer
from chalicelib.settings import get_settings
from local.seed import demo_subject
from tests.conftest import _KEYS, bearer
from tests.integration import duo_helpers as duo
from tests.integration import test_isolation as iso

CANARY_NAME = "Canary Zzqx"
CANARY_EMAIL = "canary.zzqx@example.org"
CANARY_PHONE = "+32 470 55 73 19"
CANARY_TEXT = "Zzqx told me about her health"
# What would betray a canary in the output, lowercase (also searched in the URL-decoded output). The phone's digits
# run together are searched whole (nine digits, as in +32470557319): six of them turned up inside a log record's
# timestamp (relativeCreated 250301.3355731964).
NEEDLES = ("zzqx", "55 73 19", "470557319")
OWN = iso.OWN
TABLE = "duo-test"
SCHEDULED = {"version": "0", "id": "canary-job", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "2026-11-24T09:00:00Z", "region": "eu-west-1",
             "resources": ["arn:aws:events:eu-west-1:123456789012:rule/job"], "detail": {}}
# Strings a working request must keep as they are (the form's CSRF token, the signup form's trap for robots, a
# time zone and the like are checked against lists: a canary there is the "every string" request's business).
KEEP = frozenset({"csrf", "website", "time_zone", "cursor", "period", "confirm", "version"})
# The free text of forms (which have no model): what a person or staff member types in words.
FORM_TEXT = frozenset({"name", "email", "phone", "city", "postcode", "profession", "title", "notes", "experience",
                       "expectations", "note", "reason", "address", "csv", "admin_email", "admin_name", "q"})

ROUTES = load_all()


# Routes outside a branch (the isolation matrix covers branch routes): their working examples.
_NEW_BRANCH = {"id": "aalst", "name": "Aalst", "country": "BE", "time_zone": "Europe/Brussels", "languages": ["nl"],
               "admin_email": "new.admin@example.org", "admin_name": "New Admin"}
BODIES = {**iso.BODIES, BranchCreate: lambda objects, branch: dict(_NEW_BRANCH)}
CONSOLE_FORMS = {**iso.CONSOLE_FORMS, ("POST", "/console/sign-out"): lambda objects, branch: {},
                 ("POST", "/console/head-office/branches/new"): lambda objects, branch: dict(_NEW_BRANCH)}
FORMS = {**iso.FORMS, ("POST", "/console/sign-in"): lambda objects, branch: {
    "branch": OWN, "staff_id": demo_subject("coordinator", OWN), "next": f"/branches/{OWN}/console"}}
# Routes whose working example needs more than this file can give; they are still called with canaries.
NOT_REACHED = {("GET", "/console/callback"): "Cognito's hosted UI answers first (test_console_shell.py fakes it)"}


# --- The canaries -------------------------------------------------------------------------------------------------
class Counter:
    n = 0


def _email() -> str:
    Counter.n += 1
    return f"canary.zzqx.{Counter.n}@example.org"


def _canary_for(key: str) -> str:
    key = key.lower()
    if "email" in key:
        return _email()
    if "phone" in key:
        return CANARY_PHONE
    if key == "postcode":
        return "Zzqx 9"
    if key == "csv":
        return f"role,name,email,phone,status\nmentee,{CANARY_NAME},{_email()},{CANARY_PHONE},registered\n"
    if key in ("notes", "experience", "expectations", "note", "reason", "title", "profession"):
        return CANARY_TEXT
    return CANARY_NAME


def _free_text(model: Any) -> set[str]:
    """The names of a body or query model's free strings (no list, pattern or format), nested models too."""
    if model is None:
        return set()
    schema = model.model_json_schema()
    names: set[str] = set()
    for part in [schema, *schema.get("$defs", {}).values()]:
        for name, prop in part.get("properties", {}).items():
            for alternative in prop.get("anyOf", [prop]):
                constrained = {"enum", "pattern", "format", "const"} & set(alternative)
                if alternative.get("type") == "string" and not constrained:
                    names.add(name)
    return names - KEEP


def _with_canaries(data: Any, free: set[str]) -> Any:
    """A working example with canaries in its free text, emails, phones, postcodes and CSV."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            personal = key in free or key in ("email", "admin_email", "phone", "postcode", "csv")
            if personal and isinstance(value, str) and key not in KEEP:
                out[key] = _canary_for(key)
            else:
                out[key] = _with_canaries(value, free)
        return out
    if isinstance(data, list):
        return [_with_canaries(v, free) for v in data]
    return data


def _all_canaries(data: Any, key: str = "") -> Any:
    """Every string replaced by a canary (the CSRF field excepted, so that the form is read at all)."""
    if isinstance(data, dict):
        return {k: (v if k == "csrf" else _all_canaries(v, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_all_canaries(v, key) for v in data] or [_canary_for(key)]
    if isinstance(data, str):
        return _canary_for(key)
    return data


def canarify() -> int:
    """Give every person, registration, duo, staff member, request and audit entry in the table canary values
    (what a route then reads and writes carries them); the number of items changed."""
    ddb = boto3.client("dynamodb", region_name="eu-west-1")
    changed = 0
    for page in ddb.get_paginator("scan").paginate(TableName=TABLE):
        for item in page["Items"]:
            if item["pk"]["S"] == "REGISTRY" or item["sk"]["S"] in ("BRANCH", "SESSION"):
                continue
            values: dict[str, Any] = {}
            for name, value in item.items():
                if "S" not in value or name in ("pk", "sk") or name.startswith("gsi"):
                    continue
                if name in ("name", "mentee_name", "mentor_name", "city", "profession", "email", "phone",
                            "postcode", "note", "reason"):
                    values[name] = {"S": _canary_for(name)}
                elif name == "intake" and value["S"] not in ("", "null"):
                    intake = json.loads(value["S"])
                    intake.update(notes=CANARY_TEXT, experience=CANARY_TEXT, expectations=CANARY_TEXT)
                    values[name] = {"S": json.dumps(intake)}
                elif name == "goals":
                    goals = [{**g, "title": CANARY_TEXT} for g in json.loads(value["S"] or "[]")]
                    values[name] = {"S": json.dumps(goals)}
            if item["sk"]["S"] == "STAFF":
                values.pop("email", None)  # the directory's account keeps its address
            if not values:
                continue
            names = {f"#a{i}": name for i, name in enumerate(values)}
            ddb.update_item(
                TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET " + ", ".join(f"{a} = :v{i}" for i, a in enumerate(names)),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={f":v{i}": values[n] for i, n in enumerate(names.values())})
            changed += 1
    return changed


# --- What the app writes ------------------------------------------------------------------------------------------
class Output:
    """Everything the app wrote during a test, as one text."""

    def __init__(self, stream: io.StringIO, capsys: Any, caplog: Any, traced: list[str]) -> None:
        self.stream, self.capsys, self.caplog, self.traced = stream, capsys, caplog, traced
        self.printed: list[str] = []

    def text(self) -> str:
        captured = self.capsys.readouterr()
        self.printed += [captured.out, captured.err]
        records = [f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''} {r.__dict__!r}"
                   for r in self.caplog.records]
        return "\n".join([self.stream.getvalue(), *self.printed, *records, *self.traced])


@pytest.fixture
def output(monkeypatch, capsys, caplog):
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    caplog.set_level(logging.INFO)  # every library's records at the level a deployed function would keep
    caplog.set_level(logging.DEBUG, logger="aws_lambda_powertools")
    traced: list[str] = []
    for name in ("put_annotation", "put_metadata"):
        original = getattr(tracer, name)

        def record(*args, _original=original, **kwargs):
            traced.append(repr((args, kwargs)))
            return _original(*args, **kwargs)

        monkeypatch.setattr(tracer, name, record)
    yield Output(stream, capsys, caplog, traced)
    logger.registered_handler.setStream(previous)


def leaks(text: str) -> list[str]:
    """Each canary found, with what surrounds it."""
    found = []
    for haystack in (text.lower(), unquote_plus(text).lower()):
        for needle in NEEDLES:
            for match in re.finditer(re.escape(needle), haystack):
                found.append(haystack[max(0, match.start() - 160):match.end() + 60].replace("\n", " "))
    return found


def assert_no_canary(out: Output, where: str) -> None:
    found = leaks(out.text())
    assert not found, f"{where}: personal data reached the logs, metrics or traces:\n" + "\n".join(found[:5])


# --- The stream and the jobs --------------------------------------------------------------------------------------
def stream_records() -> list[dict]:
    """Every record of the table's stream so far, shaped as Lambda delivers them."""
    ddb = boto3.client("dynamodb", region_name="eu-west-1")
    streams = boto3.client("dynamodbstreams", region_name="eu-west-1",
                           config=Config(account_id_endpoint_mode="disabled"))
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += [{**r, "eventSourceARN": arn} for r in page["Records"]]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return records


def run_stream_and_jobs(jobs: bool = True) -> None:
    records = stream_records()
    for start in range(0, len(records), 100):  # the handler's batch size
        app_module.on_table_change({"Records": records[start:start + 100]}, None)
    for source in app_module.app.event_sources if jobs else ():
        name = source.handler_string.rsplit(".", 1)[-1]
        if name != "on_table_change":
            getattr(app_module, name)(dict(SCHEDULED), None)


# --- Requests -----------------------------------------------------------------------------------------------------
def _roles(spec: RouteSpec) -> list[Role]:
    return [Role.ANONYMOUS, Role.COORDINATOR, Role.BRANCH_ADMIN, *([Role.HEAD_OFFICE] if Role.HEAD_OFFICE in
                                                                   spec.roles else [])]


def _auth(role: Role) -> dict[str, str]:
    if role is Role.ANONYMOUS:
        return {}
    return bearer(role.value, None if role is Role.HEAD_OFFICE else OWN)


def _headers(all_canaries: bool) -> dict[str, str]:
    headers = {"User-Agent": f"{CANARY_NAME} browser", "Referer": f"https://example.org/{quote(CANARY_EMAIL)}",
               "X-Correlation-Id": CANARY_NAME, "X-Access-Reason": CANARY_TEXT, "Accept-Language": "zzqx"}
    if all_canaries:
        headers.update({"Origin": "https://zzqx.example.org", "Idempotency-Key": CANARY_NAME,
                        "X-Forwarded-For": CANARY_PHONE, "Cookie": f"lang={quote(CANARY_NAME)}"})
    return headers


def _query(objects: iso.Objects, spec: RouteSpec, path: str, all_canaries: bool) -> str:
    """The route's query: the personal link's token where it needs one, canaries in its free text (every
    parameter of its model, and a search, when ``all_canaries``)."""
    existing = objects.query(spec, path)
    query = dict([existing[1:].split("=", 1)]) if existing else {}
    if all_canaries:
        fields = list(spec.query.model_fields) if spec.query is not None else []
        query = {**{k: _canary_for(k) for k in [*query, *fields, "q", "name", "email"]}}
    else:
        query.update({k: _canary_for(k) for k in _free_text(spec.query)})
    return "?" + urlencode(query) if query else ""


def send(objects: iso.Objects, spec: RouteSpec, path: str, role: Role, all_canaries: bool):
    headers = {**_auth(role), **_headers(all_canaries)}
    body = None
    if spec.console:
        session = headers.pop("Authorization", " ").split(" ", 1)[1]
        headers.pop("Content-Type", None)
        if session:
            headers["Cookie"] = f"duo_session={session}"
        if spec.method == "POST":
            example = CONSOLE_FORMS[(spec.method, spec.path)](objects, OWN) if session else {"action": "x"}
            form = {"csrf": csrf_for(session), **example}
            form = _all_canaries(form) if all_canaries else _with_canaries(form, set(FORM_TEXT))
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form, doseq=True)
    elif spec.body is not None:
        example = BODIES[spec.body](objects, OWN)
        if all_canaries:
            data = _all_canaries({**{k: "" for k in _free_text(spec.body)}, **example})
        else:
            data = _with_canaries(example, _free_text(spec.body))
        body = json.dumps(data)
        headers["Content-Type"] = "application/json"
    elif spec.page and spec.method == "POST":
        form = dict(FORMS[(spec.method, spec.path)](objects, OWN))
        if "candidate_id" in spec.path_params:
            form["token"] = objects.query(spec, path).split("=", 1)[1]
        if spec.path == "/console/sign-in":  # the sign-in form's nonce, in the form and its cookie
            page = objects.client.http.get("/console/sign-in")
            form["signin"] = re.search(r'name="signin" value="([^"]+)"', page.body.decode()).group(1)
            headers["Cookie"] = f"duo_signin={form['signin']}"
        form = _all_canaries(form) if all_canaries else _with_canaries(form, set(FORM_TEXT))
        body = urlencode(form, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return objects.client.http.request(spec.method, path + _query(objects, spec, path, all_canaries),
                                       headers=headers, body=body)


def _reached(spec: RouteSpec, response) -> bool:
    """The request got through to the work (not refused at the door)."""
    if spec.console and response.status_code == 303:
        return not response.headers.get("Location", "").startswith("/console/sign-in?next=")  # (sign in first)
    return response.status_code < 400


@pytest.mark.parametrize("spec", ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_no_canary_reaches_the_logs_metrics_or_traces(client, seeded, output, monkeypatch, spec):
    if spec.path.startswith("/console/sign-in"):  # the local sign-in, which lists the demo staff
        monkeypatch.setenv("DUO_DEV_SIGNIN_KEY", str(_KEYS / "private.pem"))
        get_settings.cache_clear()
    iso.PRECONDITIONS.get(spec.name, lambda repos: None)(seeded)
    objects = iso.Objects(client)
    path = iso._path(objects, spec, OWN, OWN)
    if spec.name == "ranked_partners":
        iso._stage(objects, OWN, "ready")
    answers = []
    canarify()
    for role in _roles(spec):
        answers.append((role.value, "canaries", send(objects, spec, path, role, True)))
        if role in spec.roles:  # what the example made (people to pair, a session) gets canaries too
            canarify()
        answers.append((role.value, "example", send(objects, spec, path, role, False)))
    if "branch" in spec.path_params:  # a canary where the branch goes: no such branch, and nothing logged
        elsewhere = path.replace(f"/{OWN}", "/" + quote(CANARY_NAME), 1)
        answers.append(("coordinator", "path", send(objects, spec, elsewhere, Role.COORDINATOR, True)))
    run_stream_and_jobs(jobs=spec.method != "GET")  # a read changes nothing the jobs look at
    assert_no_canary(output, f"{spec.method} {spec.path}")
    statuses = [(role, kind, a.status_code) for role, kind, a in answers]
    assert all(a.status_code < 500 for _, _, a in answers), statuses
    if (spec.method, spec.path) not in NOT_REACHED:
        assert any(_reached(spec, a) for _, kind, a in answers if kind != "path"), statuses


def test_every_route_is_a_row():
    ids = {(s.method, s.path) for s in ROUTES}
    assert len(ids) == len(ROUTES) and len(ROUTES) > 100


# --- Through a whole life, the stream and the jobs ----------------------------------------------------------------
def test_a_canary_persons_whole_life_and_erasure_leave_nothing_in_the_logs(client, seeded, output, frozen_clock):
    staff = bearer("coordinator", OWN)
    duo_id = duo.make_duo(client, OWN)
    canarify()
    version = duo.stage_duo(OWN, duo_id, "active")
    goal = client.http.post(f"/branches/{OWN}/duos/{duo_id}/goals", headers=staff,
                            body=json.dumps({"title": CANARY_TEXT, "version": version}))
    assert goal.status_code < 300, goal.body
    session = iso.Objects(client).get("session_id", OWN)
    signed_up = client.http.post(
        f"/branches/{OWN}/signups", headers={"Content-Type": "application/json"},
        body=json.dumps({**iso.mentee_body(session, CANARY_EMAIL), "name": CANARY_NAME, "phone": CANARY_PHONE,
                         "city": "Zzqxville", "postcode": "2000"}))
    assert signed_up.status_code == 201, signed_up.body
    run_stream_and_jobs()
    # Long after: the reminders are due, the duo's outcome is late, and the retention sweep erases who expired.
    frozen_clock.advance(days=40)
    run_stream_and_jobs()
    duo.stage_duo(OWN, duo_id, "closed")
    frozen_clock.advance(days=5 * 365)
    run_stream_and_jobs()
    run_stream_and_jobs()  # the erasures' own records
    people = seeded.candidates.list(OWN, role=None, status=None, limit=100, cursor=None)[0]
    assert not people, "the retention sweep erased everyone (its logging was exercised)"
    assert_no_canary(output, "the stream handler and the scheduled jobs")


# --- Failures -----------------------------------------------------------------------------------------------------
def _lines(out: Output) -> list[dict]:
    return [json.loads(line) for line in out.stream.getvalue().splitlines() if line.startswith("{")]


def test_an_unexpected_failure_is_logged_with_its_place_and_a_masked_context_never_its_message(
        client, seeded, output, monkeypatch):
    from chalicelib.services import signup

    def broken(*args, **kwargs):
        raise KeyError(f"{CANARY_NAME} <{CANARY_EMAIL}>")

    monkeypatch.setattr(signup, "sign_up", broken)
    session = iso.Objects(client).get("session_id", OWN)
    body = {**iso.mentee_body(session, CANARY_EMAIL), "name": CANARY_NAME, "phone": CANARY_PHONE}
    answer = client.http.post(f"/branches/{OWN}/signups?q={quote(CANARY_NAME)}&lang=nl",
                              headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert answer.status_code == 500 and "zzqx" not in answer.body.decode().lower()
    failed = next(line for line in _lines(output) if line["message"] == "request failed")
    assert failed["error"] == "KeyError" and any("broken" in frame for frame in failed["stack"])
    context = failed["context"]
    assert context["params"] == {"branch": OWN} and context["query"] == {"q": "*****", "lang": "nl"}
    assert context["body"]["name"] == "*****" and context["body"]["role"] == "mentee"
    assert_no_canary(output, "an unexpected failure")


def test_a_bad_field_is_named_in_the_answer_and_its_value_is_in_no_log(client, seeded, output):
    session = iso.Objects(client).get("session_id", OWN)
    body = {**iso.mentee_body(session, CANARY_EMAIL), "name": CANARY_NAME, "phone": CANARY_PHONE,
            "birth_date": CANARY_NAME, "heard_from": CANARY_NAME, "email": f"{CANARY_NAME} at example"}
    answer = client.http.post(f"/branches/{OWN}/signups", headers={"Content-Type": "application/json"},
                              body=json.dumps(body))
    assert answer.status_code == 400
    assert {"birth_date", "email"} <= set(answer.json_body["fields"])
    refused = next(line for line in _lines(output) if line["message"] == "request refused")
    assert refused["status"] == 400 and refused["code"]
    assert_no_canary(output, "a refused signup")


def test_a_failing_page_is_logged_without_its_message(client, seeded, output, monkeypatch):
    from chalicelib.api import pages

    def broken(*args, **kwargs):
        raise ValueError(f"no session for {CANARY_EMAIL}")

    monkeypatch.setattr(pages, "_form", broken)
    answer = client.http.get(f"/branches/{OWN}/signup?name={quote(CANARY_NAME)}", headers=_headers(True))
    assert answer.status_code == 500
    failed = next(line for line in _lines(output) if line["message"] == "page failed")
    assert failed["error"] == "ValueError" and failed["stack"]
    assert_no_canary(output, "a failing page")


def test_the_masked_context_survives_odd_keys_and_deep_bodies(output):
    from chalicelib.observability import log_failure

    try:
        raise RuntimeError(CANARY_TEXT)
    except RuntimeError as error:
        deep: dict[str, Any] = {"email": CANARY_EMAIL}
        for _ in range(20):
            deep = {"next": deep, "note": CANARY_TEXT}
        log_failure("request failed", error, {"body": {CANARY_NAME: 1, "a\"b": CANARY_NAME, "deep": deep,
                                                       "rows": [CANARY_PHONE] * 100, "ok": "mentee"}})
    line = _lines(output)[-1]
    assert line["error"] == "RuntimeError" and line["context"]["body"]["ok"] == "mentee"
    assert line["context"]["body"]["_dropped_keys"] == 2
    assert_no_canary(output, "log_failure")

