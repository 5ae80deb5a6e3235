"""Info sessions and candidates made through the API in-process (``chalice.test.Client``)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

from chalicelib.services import repos as repos_module
from chalicelib.services.links import new_link
from tests.conftest import bearer


def plan_session(client, branch: str, **fields: Any) -> dict[str, Any]:
    """A new info session of ``branch``, planned by its coordinator; the API's answer."""
    body = {"starts_at": f"{date.today() + timedelta(days=30)}T18:30", "format": "in_person",
            "address": "Kerkstraat 1, 2000 Antwerpen", "language": "nl", "capacity": 10, **fields}
    answer = client.http.post(f"/branches/{branch}/info-sessions", headers=bearer("coordinator", branch),
                              body=json.dumps(body))
    assert answer.status_code == 201, answer.body
    return json.loads(answer.body)


def mentee_body(session_id: str, email: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "role": "mentee", "session_id": session_id, "name": "Amal Benali",
        "email": email or f"amal.{uuid.uuid4().hex[:8]}@example.org", "phone": "+32 470 12 34 56",
        "birth_date": "2001-04-02", "postcode": "2000", "city": "Antwerpen",
        "languages": [{"code": "ar", "level": "native"}, {"code": "nl", "level": "conversational"}],
        "heard_from": "website", "consent": True, "looking_for": ["job"], "sectors": ["logistics"],
        "education_level": "secondary", "work_permit": True, "migration_background": True, **fields,
    }


def mentor_body(session_id: str, email: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "role": "mentor", "session_id": session_id, "name": "Jan Peeters",
        "email": email or f"jan.{uuid.uuid4().hex[:8]}@example.org", "phone": "+32 3 123 45 67",
        "birth_date": "1958-09-14", "postcode": "2000", "city": "Antwerpen",
        "languages": [{"code": "nl", "level": "native"}], "heard_from": "mentor", "consent": True,
        "profession": "Logistics manager", "sectors": ["logistics"], "available_six_months": True, **fields,
    }


def mentee_form(session_id: str) -> dict[str, Any]:
    """The same mentee as the signup page's form-encoded fields."""
    body = mentee_body(session_id)
    form = {k: v for k, v in body.items() if k not in ("languages", "consent", "work_permit", "migration_background")}
    form.update({"language_1": "ar", "level_1": "native", "language_2": "nl", "level_2": "conversational",
                 "consent": "yes", "work_permit": "yes", "migration_background": "yes", "website": "",
                 "form_token": uuid.uuid4().hex})
    return form


def sign_up(client, branch: str, body: dict[str, Any], **headers: str):
    return client.http.post(f"/branches/{branch}/signups", headers={"Content-Type": "application/json", **headers},
                            body=json.dumps(body))


def sign_up_candidate(client, branch: str, session_id: str) -> tuple[str, str]:
    """A registered mentee of ``branch`` and a valid personal-link token of theirs."""
    email = f"amal.{uuid.uuid4().hex[:8]}@example.org"
    assert sign_up(client, branch, mentee_body(session_id, email)).status_code == 201
    repos = repos_module.get()
    rows, _ = repos.candidates.list(branch, role=None, status=None, limit=100, cursor=None)
    candidate = next(c for c in rows if c.email == email)
    token, digest = new_link()
    repos.candidates.add_link(branch, candidate.id, digest)
    return candidate.id, token
