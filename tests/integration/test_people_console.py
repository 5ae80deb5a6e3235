"""People in the console: sessions and attendance, the person page and its forms, search, caseloads."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest

from chalicelib.api.routing import csrf_for
from chalicelib.services import repos as repos_module
from local.seed import demo_subject
from tests.conftest import token
from tests.integration.people_helpers import bring_to
from tests.integration.signup_helpers import mentor_body, plan_session, sign_up, sign_up_candidate

B = "antwerp"
BASE = f"/branches/{B}/console"


class Browser:
    """A signed-in console user: the session cookie on every request, the CSRF field on every form."""

    def __init__(self, client, role: str = "coordinator") -> None:
        self.client, self.token = client, token(role, B)

    def get(self, path: str):
        return self.client.http.get(path, headers={"Cookie": f"duo_session={self.token}", "Accept-Language": "en"})

    def post(self, path: str, form: dict, csrf: bool = True):
        body = {**({"csrf": csrf_for(self.token)} if csrf else {}), **form}
        return self.client.http.post(path, body=urlencode(body, doseq=True), headers={
            "Cookie": f"duo_session={self.token}", "Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def session(client):
    return plan_session(client, B)["id"]


def _candidate(cid: str):
    return repos_module.get().candidates.get(B, cid)


def _page(answer) -> str:
    assert answer.status_code == 200, answer.body[:500]
    return answer.body.decode()


def _redirected(answer, to: str) -> None:
    assert answer.status_code == 303, answer.body[:500]
    assert answer.headers["Location"].startswith(to), answer.headers["Location"]


def test_the_attendance_form_marks_every_row_at_once(browser, client, session):
    a, _ = sign_up_candidate(client, B, session)
    b, _ = sign_up_candidate(client, B, session)
    assert f"/console/sessions/{session}" in _page(browser.get(f"{BASE}/sessions"))
    page = _page(browser.get(f"{BASE}/sessions/{session}"))
    assert f'name="mark_{a}"' in page and f'name="mark_{b}"' in page and csrf_for(browser.token) in page
    answer = browser.post(f"{BASE}/sessions/{session}/attendance", {f"mark_{a}": "attended", f"mark_{b}": "no_show"})
    _redirected(answer, f"{BASE}/sessions/{session}?done=saved")
    assert _candidate(a).status.value == "attended" and _candidate(b).status.value == "no_show"
    page = _page(browser.get(f"{BASE}/sessions/{session}"))
    assert f'data-candidate="{a}" data-status="attended"' in page
    assert f'data-candidate="{b}" data-status="no_show"' in page


def test_a_console_post_without_csrf_is_refused_and_changes_nothing(browser, client, session):
    a, _ = sign_up_candidate(client, B, session)
    answer = browser.post(f"{BASE}/sessions/{session}/attendance", {f"mark_{a}": "attended"}, csrf=False)
    assert answer.status_code == 403
    assert _candidate(a).status.value == "registered"


def test_the_person_page_schedules_and_records_an_intake_and_shows_the_timeline(browser, client, session):
    cid, _ = sign_up_candidate(client, B, session)
    page = _page(browser.get(f"{BASE}/people/{cid}"))
    assert "Amal Benali" in page and 'action="' + f"{BASE}/people/{cid}/intake-schedule" in page
    assert 'data-kind="candidate.signed_up"' in page
    answer = browser.post(f"{BASE}/people/{cid}/intake-schedule", {"at_date": "2026-12-01", "at_time": "10:00",
                                                                  "version": "0"})
    _redirected(answer, f"{BASE}/people/{cid}?done=saved")
    c = _candidate(cid)
    assert c.status.value == "intake_scheduled" and c.intake["scheduled_at"] == "2026-12-01T09:00:00Z"
    page = _page(browser.get(f"{BASE}/people/{cid}"))
    assert 'id="intake-form"' in page and "2026-12-01 10:00" in page and 'data-kind="intake.scheduled"' in page
    # A bad form comes back with its messages and what was typed.
    answer = browser.post(f"{BASE}/people/{cid}/intake", {"experience": "Forklift driver", "decision": "not_suitable",
                                                         "version": str(c.version)})
    assert answer.status_code == 400 and "Forklift driver" in answer.body.decode()
    assert 'id="reason-error"' in answer.body.decode()
    form = {"experience": "Forklift driver", "help_needs": ["cv", "network"], "availability": ["tue_evening"],
            "language_0": "nl", "level_0": "fluent", "sectors": ["logistics"], "notes": "Calm",
            "decision": "ready", "version": str(c.version)}
    _redirected(browser.post(f"{BASE}/people/{cid}/intake", form), f"{BASE}/people/{cid}")
    c = _candidate(cid)
    assert c.status.value == "ready" and c.help_needs == ["cv", "network"]
    assert c.intake["experience"] == "Forklift driver"
    page = _page(browser.get(f"{BASE}/people/{cid}"))
    assert f"/console/pair?candidate={cid}" in page and 'data-kind="intake.recorded"' in page
    assert "Forklift driver" in page


def test_the_intake_form_records_interests_digital_skills_and_a_mentors_help_offers(browser, client, session):
    email = f"jan.{uuid.uuid4().hex[:8]}@example.org"
    assert sign_up(client, B, mentor_body(session, email)).status_code == 201
    rows, _ = repos_module.get().candidates.list(B, role="mentor", status=None, limit=50, cursor=None)
    mentor = next(c.id for c in rows if c.email == email)
    version = bring_to(B, mentor, "intake_scheduled")
    page = _page(browser.get(f"{BASE}/people/{mentor}"))
    for control in ('name="help_offers" value="interview_practice"', 'name="interests" value="sport"',
                    'type="radio" id="digital-advanced" name="digital_skills" value="advanced"'):
        assert control in page, control
    assert '<label for="offer-cv">' in page and '<label for="interest-sport">' in page
    assert '<label for="digital-advanced">' in page and 'name="help_needs"' not in page  # needs: mentees only
    form = {"help_offers": ["cv", "interview_practice"], "interests": ["sport", "film"], "digital_skills": "advanced",
            "availability": ["tue_evening"], "decision": "ready", "version": str(version)}
    # Too many interests: the form comes back with the message at the field and every choice kept.
    many = {**form, "interests": ["sport", "music", "cooking", "reading", "travel", "art", "film"]}
    answer = browser.post(f"{BASE}/people/{mentor}/intake", many)
    html = answer.body.decode()
    assert answer.status_code == 400 and 'id="interests-error"' in html and 'href="#interests"' in html
    assert 'id="interest-film" name="interests" value="film" checked' in html
    assert 'id="offer-interview_practice" name="help_offers" value="interview_practice" checked' in html
    assert 'id="digital-advanced" name="digital_skills" value="advanced" checked' in html
    assert _candidate(mentor).version == version
    _redirected(browser.post(f"{BASE}/people/{mentor}/intake", form), f"{BASE}/people/{mentor}?done=saved")
    intake = _candidate(mentor).intake
    assert intake["help_offers"] == ["cv", "interview_practice"] and intake["interests"] == ["sport", "film"]
    assert intake["digital_skills"] == "advanced"
    page = _page(browser.get(f"{BASE}/people/{mentor}"))
    assert "Can help with" in page and "Interview practice" in page
    assert "Sport, Film" in page and "Advanced: at ease with office software" in page


def test_the_intake_form_refuses_help_offers_for_a_mentee(browser, client, session):
    cid, _ = sign_up_candidate(client, B, session)
    version = bring_to(B, cid, "intake_scheduled")
    page = _page(browser.get(f"{BASE}/people/{cid}"))
    assert 'name="help_needs"' in page and 'name="help_offers"' not in page
    answer = browser.post(f"{BASE}/people/{cid}/intake", {"help_offers": ["cv"], "digital_skills": "expert",
                                                         "decision": "ready", "version": str(version)})
    html = answer.body.decode()
    assert answer.status_code == 400 and 'href="#help_offers"' in html and 'id="digital_skills-error"' in html
    assert _candidate(cid).status.value == "intake_scheduled" and _candidate(cid).version == version


def test_a_stale_form_answers_409_and_changes_nothing(browser, client, session):
    cid, _ = sign_up_candidate(client, B, session)
    bring_to(B, cid, "attended")
    answer = browser.post(f"{BASE}/people/{cid}/withdraw", {"version": "0"})
    assert answer.status_code == 409 and "text/html" in answer.headers["Content-Type"]
    assert _candidate(cid).status.value == "attended"


def test_the_training_checklist_records_modules_of_a_mentor(browser, client, session):
    email = f"jan.{uuid.uuid4().hex[:8]}@example.org"
    assert sign_up(client, B, mentor_body(session, email)).status_code == 201
    rows, _ = repos_module.get().candidates.list(B, role="mentor", status=None, limit=50, cursor=None)
    cid = next(c.id for c in rows if c.email == email)
    version = bring_to(B, cid, "training")
    page = _page(browser.get(f"{BASE}/people/{cid}"))
    assert 'id="training"' in page and 'data-module="welcome"' in page
    answer = browser.post(f"{BASE}/people/{cid}/training", {"module": "welcome", "completed_on": "2026-11-20",
                                                           "version": str(version)})
    _redirected(answer, f"{BASE}/people/{cid}")
    assert _candidate(cid).training == {"welcome": "2026-11-20"}
    answer = browser.post(f"{BASE}/people/{cid}/training", {"module": "welcome", "action": "undo",
                                                           "version": str(version + 1)})
    _redirected(answer, f"{BASE}/people/{cid}")
    assert _candidate(cid).training == {}


def test_coordinator_withdraw_and_search_pages(browser, client, session):
    cid, _ = sign_up_candidate(client, B, session)
    admin = demo_subject("branch_admin", B)
    _redirected(browser.post(f"{BASE}/people/{cid}/coordinator", {"coordinator_id": admin, "version": "0"}),
                f"{BASE}/people/{cid}")
    assert _candidate(cid).coordinator_id == admin
    page = _page(browser.get(f"{BASE}/search?q=b%C3%A9nali"))
    assert f"/console/people/{cid}" in page
    assert "Nobody found" in _page(browser.get(f"{BASE}/search?q=zzzz"))
    _redirected(browser.post(f"{BASE}/people/{cid}/withdraw", {"version": "1"}), f"{BASE}/people/{cid}")
    assert _candidate(cid).status.value == "withdrawn"


def test_a_branch_admin_hands_over_a_caseload_in_the_console(client, browser, session):
    cid, _ = sign_up_candidate(client, B, session)
    coordinator, admin = demo_subject("coordinator", B), demo_subject("branch_admin", B)
    browser.post(f"{BASE}/people/{cid}/coordinator", {"coordinator_id": coordinator, "version": "0"})
    assert browser.get(f"{BASE}/caseload").status_code == 403  # coordinators do not
    boss = Browser(client, "branch_admin")
    assert 'id="handover"' in _page(boss.get(f"{BASE}/caseload"))
    answer = boss.post(f"{BASE}/caseload", {"from": coordinator, "to": admin})
    _redirected(answer, f"{BASE}/caseload?done=saved")
    assert _candidate(cid).coordinator_id == admin
    page = _page(boss.get(answer.headers["Location"]))
    assert f"/console/people/{cid}" in page
    events, _ = repos_module.get().events.for_subject(B, "candidate", cid)
    assert events[0].kind == "caseload.handed_over"
    assert "Amal" not in json.dumps([e.data for e in events])
