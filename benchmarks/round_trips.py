"""DynamoDB round trips per API operation (issue 3), counted with botocore event hooks.

Runs in process against moto (``mock_aws``), through ``chalice.test.Client``. The app makes
every botocore session in ``chalicelib.store.aws.new_session`` (DynamoDB per scope, STS,
Cognito); each session made here gets ``before-call`` hooks for those services, which fire once
per API call (retries are not counted twice). STS ``AssumeRole`` is counted separately: the
first request for a branch assumes its role (cold), later ones reuse the cached credentials.

Prints ``round_trips.<operation> <count> [<API operations>]`` per operation. Exits non-zero if
a request does not answer as expected; asserts nothing else.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGION = "eu-west-1"
TABLE = "duo-bench"


@dataclass
class Calls:
    """API calls seen since the last ``take()``, by service."""

    seen: dict[str, list[str]] = field(default_factory=dict)

    def hook(self, service: str) -> Any:
        def record(model: Any, **kwargs: Any) -> None:
            self.seen.setdefault(service, []).append(model.name)

        return record

    def take(self) -> dict[str, list[str]]:
        seen, self.seen = self.seen, {}
        return seen


@dataclass
class QueryCapacity:
    """The read capacity units each DynamoDB query consumed, in order: ``hooks()`` make every query ask for it
    (``ReturnConsumedCapacity``) and record the answer's."""

    units: list[float] = field(default_factory=list)

    def hooks(self) -> list[tuple[str, Any]]:
        return [("before-parameter-build.dynamodb.Query", self._ask), ("after-call.dynamodb.Query", self._count)]

    @staticmethod
    def _ask(params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "TOTAL"

    def _count(self, parsed: dict[str, Any], **_: Any) -> None:
        self.units.append(float((parsed.get("ConsumedCapacity") or {}).get("CapacityUnits") or 0))


def add_hooks(hooks: list[tuple[str, Any]]) -> None:
    """Every botocore session the app makes from now on also gets ``hooks`` (event name, handler), in order;
    repositories made before keep their sessions. ``bench_app`` restores the plain sessions when it ends."""
    from chalicelib.store import aws

    made = aws.new_session

    def session_with_hooks() -> Any:
        session = made()
        for event, handler in hooks:
            session.register(event, handler)
        return session

    aws.new_session = session_with_hooks  # type: ignore[assignment]


def app_environment(keys: Path) -> dict[str, str]:
    """What the app reads from the environment in every benchmark: test credentials that reach no AWS account,
    the benchmark's table and the token keys in ``keys``."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(keys / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(keys / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "DUO_TABLE": TABLE,
        "DUO_JWKS_URL": f"file://{keys}/jwks.json",
        "DUO_TOKEN_ISSUER": "duo-local",
        "DUO_TOKEN_AUDIENCE": "duo-console",
        "POWERTOOLS_METRICS_NAMESPACE": "Duo",
    }


def set_environment(keys: Path) -> None:
    """Before any ``chalicelib`` import: settings are read once per process."""
    for name in [k for k in os.environ if k.startswith(("AWS_", "DUO_", "POWERTOOLS_"))]:
        del os.environ[name]
    os.environ.update(
        {
            **app_environment(keys),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",  # keep the app's request logs out of the figures
        }
    )


@contextmanager
def seeded_app(keys: Path, calls: Calls) -> Iterator[Any]:
    """moto with the table, the pool and the seed; yields a chalice test client of the app."""
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from local.tokens import generate_keys

    generate_keys(keys)
    from chalicelib.store import aws

    original = aws.new_session

    def session_with_hook() -> Any:
        session = original()
        for service in ("dynamodb", "sts", "cognito-idp"):
            session.register(f"before-call.{service}", calls.hook(service))
        return session

    with mock_aws():
        aws.new_session = session_with_hook  # type: ignore[assignment]
        try:
            boto3.setup_default_session(region_name=REGION)

            cognito = boto3.client("cognito-idp", region_name=REGION)
            pool = cognito.create_user_pool(
                PoolName="duo-staff",
                Schema=[{"Name": "branch", "AttributeDataType": "String", "Mutable": True}],
            )["UserPool"]["Id"]
            for group in ("coordinator", "branch_admin", "head_office"):
                cognito.create_group(GroupName=group, UserPoolId=pool)
            os.environ["DUO_USER_POOL_ID"] = pool  # settings are read at the first chalicelib import below

            from chalicelib.services import repos as repos_module
            from chalicelib.store.table import create_table
            from local.seed import seed

            create_table(boto3.client("dynamodb", region_name=REGION), TABLE)

            seed(repos_module.Repos())  # its own repositories: the app starts with no cached credentials
            repos_module.use(None)

            import app as app_module

            with Client(app_module.app) as client:
                calls.take()
                yield client
        finally:
            aws.new_session = original  # type: ignore[assignment]


@contextmanager
def bench_app() -> Iterator[tuple[Any, Calls, Path]]:
    """A benchmark's whole setting: the environment, moto with the seed, the app's test client, the calls seen
    and the folder of the token keys (``private.pem`` mints tokens)."""
    with tempfile.TemporaryDirectory(prefix="duo-bench-") as tmp:
        keys = Path(tmp)
        set_environment(keys)
        calls = Calls()
        with seeded_app(keys, calls) as client:
            yield client, calls, keys


def send(client: Any, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    """One request through the test client (a ``body`` that is not a string is sent as JSON), the app's EMF
    metrics lines kept out of the output."""
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
    with redirect_stdout(io.StringIO()):
        return getattr(client.http, method.lower())(path, **kwargs)


def measure_request(client: Any, calls: Calls, label: str, method: str, path: str, status: int,
                    headers: dict[str, str], body: Any = None) -> tuple[Any, dict[str, list[str]]]:
    """Sends one request, exits unless it answers ``status``, prints ``round_trips.<label> <count> [<DynamoDB
    operations>]``; returns the response and the API calls it made, by service (for the caller's other lines)."""
    calls.take()
    response = send(client, method, path, headers, body)
    seen = calls.take()
    if response.status_code != status:
        raise SystemExit(f"{method} {path} answered {response.status_code}, not {status}: {response.body[:500]!r}")
    dynamodb = seen.get("dynamodb", [])
    print(f"round_trips.{label} {len(dynamodb)} [{', '.join(dynamodb)}]")
    return response, seen


def main() -> int:
    with bench_app() as (client, calls, keys):
        from local.seed import demo_subject
        from local.tokens import mint

        pem = (keys / "private.pem").read_bytes()

        def headers(role: str, branch: str | None = None) -> dict[str, str]:
            token = mint(pem, role=role, branch=branch, subject=demo_subject(role, branch))
            return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def measure(label: str, method: str, path: str, status: int, hdrs: dict[str, str],
                    body: dict[str, Any] | None = None) -> None:
            _, seen = measure_request(client, calls, label, method, path, status, hdrs, body)
            print(f"round_trips.{label}.sts_assume_role {seen.get('sts', []).count('AssumeRole')}")
            if seen.get("cognito-idp"):
                cognito = seen["cognito-idp"]
                print(f"round_trips.{label}.cognito {len(cognito)} [{', '.join(cognito)}]")
            sys.stdout.flush()

        head_office = headers("head_office")
        measure("onboard_branch", "POST", "/branches", 201, head_office,
                {"id": "aalst", "name": "Aalst", "country": "BE", "time_zone": "Europe/Brussels",
                 "languages": ["nl"]})
        measure("onboard_branch_with_admin", "POST", "/branches", 201, head_office,
                {"id": "marseille", "name": "Marseille", "country": "FR", "time_zone": "Europe/Paris",
                 "languages": ["fr"], "admin_email": "first.admin@marseille.example"})
        coordinator = headers("coordinator", "antwerp")
        measure("read_branch.cold", "GET", "/branches/antwerp", 200, coordinator)
        measure("read_branch.warm", "GET", "/branches/antwerp", 200, coordinator)
        measure("read_branch.head_office", "GET", "/branches/ghent", 200, head_office)
        measure("list_branches", "GET", "/branches", 200, head_office)
        measure("public_branch", "GET", "/branches/antwerp/public", 200, {})
        measure("update_branch", "PATCH", "/branches/antwerp", 200, headers("branch_admin", "antwerp"),
                {"config": {"retention": {"candidate_months": 18}}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
