"""Staff sign-in for the console: Cognito's hosted UI in AWS, a demo-user list on the laptop.

The session is the ID token itself, in an HttpOnly, Secure, SameSite=Lax cookie that lives as long
as the token. The local sign-in exists only when ``DUO_DEV_SIGNIN_KEY`` names the local signing key
(``make run`` and the test stack set it; AWS never does): without it its POST answers 404.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

from chalice import Response

from chalicelib.api import console_pages as web
from chalicelib.api.auth import authenticate_token, mint, token_expiry
from chalicelib.api.routing import PUBLIC, STATUS, Call, route
from chalicelib.domain.branches import is_branch_id
from chalicelib.domain.errors import DuoError, ForbiddenError, InvalidInputError, NotFoundError, UnavailableError
from chalicelib.domain.roles import STAFF_ROLES, Role
from chalicelib.domain.texts import N_
from chalicelib.observability import log_failure, logger, metrics
from chalicelib.services import branches, repos, staff
from chalicelib.settings import get_settings
from chalicelib.store import hosted_ui

TAGS = ("console",)
STAFF = frozenset(STAFF_ROLES)
SIGNED_IN = frozenset({*STAFF_ROLES, Role.HEAD_OFFICE})
LOCAL_LIFETIME = 8 * 3600  # a demo session lasts a working day
NONCE_AGE = 15 * 60


def _page(path: str) -> Callable[[Callable[[Call], Response]], Callable[[Call], Response]]:
    """Public console pages (sign-in, callback): refusals as console pages too."""

    def decorate(handler: Callable[[Call], Response]) -> Callable[[Call], Response]:
        @functools.wraps(handler)
        def wrapper(call: Call) -> Response:
            call.extra.setdefault("path", path)
            try:
                return handler(call)
            except DuoError as error:
                status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
                logger.info("sign-in refused", extra={"status": status, "code": error.code})
                return web.error_page(call, status, error.message, error.fields, error.code)
            except Exception as failure:
                log_failure("sign-in failed", failure)
                metrics.add_metric(name="UnhandledError", unit="Count", value=1)
                return web.error_page(call, 500)

        return wrapper

    return decorate


def _session(response: Response, token: str) -> Response:
    """Set the session cookie for as long as the token is valid."""
    max_age = token_expiry(token) - int(time.time())
    return web.add_cookie(response, web.cookie(web.SESSION_COOKIE, token, max_age))


def _home(principal_branch: str | None) -> str:
    return f"/branches/{principal_branch}/console" if principal_branch else "/console/head-office"


# The local head-office user (local/seed.py's ``demo_subject("head_office")``: not in the table, in no branch).
DEMO_HEAD_OFFICE = str(uuid.uuid5(uuid.NAMESPACE_URL, "duo-demo:head_office:"))


def _form(call: Call) -> dict[str, str]:
    raw = call.extra["request"].raw_body or b""
    if len(raw) > get_settings().max_body_bytes:
        raise InvalidInputError("The form is too large.")
    try:
        values = parse_qs(raw.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInputError("The form could not be read.") from None
    return {k: v[0] for k, v in values.items()}


def _demo_staff() -> list[dict]:
    """Every branch's staff, by branch (the local table holds the demo users of ``make run``)."""
    r = repos.get()
    groups: list[dict] = []
    cursor = None
    while True:
        rows, cursor = branches.list_branches(r, 100, cursor)
        for row in rows:
            members = [m for m in staff.list_staff(r, row["id"]) if m.role in STAFF_ROLES]
            if members:
                groups.append({"id": row["id"], "name": row["name"], "members": members})
        if cursor is None:
            return groups


@route("/console/sign-in", "GET", summary="Sign in to the console (HTML; in AWS: to Cognito's hosted UI)",
       roles=PUBLIC, page=True, tags=TAGS)
@_page("/console/sign-in")
def sign_in_page(call: Call) -> Response:
    settings = get_settings()
    next_path = web.safe_next(web.query(call).get("next"), "")
    nonce = secrets.token_urlsafe(24)
    if not settings.dev_signin_key:
        if not hosted_ui.configured():
            raise UnavailableError("Sign-in is not configured.")
        response = web.redirect(hosted_ui.authorize_url(nonce), 302)
        return web.add_cookie(response, web.cookie(web.STATE_COOKIE, quote(f"{nonce} {next_path}", safe=""),
                                                   NONCE_AGE))
    response = web.render_page(call, "console/sign_in.html", groups=_demo_staff(), nonce=nonce,
                               next_path=next_path, branch=None, head_office_id=DEMO_HEAD_OFFICE)
    return web.add_cookie(response, web.cookie(web.SIGNIN_COOKIE, nonce, NONCE_AGE))


@route("/console/sign-in", "POST", summary="Sign in as a demo staff member (local stack only; HTML)",
       roles=PUBLIC, page=True, tags=TAGS)
@_page("/console/sign-in")
def sign_in_submit(call: Call) -> Response:
    settings = get_settings()
    if not settings.dev_signin_key:
        raise NotFoundError("There is no such page.")
    form = _form(call)
    expected = web.cookies(call.extra["request"]).get(web.SIGNIN_COOKIE, "")
    if not expected or not hmac.compare_digest(form.get("signin", "").encode(), expected.encode()):
        raise ForbiddenError("This sign-in form has expired: open the sign-in page again.", code="csrf")
    branch_id, staff_id = form.get("branch", ""), form.get("staff_id", "")
    if not branch_id and staff_id == DEMO_HEAD_OFFICE:
        return _signed_in(form, mint(
            Path(settings.dev_signin_key).read_bytes(), role=Role.HEAD_OFFICE.value, subject=DEMO_HEAD_OFFICE,
            lifetime=LOCAL_LIFETIME, issuer=settings.token_issuer, audience=settings.token_audience,
            extra={"cognito:username": DEMO_HEAD_OFFICE}))
    if not is_branch_id(branch_id) or not staff_id or len(staff_id) > 64:
        raise NotFoundError("There is no such staff member.")
    member = staff.get_staff(repos.get(), branch_id, staff_id)
    if member.role not in STAFF_ROLES:
        raise ForbiddenError("This account has no role in the console.")
    token = mint(
        Path(settings.dev_signin_key).read_bytes(), role=member.role.value, branch=member.branch,
        subject=member.id, lifetime=LOCAL_LIFETIME, issuer=settings.token_issuer, audience=settings.token_audience,
        extra={"cognito:username": member.id},
    )
    return _signed_in(form, token)


def _signed_in(form: dict[str, str], token: str) -> Response:
    principal = authenticate_token(token)  # the very check every console page makes
    logger.info("console signed in (local)", extra={"staff_id": principal.staff_id})
    response = web.redirect(web.safe_next(form.get("next"), _home(principal.branch)))
    _session(response, token)
    return web.add_cookie(response, web.clear_cookie(web.SIGNIN_COOKIE))


@route("/console/callback", "GET", summary="Where Cognito's hosted UI returns after sign-in (HTML)",
       roles=PUBLIC, page=True, tags=TAGS)
@_page("/console/callback")
def callback(call: Call) -> Response:
    query = web.query(call)
    state, _, next_path = unquote(web.cookies(call.extra["request"]).get(web.STATE_COOKIE, "")).partition(" ")
    sent = query.get("state") or ""
    if not state or not hmac.compare_digest(sent.encode(), state.encode()):
        raise ForbiddenError("This sign-in has expired: sign in again.", code="state_mismatch")
    code = query.get("code") or ""
    if not code or len(code) > 2048:
        raise InvalidInputError(N_("The sign-in did not complete: sign in again."))
    token = hosted_ui.exchange_code(code)
    principal = authenticate_token(token)
    logger.info("console signed in", extra={"staff_id": principal.staff_id})
    response = web.redirect(web.safe_next(next_path, _home(principal.branch)))
    _session(response, token)
    return web.add_cookie(response, web.clear_cookie(web.STATE_COOKIE))


@route("/console/sign-out", "POST", summary="Sign out of the console (HTML)", roles=SIGNED_IN, console=True,
       tags=TAGS)
def sign_out(call: Call) -> Response:
    after = f"{get_settings().public_url}{web.SIGN_IN}"
    if not get_settings().dev_signin_key and hosted_ui.configured():
        response = web.redirect(hosted_ui.logout_url(after))  # ends the hosted UI's own session too
    else:
        response = web.redirect(web.SIGN_IN)
    return web.add_cookie(response, web.clear_cookie(web.SESSION_COOKIE))


@route("/console", "GET", summary="The console: to the signed-in staff member's branch (HTML)", roles=SIGNED_IN,
       console=True, tags=TAGS)
def console_home(call: Call) -> Response:
    return web.redirect(_home(call.principal.branch))
