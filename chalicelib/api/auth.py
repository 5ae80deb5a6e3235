"""Bearer-token verification: the one place that turns a request into a verified Principal.

Tokens are Cognito ID tokens (RS256, JWKS): ``cognito:groups`` gives the role and
``custom:branch`` the branch. Locally ``make run`` generates the key pair and serves the JWKS
from a file. Runs before any body is parsed: a bad token never reaches validation.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlparse

from chalicelib.domain.branches import is_branch_id
from chalicelib.domain.errors import ForbiddenError, UnauthenticatedError
from chalicelib.domain.roles import Principal, Role, role_from_groups
from chalicelib.settings import get_settings

_ALGORITHMS = ["RS256"]


class TokenVerifier:
    def __init__(self, jwks_url: str, issuer: str, audience: str) -> None:
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._client: Any = None

    def _key(self, kid: str) -> Any:
        import jwt

        with self._lock:
            if kid not in self._keys and self._jwks_url.startswith("file://"):
                with open(urlparse(self._jwks_url).path, encoding="utf-8") as f:
                    jwks = jwt.PyJWKSet.from_dict(json.load(f))
                self._keys = {k.key_id: k.key for k in jwks.keys}
            elif kid not in self._keys:
                if self._client is None:
                    self._client = jwt.PyJWKClient(self._jwks_url, cache_keys=True, lifespan=3600)
                self._keys[kid] = self._client.get_signing_key(kid).key
            if kid not in self._keys:
                raise UnauthenticatedError("The token was signed with an unknown key.")
            return self._keys[kid]

    def verify(self, token: str) -> Principal:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in _ALGORITHMS or not isinstance(header.get("kid"), str):
                raise UnauthenticatedError("The token is not signed the way we expect.")
            claims = jwt.decode(
                token,
                self._key(header["kid"]),
                algorithms=_ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise UnauthenticatedError("The token has expired: sign in again.") from None
        except (jwt.PyJWTError, jwt.PyJWKClientError, OSError, ValueError):
            raise UnauthenticatedError("The token is not valid.") from None
        if claims.get("token_use", "id") != "id":
            raise UnauthenticatedError("Use an ID token.")
        return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    groups = claims.get("cognito:groups") or []
    role = role_from_groups(groups if isinstance(groups, list) else [])
    if role is None:
        raise ForbiddenError("This account has no role in duo.")
    branch = claims.get("custom:branch")
    subject = str(claims["sub"])
    # Cognito puts the user's Username (our staff id) in ``cognito:username``; local demo tokens sign
    # as ``sub`` == staff id.
    staff_id = str(claims.get("cognito:username") or subject)
    if role is Role.HEAD_OFFICE:
        return Principal(role=role, subject=subject, staff_id=staff_id)
    if not isinstance(branch, str) or not is_branch_id(branch):
        raise ForbiddenError("This account is not attached to a branch.")
    return Principal(role=role, subject=subject, branch=branch, staff_id=staff_id)


_verifier: TokenVerifier | None = None


def verifier() -> TokenVerifier:
    global _verifier
    if _verifier is None:
        s = get_settings()
        _verifier = TokenVerifier(s.jwks_url, s.token_issuer, s.token_audience)
    return _verifier


def reset() -> None:
    """Forget the cached verifier (settings changed, e.g. in tests)."""
    global _verifier
    _verifier = None


def authenticate_token(token: str | None) -> Principal:
    """The verified caller of a token however it came (bearer header, or the console's cookie)."""
    if not token or not token.strip():
        raise UnauthenticatedError("Sign in: this needs a token.")
    return verifier().verify(token.strip())


def authenticate(headers: dict[str, str]) -> Principal:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("Sign in: this needs a bearer token.")
    return authenticate_token(token)


def token_expiry(token: str) -> int:
    """The ``exp`` of a token that ``authenticate_token`` accepted (unix seconds)."""
    import jwt

    return int(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))


LOCAL_KID = "duo-local-1"


def mint(
    private_pem: bytes,
    *,
    role: str,
    branch: str | None = None,
    subject: str | None = None,
    lifetime: int = 3600,
    issuer: str = "duo-local",
    audience: str = "duo-console",
    kid: str = LOCAL_KID,
    extra: dict | None = None,
) -> str:
    """A token shaped like a Cognito ID token, signed with a local key: the local stack's stand-in for
    Cognito (``make token`` and the console's local sign-in). In AWS the verifier only trusts Cognito's
    keys, so a token minted here is worthless there."""
    import time
    import uuid

    import jwt

    now = int(time.time())
    claims = {
        "sub": subject or str(uuid.uuid4()),
        "iss": issuer,
        "aud": audience,
        "token_use": "id",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "cognito:groups": [role],
        **({"custom:branch": branch} if branch else {}),
        **(extra or {}),
    }
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid})
