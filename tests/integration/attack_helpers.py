"""A moto account shared by a whole test module: for attack tests that change nothing (each shows it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest


@contextmanager
def shared_world(make: Callable[[Any], Any]) -> Iterator[tuple[Any, Any]]:
    """conftest's ``aws``/``seeded``/``client`` fixtures, once; ``make(client)`` builds the module's objects."""
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    import app as app_module
    from chalicelib.api import auth
    from chalicelib.services import repos as repos_module
    from chalicelib.settings import get_settings
    from chalicelib.store.table import create_table
    from local.seed import create_staff_pool, seed

    with pytest.MonkeyPatch.context() as patch, mock_aws():
        create_table(boto3.client("dynamodb", region_name="eu-west-1"), "duo-test")
        patch.setenv("DUO_USER_POOL_ID", create_staff_pool(boto3.client("cognito-idp", region_name="eu-west-1")))
        get_settings.cache_clear()
        boto3.client("ses", region_name="eu-west-1").verify_email_identity(EmailAddress=get_settings().mail_from)
        auth.reset()
        repos_module.use(None)
        seed(repos_module.get())
        try:
            with Client(app_module.app) as client:
                yield client, make(client)
        finally:
            repos_module.use(None)
            get_settings.cache_clear()
