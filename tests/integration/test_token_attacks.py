"""Hostile tokens against routes that hold personal data: each gets 401 or 403, never data.

``test_auth.py`` shows the verifier's refusals on ``/branches``; here every forged, stale or misdirected
token is aimed at a branch's people (list, one person, search, export) that hold a real signed-up
candidate, and the answer must carry none of that person's values.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import PRIVATE_PEM, bearer, token
from tests.integration.attack_helpers import shared_world
from tests.integration.signup_helpers import mentee_body, plan_session, sign_up

A, B = "antwerp", "ghent"
NAME, EMAIL, PHONE = "Zoltana Qwertyuiop", "zoltana.qwerty@example.org", "+32470998877"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"sub": "attacker", "iss": "duo-local", "aud": "duo-console", "token_use": "id", "iat": now,
              "nbf": now, "exp": now + 600, "cognito:groups": ["branch_admin"], "custom:branch": A}
    claims.update(overrides)
    return claims


def _public_pem() -> bytes:
    key = serialization.load_pem_private_key(PRIVATE_PEM, password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _hs256_with_public_key() -> str:
    """Algorithm confusion: HS256 with the (public) verification key as the HMAC secret."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "duo-local-1"}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    signature = hmac.new(_public_pem(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _tampered_signature() -> str:
    header, payload, signature = token("branch_admin", A).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{_b64(bytes(raw))}"


def _alg_none() -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "duo-local-1"}).encode())
    return f"{header}.{_b64(json.dumps(_claims()).encode())}."


def _other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(), key, algorithm="RS256", headers={"kid": "duo-local-1"})


def _admin(**kwargs) -> str:
    return token("branch_admin", A, **kwargs)


INVALID = {  # not a valid ID token of ours: 401
    "tampered signature": _tampered_signature,
    "alg none": _alg_none,
    "alg none, no signature part": lambda: _alg_none()[:-1],
    "HS256 with the public key as secret": _hs256_with_public_key,
    "signed with another key": _other_key,
    "unknown key id": lambda: _admin(kid="duo-other-1"),
    "expired": lambda: _admin(lifetime=-3600),
    "not yet valid (nbf)": lambda: _admin(extra={"nbf": int(time.time()) + 3600}),
    "issued in the future (iat)": lambda: _admin(extra={"iat": int(time.time()) + 3600}),
    "wrong issuer": lambda: _admin(issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_evil"),
    "wrong audience (another client)": lambda: _admin(audience="another-client-id"),
    "audience list without ours": lambda: _admin(extra={"aud": ["another-client-id"]}),
    "no expiry": lambda: jwt.encode({k: v for k, v in _claims().items() if k != "exp"}, PRIVATE_PEM,
                                    algorithm="RS256", headers={"kid": "duo-local-1"}),
    "access token": lambda: _admin(extra={"token_use": "access"}),
}


@pytest.fixture(scope="module")
def world():
    """One moto account for the module: the refused calls change nothing."""
    with shared_world(_person) as (client, person):
        yield client, person


@pytest.fixture
def client(world):
    return world[0]


@pytest.fixture
def person(world):
    return world[1]


def _person(client) -> str:
    """A real candidate of branch A, with values that must never show up in a refused answer."""
    session = plan_session(client, A)["id"]
    body = mentee_body(session, EMAIL, name=NAME, phone=PHONE)
    response = sign_up(client, A, body)
    assert response.status_code == 201, response.json_body
    from chalicelib.services import repos

    rows, _ = repos.get().candidates.list(A, role=None, status=None, limit=100, cursor=None)
    candidate = next(c for c in rows if c.email == EMAIL)
    own = client.http.get(f"/branches/{A}/candidates/{candidate.id}", headers=bearer("branch_admin", A))
    assert own.status_code == 200 and EMAIL in own.body.decode()  # the data is there for its own staff
    return candidate.id


def _routes(candidate_id: str, branch: str = A) -> list[str]:
    base = f"/branches/{branch}"
    return [f"{base}/candidates", f"{base}/candidates/{candidate_id}", f"{base}/search?q=Zoltana",
            f"{base}/candidates/{candidate_id}/export", f"{base}/candidates/{candidate_id}/events",
            f"{base}/privacy/audit", f"{base}/duos"]


def _assert_refused(response, statuses=(401, 403)) -> None:
    assert response.status_code in statuses, (response.status_code, response.body[:200])
    text = response.body.decode(errors="replace")
    for value in (NAME.split()[0], NAME.split()[1], EMAIL, PHONE):
        assert value not in text
    assert "items" not in (response.json_body or {})


@pytest.mark.parametrize("name", INVALID)
def test_invalid_tokens_get_401_on_personal_data(client, person, name):
    headers = {"Authorization": f"Bearer {INVALID[name]()}"}
    for path in _routes(person):
        response = client.http.get(path, headers=headers)
        _assert_refused(response, (401,))
        assert response.json_body["code"] == "unauthenticated"


@pytest.mark.parametrize("name", ["alg none", "HS256 with the public key as secret", "expired"])
def test_invalid_tokens_are_refused_on_the_console_cookie_too(client, person, name):
    response = client.http.get(f"/branches/{A}/console/people/{person}",
                               headers={"Cookie": f"duo_session={INVALID[name]()}"})
    assert response.status_code in (302, 303, 401, 403)
    assert EMAIL not in response.body.decode(errors="replace")


def test_a_branch_claim_that_is_not_onboarded_reaches_nothing(client, person):
    for role in ("coordinator", "branch_admin"):
        headers = bearer(role, "never-onboarded")
        for path in _routes(person):
            _assert_refused(client.http.get(path, headers=headers), (403,))
        for path in ("/branches/never-onboarded/candidates", "/branches/never-onboarded/search?q=Zoltana",
                     f"/branches/never-onboarded/candidates/{person}", "/branches/never-onboarded/duos"):
            _assert_refused(client.http.get(path, headers=headers), (403,))


def test_a_branch_claim_that_is_not_onboarded_cannot_write(client):
    headers = bearer("branch_admin", "never-onboarded")
    body = json.dumps({"starts_at": "2031-01-05T18:30", "format": "online", "link": "https://meet.example.org/x",
                       "language": "nl"})
    assert client.http.post("/branches/never-onboarded/info-sessions", headers=headers, body=body).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "branch_admin"])
def test_branch_tokens_on_head_office_routes_get_403(client, person, role):
    headers = bearer(role, A)
    for path in ("/branches", "/reports/network", "/reports/audits"):
        _assert_refused(client.http.get(path, headers=headers), (403,))
    body = json.dumps({"id": "never-onboarded", "name": "Atlantis", "country": "BE", "time_zone": "Europe/Brussels",
                       "languages": ["nl"]})
    assert client.http.post("/branches", headers=headers, body=body).status_code == 403


def test_a_forged_head_office_group_in_a_branch_token_is_refused(client, person):
    # Tampering the group claim breaks the signature: 401, not head-office rights.
    header, payload, signature = token("coordinator", A).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["head_office"]
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    for path in ("/reports/network", *_routes(person)):
        _assert_refused(client.http.get(path, headers={"Authorization": f"Bearer {forged}"}), (401,))


def test_head_office_token_on_personal_data_routes_gets_403(client, person):
    headers = bearer("head_office")
    for path in _routes(person):
        _assert_refused(client.http.get(path, headers=headers), (403,))


def test_branch_a_token_on_branch_b_routes_gets_403(client, person):
    for role in ("coordinator", "branch_admin"):
        headers = bearer(role, B)
        for path in _routes(person):  # A's routes with A's real person
            _assert_refused(client.http.get(path, headers=headers), (403,))
        headers = bearer(role, A)
        for path in _routes(person, B):  # B's routes: A's own token is no key to them
            _assert_refused(client.http.get(path, headers=headers), (403,))
