"""API fuzzing: schemathesis generates requests from ``/openapi.json`` for every operation and every role.

Each role (anonymous, a coordinator and a branch admin of Brussels, the head office) sends a bounded
number of generated requests to every operation, with its token, and ``{branch}`` set to its own branch
so the calls get past the branch check and reach validation and the handlers. Every answer must not be
a 5xx; the JSON API's answers must also match their declared status codes and schemas. HTML pages and
console routes (``text/html``) are fuzzed for 5xx only: their bodies are pages, not a schema.

Requests are valid ones (they reach the handlers) and invalid ones (they must get a declared 4xx); in half
of them the ids in the path are of Brussels' demo people, duos, sessions and staff, so that handlers answer
with real objects. The requests go in-process through Chalice's test client (a ``requests`` adapter below)
on a fresh moto account seeded with the demo branches: no server to start, nothing shared with the other
tests. Checks: no 5xx, the status code is declared, the body matches its schema (the JSON API).
"""

from __future__ import annotations

import json
import os
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


def _schema():
    import app as app_module
    from chalicelib.api.openapi import build

    app_module.app  # noqa: B018 - importing the app registers every route first
    return schemathesis.openapi.from_dict(json.loads(json.dumps(build())))


def _existing_ids(branch: str) -> dict[str, list[str]]:
    """The ids of the branch's demo people, duos, sessions and staff, by path parameter name."""
    ids: dict[str, set[str]] = {}
    table = boto3.client("dynamodb", region_name="eu-west-1")
    for page in table.get_paginator("scan").paginate(TableName=get_settings().table_name):
        for item in page["Items"]:
            if not item.get("pk", {}).get("S", "").startswith(f"T#{branch}#"):
                continue
            for name in ("candidate_id", "duo_id", "session_id", "staff_id"):
                if item.get(name, {}).get("S"):
                    ids.setdefault(name, set()).add(item[name]["S"])
    return {name: sorted(values) for name, values in ids.items()}


def _fuzzer(operation, session, headers, branch, checks, statuses, existing):
    """A Hypothesis test of one operation: bounded examples, no shrinking, no example database."""

    names = [p.name for p in operation.path_parameters]
    own = {"branch": branch} if "branch" in names else None
    # Valid requests (they reach the handlers) and invalid ones (they must get a 4xx in the declared shape).
    cases = st.one_of(*(operation.as_strategy(mode, path_parameters=own) for mode in GenerationMode))
    # Half the time, the ids in the path are of objects that exist: the handlers then answer with them.
    real = st.fixed_dictionaries({n: st.sampled_from(existing[n]) for n in names if existing.get(n)})

    @settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=cases, ids=st.one_of(st.just({}), real))
    def fuzz(case, ids) -> None:
        if case.path_parameters is not None:
            case.path_parameters.update(ids)
        response = case.call_and_validate(base_url=BASE, session=session, headers=headers, checks=checks)
        statuses[response.status_code // 100] += 1

    return fuzz


def test_every_operation_answers_within_its_declared_schema_for_every_role(client, monkeypatch):
    # Configured as the local stack is (demo sign-in): unconfigured, /console/sign-in answers 503 on purpose.
    monkeypatch.setenv("DUO_DEV_SIGNIN_KEY", str(_KEYS / "private.pem"))
    get_settings.cache_clear()
    seed_demo(repos_module.get(), [BRANCH])  # people, sessions and duos in every stage
    existing = _existing_ids(BRANCH)
    session = requests.Session()
    session.mount(BASE, ChaliceAdapter(client))
    failures: list[str] = []
    for role, branch in ROLES:
        signed_in = token(role, branch)
        # The API reads the bearer token; the console's pages the session cookie holding the same token.
        headers = {} if role == "anonymous" else {
            "Authorization": f"Bearer {signed_in}", "Cookie": f"duo_session={signed_in}",
        }
        statuses: Counter[int] = Counter()
        for result in _schema().get_all_operations():
            operation = result.ok()
            page = "text/html" in json.dumps(operation.definition.raw.get("responses", {}))
            fuzz = _fuzzer(operation, session, headers, branch or BRANCH, PAGE_CHECKS if page else API_CHECKS,
                           statuses, existing)
            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{role} {operation.label}: {failure}")
        print(f"{role}: answers by class {dict(sorted(statuses.items()))}")
        if role != "anonymous":
            assert statuses[2] > 0, role  # some generated requests got through to a handler

    assert not failures, "\n\n".join(failures)
