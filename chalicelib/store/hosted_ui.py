"""Cognito's hosted UI (the OAuth 2.0 authorization-code flow of the console's public app client).

Only the URLs and the code-for-token exchange live here; the ID token it returns is verified by the
app's own verifier like any other token. Not tried against real Cognito yet: the unit tests run the
exchange against a fake token endpoint on loopback.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

from chalicelib.domain.errors import UnauthenticatedError, UnavailableError
from chalicelib.settings import get_settings

SCOPE = "openid email profile"


def configured() -> bool:
    s = get_settings()
    return bool(s.auth_domain and s.auth_client_id)


def base_url() -> str:
    """``https://<domain>``; a domain given with its scheme (a test's fake on loopback) is taken as is."""
    domain = get_settings().auth_domain
    return domain if "://" in domain else f"https://{domain}"


def callback_url() -> str:
    return f"{get_settings().public_url}/console/callback"


def authorize_url(state: str) -> str:
    s = get_settings()
    query = urlencode({
        "response_type": "code", "client_id": s.auth_client_id, "redirect_uri": callback_url(),
        "scope": SCOPE, "state": state,
    })
    return f"{base_url()}/oauth2/authorize?{query}"


def logout_url(after: str) -> str:
    return f"{base_url()}/logout?" + urlencode({"client_id": get_settings().auth_client_id, "logout_uri": after})


def exchange_code(code: str, timeout: float = 10.0) -> str:
    """The ID token for an authorization code (a public client: no secret)."""
    body = urlencode({
        "grant_type": "authorization_code", "client_id": get_settings().auth_client_id,
        "code": code, "redirect_uri": callback_url(),
    }).encode()
    request = urllib.request.Request(  # noqa: S310 - an https URL of our own configuration
        f"{base_url()}/oauth2/token", data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read(65536) or b"{}")
    except urllib.error.HTTPError as error:
        raise UnauthenticatedError("The sign-in code was refused: sign in again.") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise UnavailableError("The sign-in service did not answer: try again in a moment.") from error
    token = answer.get("id_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise UnauthenticatedError("The sign-in service sent no ID token: sign in again.")
    return token
