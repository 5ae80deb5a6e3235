"""Every DynamoDB request about a branch is signed with that branch's own (tagged) credentials.

Moto does not enforce IAM conditions, so this proves the app's side of the bargain: it asks
STS for credentials tagged with the branch and uses them for exactly that branch's keys.
The policy side (``dynamodb:LeadingKeys``) is tested on the template in tests/unit.
"""

from __future__ import annotations

import json
import re

import boto3
import pytest

from chalicelib.services import repos as repos_module
from chalicelib.store import aws as aws_clients
from chalicelib.store.scopes import Scopes
from tests.conftest import bearer

BRANCH_IN_KEY = re.compile(r'"T#([a-z0-9-]+)#([A-Z]+)')
PLATFORM_KINDS = {"BRANCH", "STAFF", "STAFFEMAIL"}


@pytest.fixture
def signed(aws, monkeypatch):
    """Record (signing key, body) of every DynamoDB request, and which key STS gave which branch."""
    requests: list[tuple[str, str]] = []
    issued: dict[str, str] = {}

    def record(request, **kwargs):
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        key = re.search(r"Credential=([^/]+)/", auth).group(1)
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        requests.append((key, body))

    original = aws_clients.new_session

    def session_with_hook():
        session = original()
        session.register("before-send.dynamodb", record)
        return session

    monkeypatch.setattr(aws_clients, "new_session", session_with_hook)
    sts = boto3.client("sts", region_name="eu-west-1")

    asked: list[str] = []

    def ask(params, **kwargs):
        asked.append(params["Tags"][0]["Value"])

    def remember(parsed, **kwargs):
        issued[asked[-1]] = parsed["Credentials"]["AccessKeyId"]

    sts.meta.events.register("provide-client-params.sts.AssumeRole", ask)
    sts.meta.events.register("after-call.sts.AssumeRole", remember)
    repos_module.use(repos_module.Repos(scopes=Scopes(sts_client=sts)))
    return requests, issued


def test_branch_requests_use_that_branchs_credentials(signed):
    from chalice.test import Client

    import app as app_module
    from local.seed import seed

    requests, issued = signed
    seed(repos_module.get())
    with Client(app_module.app) as client:
        for branch in ("antwerp", "ghent"):
            admin = bearer("branch_admin", branch)
            client.http.get(f"/branches/{branch}", headers=admin)
            client.http.get(f"/branches/{branch}/staff", headers=admin)
            client.http.post(f"/branches/{branch}/staff", headers=admin,
                             body=json.dumps({"email": f"new@{branch}.example", "role": "coordinator"}))
        client.http.get("/branches", headers=bearer("head_office"))

    assert {"antwerp", "ghent"} <= set(issued)
    assert len(set(issued.values())) == len(issued)  # no two branches share credentials
    tenant_keys = {key: branch for branch, key in issued.items()}
    tenant_requests = 0
    for key, body in requests:
        touched = set(BRANCH_IN_KEY.findall(body))
        if key in tenant_keys:
            tenant_requests += 1
            assert {branch for branch, _ in touched} == {tenant_keys[key]}, body
        else:  # the platform's own credentials: registry and branch settings/invitations only
            assert all(kind in PLATFORM_KINDS for _, kind in touched), body
    assert tenant_requests >= 6


@pytest.mark.usefixtures("signed")
def test_credentials_are_assumed_once_per_branch_and_reused():
    from local.seed import seed

    repos = repos_module.get()
    seed(repos)
    calls = []
    repos.scopes._sts.meta.events.register("before-call.sts.AssumeRole", lambda **kw: calls.append(1))
    for _ in range(3):
        repos.branches.get("lille")
        repos.staff.list("lille")
    assert len(calls) <= 1


def test_table_access_outside_a_scope_is_refused(aws):
    from chalicelib.store.models import BranchItem
    from chalicelib.store.scopes import ScopeError

    with pytest.raises(ScopeError):
        BranchItem.get("T#antwerp#BRANCH", "BRANCH")
