"""Which credentials touch the table: a branch's own, or the platform's.

In AWS the Lambda's role may only touch platform items (the registry, branch settings and
staff invitations); none of them is a candidate's data. Everything else of a branch is read and
written with credentials from
``sts:AssumeRole`` on the tenant role, tagged ``branch=<id>``; that role's policy allows only
partition keys under ``T#<branch>#`` (``dynamodb:LeadingKeys``), so even a bug in a handler
cannot reach another branch. Credentials are cached per branch until shortly before expiry.

PynamoDB caches one connection per model class; ``TableItem._get_connection`` instead returns
the connection of the scope entered here, and refuses to run outside one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import botocore.session
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError
from pynamodb.connection import Connection, TableConnection
from pynamodb.connection.base import MetaTable
from pynamodb.exceptions import VerboseClientError

from chalicelib.domain.errors import ConflictError, UnavailableError
from chalicelib.settings import get_settings
from chalicelib.store import aws

TENANT_TAG = "branch"
_REFRESH_MARGIN_SECONDS = 300
_SESSION_SECONDS = 3600

_current: ContextVar[TableConnection | None] = ContextVar("duo_table_connection", default=None)


class ScopeError(RuntimeError):
    """DynamoDB was used outside a tenant or platform scope."""


def current_connection() -> TableConnection:
    conn = _current.get()
    if conn is None:
        raise ScopeError("DynamoDB access outside a tenant or platform scope")
    return conn


def _meta_table(schema: dict[str, Any], table_name: str) -> MetaTable:
    return MetaTable(
        {
            "TableName": table_name,
            "KeySchema": schema["key_schema"],
            "AttributeDefinitions": schema["attribute_definitions"],
            "GlobalSecondaryIndexes": [
                {"IndexName": i["index_name"], "KeySchema": i["key_schema"]}
                for i in schema["global_secondary_indexes"]
            ],
        }
    )


class _Connection(Connection):
    """PynamoDB's connection, with sessions that share botocore's loaded definitions."""

    @property
    def session(self) -> botocore.session.Session:
        if getattr(self._local, "session", None) is None:
            session = aws.new_session()
            if self._aws_access_key_id and self._aws_secret_access_key:
                session.set_credentials(self._aws_access_key_id, self._aws_secret_access_key, self._aws_session_token)
            self._local.session = session
        return self._local.session

    def _make_api_call(self, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        """botocore's own retries first (throttling, 5xx, dropped connections); what is still failing
        after them becomes a retryable error of the domain (503), and a transaction cancelled only by
        another one in flight (``TransactionConflict``) a conflict (409): neither wrote anything, and
        neither may be read as a failed condition by the store's callers."""
        try:
            return super()._make_api_call(operation_name, operation_kwargs)
        except VerboseClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            reasons = {r.code for r in error.cancellation_reasons if r is not None}
            if code == "TransactionCanceledException" and "TransactionConflict" in reasons:
                raise ConflictError("This was changed by someone else at the same moment; please try again.",
                                    code="transaction_conflict") from error
            if code in RETRYABLE_CODES or "ThrottlingError" in reasons or "ProvisionedThroughputExceeded" in reasons:
                raise UnavailableError("The service is busy; please try again shortly.", code="busy") from error
            raise
        except (BotoConnectionError, HTTPClientError) as error:  # dropped or timed out, after the retries
            raise UnavailableError("The service could not be reached; please try again shortly.",
                                   code="busy") from error


RETRYABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
})


class Scopes:
    """Hands out table connections: one for the platform, one per branch (cached)."""

    def __init__(self, sts_client: Any = None) -> None:
        self._settings = get_settings()
        self._sts = sts_client
        self._lock = threading.Lock()
        self._tenants: dict[str, tuple[TableConnection, float]] = {}
        self._platform: TableConnection | None = None

    def _connection(self, **credentials: str | None) -> TableConnection:
        from chalicelib.store.models import TableItem

        s = self._settings
        table = TableConnection(s.table_name, region=s.region)
        table.connection = _Connection(region=s.region, max_retry_attempts=3, **credentials)
        table.connection.add_meta_table(_meta_table(TableItem._get_schema(), s.table_name))
        return table

    def _assume(self, branch: str) -> tuple[TableConnection, float]:
        if self._sts is None:
            self._sts = aws.client("sts", self._settings.region)
        creds = self._sts.assume_role(
            RoleArn=self._settings.tenant_role_arn,
            RoleSessionName=f"duo-{branch}"[:64],
            DurationSeconds=_SESSION_SECONDS,
            Tags=[{"Key": TENANT_TAG, "Value": branch}],
        )["Credentials"]
        conn = self._connection(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        return conn, creds["Expiration"].timestamp() - _REFRESH_MARGIN_SECONDS

    def tenant_connection(self, branch: str) -> TableConnection:
        with self._lock:
            cached = self._tenants.get(branch)
            if cached is None or cached[1] <= time.time():
                cached = self._assume(branch)
                self._tenants[branch] = cached
            return cached[0]

    def platform_connection(self) -> TableConnection:
        with self._lock:
            if self._platform is None:
                self._platform = self._connection()
            return self._platform

    @contextmanager
    def tenant(self, branch: str) -> Iterator[TableConnection]:
        """Run the block with ``branch``'s own credentials."""
        with _entered(self.tenant_connection(branch)) as conn:
            yield conn

    @contextmanager
    def platform(self) -> Iterator[TableConnection]:
        """Run the block with the platform's credentials (registry and branch settings only)."""
        with _entered(self.platform_connection()) as conn:
            yield conn


@contextmanager
def _entered(conn: TableConnection) -> Iterator[TableConnection]:
    token = _current.set(conn)
    try:
        yield conn
    finally:
        _current.reset(token)
