"""API fuzzing: schemathesis generates requests from ``/openapi.json`` for every operation and every role.

Each role (anonymous, a coordinator and a branch admin of Brussels, the head office) sends a bounded
number of generated requests to every operation, with its token, and ``{branch}`` set to its own branch
so the calls get past the branch check and reach validation and the handlers. Every answer must not be
a 5xx; the JSON API's answers must also match their declared status codes and schemas. HTML pages and
console routes (``text/html``) are fuzzed for 5xx only: their bodies are pages, not a schema.

The requests go in-process through Chalice's test client (a ``requests`` adapter below) on a fresh moto
account seeded with the demo branches: no server to start, nothing shared with the other tests.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from urllib3 import HTTPHeaderDict, HTTPResponse

from chalicelib.settings import get_settings
from tests.conftest import _KEYS, token

BRANCH = "brussels"
ROLES = [("anonymous", None), ("coordinator", BRANCH), ("branch_admin", BRANCH), ("head_office", None)]
EXAMPLES = 6  # per operation and role: 161 operations x 4 roles stay within about a minute
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


def _fuzzer(operation, session, headers, branch, checks, statuses):
    """A Hypothesis test of one operation: bounded examples, no shrinking, no example database."""

    own = {"branch": branch} if any(p.name == "branch" for p in operation.path_parameters) else None
    # Valid requests (they reach the handlers) and invalid ones (they must get a 4xx in the declared shape).
    cases = st.one_of(*(operation.as_strategy(mode, path_parameters=own) for mode in GenerationMode))

    @settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def fuzz(case) -> None:
        response = case.call_and_validate(base_url=BASE, session=session, headers=headers, checks=checks)
        statuses[response.status_code // 100] += 1

    return fuzz


@pytest.mark.parametrize(("role", "branch"), ROLES, ids=[r for r, _ in ROLES])
def test_every_operation_answers_within_its_declared_schema_for_every_role(client, monkeypatch, role, branch):
    # Configured as the local stack is (demo sign-in): unconfigured, /console/sign-in answers 503 on purpose.
    monkeypatch.setenv("DUO_DEV_SIGNIN_KEY", str(_KEYS / "private.pem"))
    get_settings.cache_clear()
    session = requests.Session()
    session.mount(BASE, ChaliceAdapter(client))
    signed_in = token(role, branch)
    # The API reads the bearer token; the console's pages the session cookie holding the same token.
    headers = {} if role == "anonymous" else {
        "Authorization": f"Bearer {signed_in}", "Cookie": f"duo_session={signed_in}",
    }
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    for result in _schema().get_all_operations():
        operation = result.ok()
        page = "text/html" in json.dumps(operation.definition.raw.get("responses", {}))
        checks = PAGE_CHECKS if page else API_CHECKS

        fuzz = _fuzzer(operation, session, headers, branch or BRANCH, checks, statuses)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{operation.label}: {failure}")

    assert not failures, "\n\n".join(failures)
    print(f"{role}: answers by class {dict(sorted(statuses.items()))}")
    assert statuses[2] > 0  # some generated requests got through to a handler
