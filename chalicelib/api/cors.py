"""CORS per branch: a branch's own websites (``config.allowed_origins``) may call its public JSON routes.

Chalice's ``CORSConfig`` is static, one origin for the whole app; a branch's origins are data, so the
preflight is answered and the headers are set here. A browser request from a website that the branch
did not allow gets 403 (``origin_not_allowed``); requests without ``Origin`` (servers, curl) and from
the API's own host pass.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.errors import DuoError, ForbiddenError
from chalicelib.services import repos
from chalicelib.services.branches import get_public_branch

ALLOWED_HEADERS = "Content-Type, Idempotency-Key, X-Correlation-Id"
MAX_AGE_SECONDS = "600"


def _allowed_origins(branch_id: str) -> list[str]:
    if not branch_id:
        return []
    try:
        branch = get_public_branch(repos.get(), branch_id)
    except DuoError:
        return []  # the route itself answers 404 for an unknown or closed branch
    return list(branch.effective_config().get("allowed_origins") or [])


def _same_host(origin: str, headers: Any) -> bool:
    return urlsplit(origin).netloc.lower() == (headers.get("host") or "").lower()


def check(branch_id: str, headers: Any) -> dict[str, str]:
    """The CORS headers for this request (none without ``Origin``); 403 for a website not allowed."""
    origin = headers.get("origin")
    if not origin or _same_host(origin, headers):
        return {}
    if origin not in _allowed_origins(branch_id):
        raise ForbiddenError("This website may not use this branch's forms.", code="origin_not_allowed")
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def preflight_headers(branch_id: str, headers: Any, methods: list[str]) -> dict[str, str]:
    """The preflight's answer for an allowed origin; empty when the origin is not allowed."""
    origin = headers.get("origin")
    if not origin or origin not in _allowed_origins(branch_id):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join([*methods, "OPTIONS"]),
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": MAX_AGE_SECONDS,
        "Vary": "Origin",
    }
