"""Shared fixtures: moto in-process, the table and Cognito pool, local signing keys, tokens.

Environment is set before any ``chalicelib`` import, since settings are read once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_KEYS = Path(tempfile.mkdtemp(prefix="duo-test-keys-"))
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
        "DUO_TABLE": "duo-test",
        "DUO_JWKS_URL": f"file://{_KEYS}/jwks.json",
        "DUO_TOKEN_ISSUER": "duo-local",
        "DUO_TOKEN_AUDIENCE": "duo-console",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Duo",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib.api import auth  # noqa: E402
from chalicelib.services import repos as repos_module  # noqa: E402
from chalicelib.settings import get_settings  # noqa: E402
from chalicelib.store.table import create_table  # noqa: E402
from local.seed import create_staff_pool  # noqa: E402
from local.tokens import generate_keys, mint  # noqa: E402

generate_keys(_KEYS)
PRIVATE_PEM = (_KEYS / "private.pem").read_bytes()


@pytest.fixture
def aws(monkeypatch):
    """A fresh moto account with the table and the staff pool; settings and caches reset."""
    with mock_aws():
        create_table(boto3.client("dynamodb", region_name="eu-west-1"), "duo-test")
        monkeypatch.setenv("DUO_USER_POOL_ID", create_staff_pool(boto3.client("cognito-idp", region_name="eu-west-1")))
        get_settings.cache_clear()
        boto3.client("ses", region_name="eu-west-1").verify_email_identity(EmailAddress=get_settings().mail_from)
        auth.reset()
        repos_module.use(None)
        yield
        repos_module.use(None)
        get_settings.cache_clear()


@pytest.fixture
def repos(aws):
    return repos_module.get()


@pytest.fixture
def seeded(repos):
    from local.seed import seed

    seed(repos)
    return repos


def token(role: str, branch: str | None = None, **kwargs) -> str:
    from local.seed import demo_subject

    kwargs.setdefault("subject", demo_subject(role, branch))
    return mint(PRIVATE_PEM, role=role, branch=branch, **kwargs)


def bearer(role: str, branch: str | None = None, **kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, branch, **kwargs)}", "Content-Type": "application/json"}


@pytest.fixture
def client(seeded):
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app) as c:
        yield c


def sent_mail() -> list[dict]:
    """What the app sent through (moto's) SES in this test: to, subject, body (text), newest last."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    backend = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"]
    return [
        {"to": m.destinations["ToAddresses"], "subject": m.subject, "body": m.body}
        for m in backend.sent_messages
    ]


@pytest.fixture
def frozen_clock():
    """The app's clock, fixed and movable: ``frozen_clock.set(dt)`` / ``frozen_clock.advance(hours=25)``."""
    from datetime import UTC, datetime, timedelta

    from chalicelib.services import clock

    class Frozen:
        def __init__(self) -> None:
            self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
            clock.set_now(self.now)

        def set(self, moment: datetime) -> None:
            self.now = moment
            clock.set_now(moment)

        def advance(self, **delta: float) -> datetime:
            self.set(self.now + timedelta(**delta))
            return self.now

    yield Frozen()
    clock.set_now(None)
