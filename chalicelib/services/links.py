"""Personal links: a random token in the link, only its hash in the table."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_link() -> tuple[str, str]:
    """A fresh token and the digest to store."""
    token = secrets.token_urlsafe(24)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token: str, digests: list[str]) -> bool:
    mine = digest(token)
    return any(hmac.compare_digest(mine, d) for d in digests)
