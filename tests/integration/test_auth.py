"""Every token that is not a valid ID token of ours gets 401; a valid one in the wrong role 403."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import PRIVATE_PEM, token


def _other_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _tampered() -> str:
    header, payload, signature = token("coordinator", "antwerp").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["head_office"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def _unsigned() -> str:
    claims = {"sub": "x", "iss": "duo-local", "aud": "duo-console", "exp": int(time.time()) + 600,
              "iat": int(time.time()), "cognito:groups": ["head_office"]}
    return jwt.encode(claims, key=None, algorithm="none", headers={"kid": "duo-local-1"})


BAD_TOKENS = {
    "missing": None,
    "not a jwt": "not-a-token",
    "tampered payload": _tampered(),
    "alg none": _unsigned(),
    "signed with another key": jwt.encode(
        {"sub": "x", "iss": "duo-local", "aud": "duo-console", "iat": int(time.time()),
         "exp": int(time.time()) + 600, "cognito:groups": ["head_office"]},
        _other_key(), algorithm="RS256", headers={"kid": "duo-local-1"}),
    "unknown key id": token("head_office", kid="someone-else"),
    "expired": token("head_office", lifetime=-120),
    "not yet valid": token("head_office", extra={"nbf": int(time.time()) + 3600}),
    "wrong issuer": token("head_office", issuer="https://evil.example"),
    "wrong audience": token("head_office", audience="another-app"),
    "access token": token("head_office", extra={"token_use": "access"}),
}


@pytest.mark.parametrize("name", BAD_TOKENS)
def test_invalid_tokens_get_401_and_no_data(client, name):
    value = BAD_TOKENS[name]
    headers = {"Authorization": f"Bearer {value}"} if value else {}
    response = client.http.get("/branches", headers=headers)
    assert response.status_code == 401
    assert response.json_body["code"] == "unauthenticated"
    assert "items" not in response.json_body


def test_a_bad_token_is_refused_before_the_body_is_read(client):
    response = client.http.post("/branches", headers={"Content-Type": "application/json"}, body="{not json")
    assert response.status_code == 401


def test_valid_token_in_the_wrong_role_gets_403_whatever_the_body(client):
    headers = {"Authorization": f"Bearer {token('coordinator', 'antwerp')}", "Content-Type": "application/json"}
    for body in ("{not json", json.dumps({"id": "x"}), ""):
        assert client.http.post("/branches", headers=headers, body=body).status_code == 403


@pytest.mark.parametrize("claims", [{"role": "nobody"}, {"role": "coordinator", "branch": None},
                                    {"role": "coordinator", "branch": "Not A Slug"}])
def test_tokens_without_a_usable_role_or_branch_get_403(client, claims):
    value = token(claims["role"], claims.get("branch"))
    response = client.http.get("/me", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 403


def test_me_tells_the_verified_role_and_branch(client):
    me = client.http.get("/me", headers={"Authorization": f"Bearer {token('coordinator', 'lille')}"}).json_body
    assert me["role"] == "coordinator" and me["branch"] == "lille"
    assert client.http.get("/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_signing_key_is_the_one_in_the_jwks():
    assert b"PRIVATE KEY" in PRIVATE_PEM
