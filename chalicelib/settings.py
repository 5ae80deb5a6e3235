"""Settings read from the environment, once per process (tests may reset the cache).

Locally `make run` exports these; in AWS the merged CloudFormation template sets them.
Endpoints are not settings of ours: boto3 honours ``AWS_ENDPOINT_URL`` for every client,
which is how the local stack points DynamoDB, STS and Cognito at moto's server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDER_STREAM_ARN = "arn:aws:dynamodb:eu-west-1:000000000000:table/duo/stream/replaced-by-infra"


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    tenant_role_arn: str
    jwks_url: str
    token_issuer: str
    token_audience: str
    user_pool_id: str
    stream_arn: str
    max_body_bytes: int
    mail_from: str
    public_url: str
    # The console's sign-in. Locally: the path of the key that signs demo tokens (never set in AWS,
    # where Cognito's hosted UI at ``auth_domain`` signs staff in through the ``auth_client_id`` app client).
    dev_signin_key: str = ""
    auth_domain: str = ""
    auth_client_id: str = ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-1"
    return Settings(
        table_name=env.get("DUO_TABLE", "duo"),
        region=region,
        tenant_role_arn=env.get("DUO_TENANT_ROLE_ARN", "arn:aws:iam::123456789012:role/duo-tenant"),
        jwks_url=env.get("DUO_JWKS_URL", ""),
        token_issuer=env.get("DUO_TOKEN_ISSUER", "duo-local"),
        token_audience=env.get("DUO_TOKEN_AUDIENCE", "duo-console"),
        user_pool_id=env.get("DUO_USER_POOL_ID", ""),
        stream_arn=env.get("DUO_TABLE_STREAM_ARN", PLACEHOLDER_STREAM_ARN),
        max_body_bytes=int(env.get("DUO_MAX_BODY_BYTES", str(64 * 1024))),
        # The verified SES sender of every mail, and the base of the links in them.
        mail_from=env.get("DUO_MAIL_FROM", "DUO for a JOB <no-reply@duo.example>"),
        public_url=env.get("DUO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        dev_signin_key=env.get("DUO_DEV_SIGNIN_KEY", ""),
        auth_domain=env.get("DUO_AUTH_DOMAIN", "").rstrip("/"),
        auth_client_id=env.get("DUO_AUTH_CLIENT_ID", ""),
    )
