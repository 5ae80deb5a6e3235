"""The public signup as a JSON API, for branches whose own website embeds or replaces the form."""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

from chalice import Response

from chalicelib.api.routing import PUBLIC, Call, route
from chalicelib.api.signup_schemas import RoleQuery, SessionList, SessionPublic, SignupIn, SignupReceiptOut
from chalicelib.domain.candidates import CandidateRole
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.sessions import InfoSession
from chalicelib.services import branches, repos, signup

TAGS = ("signup",)
_KEY = re.compile(r"[\x21-\x7e]{8,128}")


def session_public(session: InfoSession, time_zone: str) -> dict:
    return {
        "id": session.id,
        "starts_at": session.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "local_start": session.starts_at.astimezone(ZoneInfo(time_zone)).isoformat(),
        "ends_at": session.ends_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "format": session.format,
        "address": session.address,
        "link": session.link,
        "language": session.language,
        "audience": session.audience,
        "seats_left": session.seats_left,
    }


def _full(error: signup.SessionFullError, call: Call) -> Response:
    """409 in the platform's error shape, plus the next sessions with free seats to choose from."""
    tz = branches.get_branch(repos.get(), call.params["branch"]).time_zone
    body = {
        "code": error.code,
        "message": error.message,
        "fields": error.fields,
        "next_sessions": [session_public(s, tz) for s in error.next_sessions],
    }
    return Response(body=json.dumps(body), status_code=409, headers={"Content-Type": "application/json"})


@route("/branches/{branch}/public/sessions", "GET", summary="Upcoming info sessions with free seats",
       roles=PUBLIC, query=RoleQuery, response=SessionList, tags=TAGS, cors=True)
def upcoming(call: Call) -> SessionList:
    r = repos.get()
    branch = signup.open_branch(r, call.params["branch"])
    role = CandidateRole(call.query.role) if call.query.role else None
    rows = signup.open_sessions(r, branch, role)
    return SessionList(items=[SessionPublic(**session_public(s, branch.time_zone)) for s in rows])


@route("/branches/{branch}/signups", "POST", summary="Sign up for an info session (mentee or mentor)",
       roles=PUBLIC, body=SignupIn, response=SignupReceiptOut, status=201, tags=TAGS, cors=True)
def sign_up(call: Call) -> SignupReceiptOut:
    key = call.headers.get("idempotency-key")
    if key is not None and not _KEY.fullmatch(key):
        raise InvalidInputError(
            "The Idempotency-Key header is not valid.", {"Idempotency-Key": "Use 8 to 128 visible ASCII characters."}
        )
    try:
        receipt = signup.sign_up(repos.get(), call.params["branch"], call.body, idempotency_key=key)
    except signup.SessionFullError as full:
        return _full(full, call)
    return SignupReceiptOut(
        session=SessionPublic(**session_public(receipt.session, receipt.branch.time_zone)),
        message="Thank you. We sent a confirmation by mail, with a link to change or cancel your registration.",
    )
