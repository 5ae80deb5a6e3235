"""API fuzzing: schemathesis generates requests from ``/openapi.json`` for every operation and every role.

Each role (anonymous, a coordinator and a branch admin of Brussels, the head office) sends a bounded
number of generated requests to every operation, with its token, and ``{branch}`` set to its own branch
so the calls get past the branch check and reach validation and the handlers. Every answer must not be
a 5xx; the JSON API's answers must also match their declared status codes and schemas. HTML pages and
console routes (``text/html``) are fuzzed for 5xx only: their bodies are pages, not a schema.

Requests are valid ones (they reach the handlers) and invalid ones (they must get a declared 4xx); in half
of them the ids in the path are of Brussels' demo people, duos, sessions and staff, so that handlers answer
with real objects. The console's pages are signed in by the session cookie (the staff role's token); its
forms (POST) also carry the CSRF field derived from that cookie (``routing.csrf_for``), so the generated
forms get past the CSRF check to the handlers: the document declares a console form as any string fields,
so half the time the fields sent are those of the console's own forms for that path, harvested from the
pages answered before. Each staff role must get some console form past the CSRF check. The anonymous role
sends no cookie and no CSRF field.

By default the requests go in-process through Chalice's test client (a ``requests`` adapter below) on a
fresh moto account seeded with Brussels' demo data: no server to start, nothing shared with the other
tests. With ``DUO_FUZZ_URL`` set (``make fuzz``, ``tests/fuzz_http.py``) they go over HTTP to that local
stack, from the document it serves, with the tokens of ``DUO_FUZZ_TOKENS`` and the ids of its moto
(``DUO_FUZZ_MOTO_URL``). Checks: no 5xx, the status code is declared, the body matches its schema (the JSON
API).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from urllib.parse import urlsplit

import boto3
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from urllib3 import HTTPHeaderDict, HTTPResponse

from chalicelib.api.console_pages import SESSION_COOKIE
from chalicelib.api.routing import csrf_for
from chalicelib.services import repos as repos_module
from chalicelib.settings import get_settings
from local.demo import seed_demo
from tests.conftest import _KEYS, token

BRANCH = "brussels"
ROLES = [("anonymous", None), ("coordinator", BRANCH), ("branch_admin", BRANCH), ("head_office", None)]
# Per operation and role: 161 operations x 4 roles take about a minute; DUO_FUZZ_EXAMPLES=50 digs deeper.
EXAMPLES = int(os.environ.get("DUO_FUZZ_EXAMPLES", "4"))
BASE = "http://duo.test"
API_CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
PAGE_CHECKS = [not_a_server_error]


class ChaliceAdapter(requests.adapters.BaseAdapter):
    """Sends a ``requests`` request to the Chalice test client and gives its answer back as ``requests``'."""

    def __init__(self, client) -> None:
        super().__init__()
        self.client = client

    def send(self, request, **kwargs) -> requests.Response:
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        answer = self.client.http.request(
            request.method, path, headers=dict(request.headers),
            body=body.encode() if isinstance(body, str) else body,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
        # schemathesis reads the headers from the raw (urllib3) response, as a real server's would be
        response.raw = HTTPResponse(headers=HTTPHeaderDict(answer.headers), status=answer.status_code, version=11)
        response._content = answer.body if isinstance(answer.body, bytes) else str(answer.body or "").encode()
        response.url = request.url
        response.request = request
        response.reason = ""
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def _schema(base: str):
    if base != BASE:  # over HTTP: the document the server itself serves
        return schemathesis.openapi.from_url(f"{base}/openapi.json")
    import app as app_module
    from chalicelib.api.openapi import build

    app_module.app  # noqa: B018 - importing the app registers every route first
    return schemathesis.openapi.from_dict(json.loads(json.dumps(build())))


def _existing_ids(dynamodb, table: str, branch: str) -> dict[str, list[str]]:
    """The ids of the branch's demo people, duos, sessions and staff, by path parameter name."""
    ids: dict[str, set[str]] = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if not item.get("pk", {}).get("S", "").startswith(f"T#{branch}#"):
                continue
            for name in ("candidate_id", "duo_id", "session_id", "staff_id"):
                if item.get(name, {}).get("S"):
                    ids.setdefault(name, set()).add(item[name]["S"])
    return {name: sorted(values) for name, values in ids.items()}


def _console_post(operation) -> bool:
    """A console form's POST: signed in by the session cookie, its form refused without the CSRF field."""
    return operation.method.upper() == "POST" and {"session": []} in operation.definition.raw.get("security", [])


# A console POST's refusals that come before its CSRF check (the path, the role, the form's size or type,
# an unreadable form); any other answer comes from past it, the handler's.
_BEFORE_CSRF = (403, 404, 413, 415)
_UNREADABLE = "The form could not be read"
_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
_ACTION = re.compile(r"""\baction=["']([^"'?#]*)""", re.I)
_FIELD = re.compile(r"<(?:input|select|textarea|option|button)\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(name|value)=["']([^"']*)["']""", re.I)


def _harvest(page: str, url: str, forms: dict[str, dict[str, set[str]]]) -> None:
    """The fields (names and the values offered) of every POST form of a page, by the path the form posts to
    (its action, or the page's own path)."""
    for form in _FORM.findall(page):
        opening = form[: form.index(">") + 1]
        if "post" not in opening.lower():
            continue
        action = _ACTION.search(opening)
        path = html.unescape(action.group(1)) if action and action.group(1) else urlsplit(url).path
        fields = forms.setdefault(path, {})
        name = None
        for tag in _FIELD.findall(form[len(opening):]):
            attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(tag)}
            name = attrs.get("name", name if tag.lower().startswith("<option") else None)
            if name and name != "csrf":
                fields.setdefault(name, set()).add(attrs.get("value", ""))


def _fuzzer(operation, session, base, headers, branch, checks, statuses, existing, csrf, forms, console_posts):
    """A Hypothesis test of one operation: bounded examples, no shrinking, no example database.

    On a console POST a staff role sends its form's CSRF field (``csrf``, from its session cookie), so the
    generated form gets past the CSRF check to the handler; the declared form body is any string fields, so
    half the time the fields are those of a form of this path that a page of the console offered before
    (``forms``, by path: any ids), with one of the values it offered or a generated one.
    """

    names = [p.name for p in operation.path_parameters]
    console_post = csrf is not None and _console_post(operation)
    template = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(operation.path)))
    own = {"branch": branch} if "branch" in names else None
    # Valid requests (they reach the handlers) and invalid ones (they must get a 4xx in the declared shape).
    cases = st.one_of(*(operation.as_strategy(mode, path_parameters=own) for mode in GenerationMode))
    # Half the time, the ids in the path are of objects that exist: the handlers then answer with them.
    real = st.fixed_dictionaries({n: st.sampled_from(existing[n]) for n in names if existing.get(n)})

    @settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=cases, ids=st.one_of(st.just({}), real), data=st.data())
    def fuzz(case, ids, data) -> None:
        if case.path_parameters is not None:
            case.path_parameters.update(ids)
        if console_post and isinstance(case.body, dict):
            offered: dict[str, set[str]] = {}  # the fields of this operation's forms, whatever ids their paths hold
            for path in (p for p in forms if template.fullmatch(p)):
                for name, values in forms[path].items():
                    offered.setdefault(name, set()).update(values)
            if offered and data.draw(st.booleans()):
                case.body = {
                    name: data.draw(st.sampled_from(sorted(values)) | st.text(max_size=30))
                    for name, values in sorted(offered.items()) if data.draw(st.integers(0, 9))  # some missing
                }
            case.body = {**case.body, "csrf": csrf}
        response = case.call(base_url=base, session=session, headers=headers)
        statuses[response.status_code // 100] += 1  # counted before the checks: a 5xx too
        if console_post:
            console_posts[response.status_code] += 1
            if response.status_code not in _BEFORE_CSRF and _UNREADABLE not in response.text:
                console_posts["past CSRF"] += 1
        if "text/html" in "".join(response.headers.get("content-type", [])):
            _harvest(response.text, response.request.url, forms)
        transport = {"base_url": base, "session": session, "headers": dict(headers)}
        case.validate_response(response, checks, headers=headers, transport_kwargs=transport)

    return fuzz


def _in_process(request, monkeypatch) -> tuple[requests.Session, str, dict[str, list[str]], dict]:
    """Chalice's test client on a fresh moto account seeded with Brussels' demo data."""
    client = request.getfixturevalue("client")
    # Configured as the local stack is (demo sign-in): unconfigured, /console/sign-in answers 503 on purpose.
    monkeypatch.setenv("DUO_DEV_SIGNIN_KEY", str(_KEYS / "private.pem"))
    get_settings.cache_clear()
    seed_demo(repos_module.get(), [BRANCH])  # people, sessions and duos in every stage
    existing = _existing_ids(boto3.client("dynamodb", region_name="eu-west-1"), get_settings().table_name, BRANCH)
    session = requests.Session()
    session.mount(BASE, ChaliceAdapter(client))
    tokens = {(role, branch): token(role, branch) for role, branch in ROLES if role != "anonymous"}
    return session, BASE, existing, tokens


def _over_http() -> tuple[requests.Session, str, dict[str, list[str]], dict]:
    """The local stack that ``make fuzz`` started (``tests/fuzz_http.py``): its URL, its moto, its tokens."""
    moto = boto3.client(
        "dynamodb", endpoint_url=os.environ["DUO_FUZZ_MOTO_URL"], region_name="eu-west-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    existing = _existing_ids(moto, os.environ.get("DUO_FUZZ_TABLE", "duo"), BRANCH)
    tokens = {tuple(key.split(":")): value for key, value in json.loads(os.environ["DUO_FUZZ_TOKENS"]).items()}
    tokens = {(role, branch or None): value for (role, branch), value in tokens.items()}
    return requests.Session(), os.environ["DUO_FUZZ_URL"].rstrip("/"), existing, tokens


def test_every_operation_answers_within_its_declared_schema_for_every_role(request, monkeypatch):
    # In-process by default; over HTTP against a running local stack when DUO_FUZZ_URL is set (make fuzz).
    session, base, existing, tokens = _over_http() if os.environ.get("DUO_FUZZ_URL") else _in_process(
        request, monkeypatch)
    schema = _schema(base)
    forms: dict[str, dict[str, set[str]]] = {}  # the console's forms seen so far, by the path they post to
    failures: list[str] = []
    for role, branch in ROLES:
        signed_in = tokens.get((role, branch))
        # The API reads the bearer token; the console's pages the session cookie holding the same token,
        # and its forms the CSRF field derived from that cookie.
        headers = {} if signed_in is None else {
            "Authorization": f"Bearer {signed_in}", "Cookie": f"{SESSION_COOKIE}={signed_in}",
        }
        csrf = None if signed_in is None else csrf_for(signed_in)
        statuses: Counter[int] = Counter()
        console_posts: Counter[int | str] = Counter()  # the statuses of the answers to console POSTs
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            page = "text/html" in json.dumps(operation.definition.raw.get("responses", {}))
            fuzz = _fuzzer(operation, session, base, headers, branch or BRANCH, PAGE_CHECKS if page else API_CHECKS,
                           statuses, existing, csrf, forms, console_posts)
            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{role} {operation.label}: {failure}")
        print(f"{role}: {len(operations)} operations, {statuses.total()} requests, answers by class "
              f"{dict(sorted(statuses.items()))}; console POSTs by status {dict(console_posts.most_common())}; "
              f"forms seen {len(forms)}")
        if role != "anonymous":
            assert statuses[2] > 0, role  # some generated requests got through to a handler
            assert console_posts["past CSRF"] > 0, role  # some console forms got past the CSRF check to their handler

    assert not failures, "\n\n".join(failures)
