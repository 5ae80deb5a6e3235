"""What the signup tests (end-to-end and browser) and the signup benchmark need of the local stack.

Info sessions are created as a coordinator through the staff JSON API; signup bodies follow the
contract of ``POST /branches/{branch}/signups``; sent mail is read from moto's SES.
"""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from tests.stack import Stack

_slot = itertools.count()


def upcoming_start(days: int = 30, hour: str = "18:30") -> str:
    """A branch-local start time ``days`` from today, e.g. ``2026-12-24T18:30`` (no offset: branch time)."""
    return f"{(date.today() + timedelta(days=days)).isoformat()}T{hour}"


def create_session(stack: Stack, branch: str, *, capacity: int = 10, language: str = "nl",
                   audience: str = "both", days: int | None = None, hour: str = "18:30",
                   session_format: str = "in_person", address: str = "Rue du Test 1, 4000 Liège") -> dict[str, Any]:
    """A new info session of ``branch`` (staff API, as its coordinator); returns the API's answer.

    Without ``days`` each call takes another day, 20 to 60 days ahead, so sessions sort predictably.
    """
    if days is None:
        days = 20 + next(_slot) % 40
    body: dict[str, Any] = {
        "starts_at": upcoming_start(days, hour), "duration_minutes": 90, "format": session_format,
        "language": language, "audience": audience, "capacity": capacity,
    }
    if session_format == "in_person":
        body["address"] = address
    else:
        body["link"] = "https://meet.example.org/duo-info"
    answer = requests.post(f"{stack.api}/branches/{branch}/info-sessions", json=body,
                           headers=auth(stack, "coordinator", branch), timeout=30)
    assert answer.status_code == 201, f"creating an info session: {answer.status_code} {answer.text}"
    return answer.json()


def auth(stack: Stack, role: str, branch: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.cached_token(role, branch)}"}


def registrations(stack: Stack, branch: str, session_id: str) -> list[dict[str, Any]]:
    """The registrations of a session, through the staff API (as the branch's coordinator)."""
    answer = requests.get(f"{stack.api}/branches/{branch}/info-sessions/{session_id}/registrations",
                          headers=auth(stack, "coordinator", branch), timeout=30)
    assert answer.status_code == 200, f"listing registrations: {answer.status_code} {answer.text}"
    return list(answer.json()["items"])


def unique_email(prefix: str = "candidate") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.org"


def birth_date_for_age(age: int) -> str:
    """A date of birth that makes someone ``age`` today (about four months past a birthday)."""
    return (date.today() - timedelta(days=int(age * 365.25) + 120)).isoformat()


def mentee_body(session_id: str, email: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "role": "mentee", "session_id": session_id, "name": "Amina Test", "email": email,
        "phone": "+32 470 12 34 56", "birth_date": birth_date_for_age(24), "postcode": "2000", "city": "Antwerpen",
        "languages": [{"code": "ar", "level": "native"}, {"code": "nl", "level": "conversational"},
                      {"code": "en", "level": "fluent"}],
        "heard_from": "website", "consent": True, "language": "nl",
        "looking_for": ["job"], "sectors": ["logistics"], "education_level": "secondary",
        "work_permit": True, "migration_background": True,
    }
    return {**body, **overrides}


def mentor_body(session_id: str, email: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "role": "mentor", "session_id": session_id, "name": "Jan Test", "email": email,
        "phone": "+32 470 65 43 21", "birth_date": birth_date_for_age(58), "postcode": "2000", "city": "Antwerpen",
        "languages": [{"code": "nl", "level": "native"}], "heard_from": "mentor", "consent": True, "language": "nl",
        "profession": "Logistics manager", "sectors": ["logistics"], "available_six_months": True,
    }
    return {**body, **overrides}


def parse_utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- Mail ------------------------------------------------------------------------------------------
def sent_mail(stack: Stack, to: str, *, expected: int = 1, seconds: float = 10.0) -> list[Any]:
    """The mails the stack's (moto) SES accepted for ``to``, oldest first, once ``expected`` are there.

    Read from the stack's outbox (``local/outbox.py``: ``make run`` records every mail SES accepts);
    each has ``to``, ``subject`` and ``text``. Mail goes out after the answer, so this waits a little.
    """
    from local import outbox

    deadline = time.monotonic() + seconds
    while True:
        mails = outbox.read(stack.state_dir, to=to)
        if len(mails) >= expected or time.monotonic() > deadline:
            return mails
        time.sleep(0.1)
