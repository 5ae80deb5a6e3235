"""Personal data in the console: the person page's card (copy, restriction, correction, erasure, open requests,
the reason for looking), the privacy requests page, the access audit, the privacy notice in the settings, the
task list's consent banner and the head office's audit counts. Coordinators read; branch admins act."""

from __future__ import annotations

import json
import re
import uuid
from html import unescape
from urllib.parse import urlencode

import pytest

from chalicelib.api.routing import csrf_for
from chalicelib.services import clock
from chalicelib.services import repos as repos_module
from local.seed import demo_subject
from tests.conftest import token
from tests.integration.signup_helpers import mentee_body, plan_session, sign_up

B, OTHER = "antwerp", "ghent"
BASE = f"/branches/{B}/console"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Browser:
    """A signed-in console user: the session cookie on every request, the CSRF field on every form."""

    def __init__(self, client, role: str = "branch_admin", branch: str | None = B) -> None:
        self.client, self.session = client, token(role, branch)
        self.headers = {"Cookie": f"duo_session={self.session}", "Accept-Language": "en"}

    def get(self, path: str):
        return self.client.http.get(path, headers=self.headers)

    def post(self, path: str, form: dict, csrf: bool = True):
        body = urlencode({**({"csrf": csrf_for(self.session)} if csrf else {}), **form}, doseq=True)
        return self.client.http.post(path, headers={**self.headers, **FORM}, body=body)


@pytest.fixture
def admin(client):
    return Browser(client)


@pytest.fixture
def coordinator(client):
    return Browser(client, "coordinator")


@pytest.fixture
def person(client) -> dict:
    """A mentee of the branch with a name no demo person has."""
    session = plan_session(client, B)["id"]
    email = f"zoe.{uuid.uuid4().hex[:8]}@example.org"
    name = f"Zoë Privé {uuid.uuid4().hex[:4]}"
    assert sign_up(client, B, mentee_body(session, email, name=name)).status_code == 201
    rows, _ = repos_module.get().candidates.list(B, role=None, status=None, limit=200, cursor=None)
    c = next(c for c in rows if c.email == email)
    return {"id": c.id, "name": name, "email": email, "url": f"{BASE}/people/{c.id}"}


def html(answer, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, answer.body[:600])
    return unescape(answer.body.decode())


def redirected(answer, to: str) -> str:
    assert answer.status_code == 303, (answer.status_code, answer.body[:600])
    assert answer.headers["Location"].startswith(to), answer.headers["Location"]
    return answer.headers["Location"]


def candidate(cid: str):
    return repos_module.get().candidates.get(B, cid)


def entries(cid: str | None = None, month: str | None = None) -> list:
    from chalicelib.services import audit

    rows, _ = audit.audit_entries(repos_module.get(), B, candidate_id=cid, month=month, limit=200, cursor=None)
    return rows


def open_request(cid: str, kind: str):
    from chalicelib.services import privacy_requests

    return privacy_requests.open_request(repos_module.get(), B, kind=kind, candidate_id=cid, source="staff",
                                         actor=demo_subject("branch_admin", B))


def request(request_id: str):
    from chalicelib.services import privacy_requests

    return privacy_requests.get_request(repos_module.get(), B, request_id)


# --- The person page ---------------------------------------------------------------------------------------
def test_the_person_page_gives_a_branch_admin_the_personal_data_tools_and_audits_each_view(admin, person):
    page = html(admin.get(person["url"]))
    assert 'id="personal-data"' in page
    for control in (f'href="{person["url"]}/export"', f'action="{person["url"]}/restrict"',
                    f'action="{person["url"]}/correct"', f'href="{person["url"]}/erase"',
                    f'href="{BASE}/privacy/audit?candidate={person["id"]}"'):
        assert control in page, control
    assert 'aria-current="page">Privacy' not in page and f'href="{BASE}/privacy"' in page  # the nav entry
    seen = entries(person["id"])
    assert [(e.action, e.staff_id, e.reason) for e in seen] == [("read_person", demo_subject("branch_admin", B), "")]
    # "Why are you looking?": the reason goes to the audit with the read.
    page = html(admin.get(person["url"] + "?" + urlencode({"reason": "Call from the job centre"})))
    assert 'value="Call from the job centre"' in page
    assert {e.reason for e in entries(person["id"])} == {"", "Call from the job centre"}


def test_a_coordinator_sees_open_requests_and_the_reason_form_but_no_admin_tool(coordinator, person):
    r = open_request(person["id"], "access")
    page = html(coordinator.get(person["url"]))
    assert 'id="personal-data"' in page and f'data-request="{r.id}"' in page and 'id="access-reason"' in page
    for control in ("/export", "/restrict", "/correct", "/erase", f'href="{BASE}/privacy"'):
        assert control not in page, control
    assert entries(person["id"])[0].staff_id == demo_subject("coordinator", B)


def test_restriction_shows_a_banner_to_everyone_until_an_admin_lifts_it(admin, coordinator, person):
    r = open_request(person["id"], "restriction")
    location = redirected(admin.post(person["url"] + "/restrict", {"restricted": "1", "request_id": r.id}),
                          person["url"] + "?done=privacy_restricted")
    assert candidate(person["id"]).restricted
    assert request(r.id).status == "done"  # the request it answered
    shown = html(admin.get(location))
    assert 'id="restricted-banner"' in shown and "Processing of this person's data is now restricted." in shown
    assert "Lift the restriction" in shown
    assert 'id="restricted-banner"' in html(coordinator.get(person["url"]))
    # A coordinator may not lift it; a step of the programme is refused while it holds.
    assert coordinator.post(person["url"] + "/restrict", {"restricted": "0"}).status_code == 403
    version = candidate(person["id"]).version
    assert coordinator.post(person["url"] + "/withdraw", {"version": version}).status_code == 409
    redirected(admin.post(person["url"] + "/restrict", {"restricted": "0"}), person["url"] + "?done=privacy_lifted")
    assert not candidate(person["id"]).restricted
    assert 'id="restricted-banner"' not in html(coordinator.get(person["url"]))
    assert [e.action for e in entries(person["id"])].count("restrict") == 2


def test_a_correction_with_bad_input_comes_back_with_messages_and_the_typed_values(admin, person):
    c = candidate(person["id"])
    form = {"name": "Zoë Corrected", "email": "not-an-email", "phone": "+32 470 99 88 77", "postcode": "2018",
            "city": "Antwerpen", "version": c.version}
    page = html(admin.post(person["url"] + "/correct", form), 400)
    assert 'id="correct_email-error"' in page
    assert 'value="Zoë Corrected"' in page and 'value="not-an-email"' in page and 'value="2018"' in page
    assert candidate(person["id"]).name == person["name"]  # nothing saved
    form["email"] = f"zoe.new.{uuid.uuid4().hex[:6]}@example.org"
    redirected(admin.post(person["url"] + "/correct", form), person["url"] + "?done=privacy_corrected")
    after = candidate(person["id"])
    assert (after.name, after.email, after.postcode) == ("Zoë Corrected", form["email"], "2018")
    assert "The contact details have been corrected." in html(admin.get(person["url"] + "?done=privacy_corrected"))
    assert "correct" in [e.action for e in entries(person["id"])]
    # A form read before that change is 409, its values kept.
    page = html(admin.post(person["url"] + "/correct", {**form, "city": "Mortsel"}), 409)
    assert 'value="Mortsel"' in page and "changed meanwhile" in page


def test_a_branch_admin_downloads_a_copy_and_the_download_is_audited(admin, coordinator, person):
    answer = admin.get(person["url"] + "/export")
    assert answer.status_code == 200, answer.body[:400]
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(answer.body)
    assert data["person"]["name"] == person["name"] and data["person"]["email"] == person["email"]
    assert "export" in [e.action for e in entries(person["id"])]
    assert coordinator.get(person["url"] + "/export").status_code == 403


def test_erasure_says_what_goes_and_what_stays_and_needs_the_confirmation(admin, coordinator, person):
    r = open_request(person["id"], "erasure")
    page = html(admin.get(person["url"] + "/erase"))
    assert 'id="removed"' in page and 'id="kept"' in page and "cannot be undone" in page
    assert f'option value="{r.id}"' in page
    assert coordinator.get(person["url"] + "/erase").status_code == 403
    assert person["email"] in page and 'name="confirm" value="yes"' in page  # the person, to be sure
    assert coordinator.post(person["url"] + "/erase", {"confirm": "yes"}).status_code == 403
    # Without the confirmation: the page again, the request still chosen, nothing erased.
    for form in ({"request_id": r.id}, {"confirm": "no", "request_id": r.id}):
        page = html(admin.post(person["url"] + "/erase", form), 400)
        assert 'id="confirm-error"' in page and f'<option value="{r.id}" selected>' in page
        assert candidate(person["id"]).name == person["name"]
    location = redirected(admin.post(person["url"] + "/erase", {"confirm": "yes", "request_id": r.id}),
                          f"{BASE}/privacy?done=erased")
    shown = html(admin.get(location))
    assert "The person's data has been erased" in shown
    assert person["name"] not in shown and "Erased person" in shown  # the request, its person gone
    assert request(r.id).status == "done"
    assert admin.get(person["url"]).status_code == 404  # the person page is gone
    assert "erase" in [e.action for e in entries(person["id"])]


# --- The privacy requests page -----------------------------------------------------------------------------
def test_a_request_is_recorded_by_finding_the_person_and_shows_its_due_date(admin, person, frozen_clock):
    # Find by name: the matches are offered to choose from; the kind and note stay as typed.
    page = html(admin.post(f"{BASE}/privacy/requests", {"kind": "access", "person": person["name"],
                                                        "note": "by phone", "action": "find"}), 400)
    assert f'value="{person["id"]}"' in page and 'value="by phone"' in page
    assert 'id="kind-access" name="kind" value="access" checked' in page
    redirected(admin.post(f"{BASE}/privacy/requests", {"kind": "access", "person": person["name"], "note": "by phone",
                                                       "candidate_id": person["id"], "action": "record"}),
               f"{BASE}/privacy?done=request_recorded")
    page = html(admin.get(f"{BASE}/privacy?done=request_recorded"))
    assert "The request has been recorded" in page and person["name"] in page
    assert "24 Dec 2026" in page and 'data-status="overdue"' not in page  # due one month after 24 November
    # From the person's page ("Record a request about this person"): the person is chosen already.
    page = html(admin.get(f"{BASE}/privacy?candidate={person['id']}"))
    assert f'id="candidate-{person["id"]}" name="candidate_id" value="{person["id"]}" checked' in page
    # By id, straight away; after the due date it is marked overdue.
    redirected(admin.post(f"{BASE}/privacy/requests", {"kind": "erasure", "person": person["id"]}),
               f"{BASE}/privacy?done=request_recorded")
    frozen_clock.advance(days=31)
    page = html(admin.get(f"{BASE}/privacy"))
    assert page.count('data-status="overdue"') == 2


def test_a_bad_request_form_comes_back_with_a_message_at_each_field(admin, person):
    page = html(admin.post(f"{BASE}/privacy/requests", {"kind": "", "person": "", "note": "came to the desk"}), 400)
    assert 'id="kind-error"' in page and 'id="person-error"' in page and 'value="came to the desk"' in page
    page = html(admin.post(f"{BASE}/privacy/requests", {"kind": "access", "person": "Nobody Such Person"}), 400)
    assert 'id="person-error"' in page and 'value="Nobody Such Person"' in page
    assert 'id="kind-access" name="kind" value="access" checked' in page


def test_requests_are_answered_done_or_refused_with_a_note_and_only_once(admin, coordinator, person):
    first, second = open_request(person["id"], "access"), open_request(person["id"], "rectification")
    url = f"{BASE}/privacy/requests"
    page = html(admin.post(f"{url}/{second.id}", {"status": "refused", "note": ""}), 400)
    assert f'id="note-{second.id}-error"' in page and request(second.id).status == "open"
    redirected(admin.post(f"{url}/{first.id}", {"status": "done", "note": "sent by mail"}),
               f"{BASE}/privacy?done=request_done")
    redirected(admin.post(f"{url}/{second.id}", {"status": "refused", "note": "identity_unverified"}),
               f"{BASE}/privacy?done=request_refused")
    assert (request(first.id).status, request(second.id).status) == ("done", "refused")
    assert request(second.id).note == "identity_unverified"
    page = html(admin.post(f"{url}/{first.id}", {"status": "refused", "note": "again"}), 409)
    assert "already" in page
    # Coordinators read the requests, without the forms; they may not record or answer one.
    page = html(coordinator.get(f"{BASE}/privacy"))
    assert f'data-request="{first.id}"' in page and 'method="post" action="' + url not in page
    assert coordinator.post(url, {"kind": "access", "person": person["id"]}).status_code == 403
    third = open_request(person["id"], "access")
    assert coordinator.post(f"{url}/{third.id}", {"status": "done"}).status_code == 403
    assert request(third.id).status == "open"


# --- The access audit --------------------------------------------------------------------------------------
def test_the_access_audit_lists_who_when_what_and_why_by_month_and_person(admin, coordinator, person, frozen_clock):
    from chalicelib.services import audit

    r = repos_module.get()
    other = demo_subject("coordinator", B)
    for i in range(55):
        audit.record(r, B, staff_id=other, candidate_id=person["id"], action="read_person", reason=f"check {i}")
    page = html(admin.get(f"{BASE}/privacy/audit"))
    assert page.count('data-action="read_person"') == 50 and 'rel="next"' in page
    assert person["name"] in page and "check 54" in page and "Opened the person's page" in page
    assert "24 Nov 2026 10:00" in page  # local date and time (09:00 UTC)
    names = repos_module.get().staff.get(B, other)
    assert (names.name or names.email) in page  # who, by name
    next_url = unescape(re.search(r'href="([^"]+)" rel="next"', page).group(1))
    assert html(admin.get(next_url)).count('data-action="read_person"') == 5
    # Another month: nothing; one person only: theirs.
    assert 'data-action=' not in html(admin.get(f"{BASE}/privacy/audit?month=2026-10"))
    page = html(admin.get(f"{BASE}/privacy/audit?candidate={person['id']}"))
    assert 'data-candidate="' + person["id"] + '"' in page
    page = html(admin.get(f"{BASE}/privacy/audit?month=Nov"), 400)
    assert 'id="month-error"' in page and 'value="Nov"' in page
    assert coordinator.get(f"{BASE}/privacy/audit").status_code == 403


# --- Another branch, the head office -----------------------------------------------------------------------
def test_another_branchs_staff_reach_none_of_it(client, person):
    r = open_request(person["id"], "access")
    for role in ("coordinator", "branch_admin"):
        other = Browser(client, role, OTHER)
        for path in (f"{BASE}/privacy", f"{BASE}/privacy/audit", person["url"] + "/export", person["url"] + "/erase"):
            assert other.get(path).status_code == 403, (role, path)
        assert other.post(person["url"] + "/erase", {"confirm": "yes"}).status_code == 403
        assert other.post(f"{BASE}/privacy/requests/{r.id}", {"status": "done"}).status_code == 403
    guess = Browser(client, "branch_admin", OTHER)
    mine = f"/branches/{OTHER}/console"
    assert guess.get(f"{mine}/people/{person['id']}/export").status_code == 404
    assert guess.get(f"{mine}/people/{person['id']}/erase").status_code == 404
    assert guess.post(f"{mine}/people/{person['id']}/restrict", {"restricted": "1"}).status_code == 404
    assert guess.post(f"{mine}/privacy/requests/{r.id}", {"status": "done"}).status_code == 404
    assert guess.post(f"{mine}/privacy/requests", {"kind": "access", "person": person["id"]}).status_code == 400
    assert not candidate(person["id"]).restricted and request(r.id).status == "open"


def test_the_head_office_sees_how_many_audit_entries_each_branch_has_and_no_person(client, admin, person):
    admin.get(person["url"])
    admin.get(person["url"] + "?reason=checking")
    page = html(Browser(client, "head_office", None).get("/console/head-office"))
    assert 'id="access-audits"' in page
    row = re.search(rf'<tr data-branch="{B}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row)[0] == "2"
    assert person["name"] not in page and person["id"] not in page and "checking" not in page


# --- The privacy notice ------------------------------------------------------------------------------------
def test_a_new_privacy_notice_version_asks_people_to_consent_again_and_the_task_list_says_so(
        admin, coordinator, person, seeded, monkeypatch):
    from chalicelib.services import consent

    asked: list[str] = []
    monkeypatch.setattr(consent, "ask_new_consent",
                        lambda repos, branch_id, *, actor: asked.append(actor) or 7)
    url = f"{BASE}/settings/privacy"
    page = html(admin.get(url))
    assert "Current version: 1" in page
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    # Bad values: a message at each field, the typed values kept, nothing saved.
    page = html(admin.post(url, {"version": version, "notice_version": "", "candidate_months": "0",
                                 "after_outcome_months": "24", "ask": "1"}), 400)
    assert 'id="signup-privacy_notice_version-error"' in page and 'id="retention-candidate_months-error"' in page
    assert 'name="candidate_months" value="0"' in page and 'id="ask" name="ask" value="1" checked' in page
    assert not asked and seeded.branches.get(B).effective_config()["signup"]["privacy_notice_version"] == "1"
    location = redirected(admin.post(url, {"version": version, "notice_version": "2", "candidate_months": "18",
                                           "after_outcome_months": "24", "ask": "1"}), url + "?done=settings_saved")
    config = seeded.branches.get(B).effective_config()
    assert config["signup"]["privacy_notice_version"] == "2" and config["retention"]["candidate_months"] == 18
    assert asked == [demo_subject("branch_admin", B)]
    assert "7 people were asked" in html(admin.get(location))
    # The task list tells staff about the new notice for 30 days (a read of the branch, no count of people).
    assert config["signup"]["privacy_notice_since"] == clock.today().isoformat()
    page = html(coordinator.get(f"{BASE}/tasks"))
    assert 'id="new-notice"' in page and "version 2" in page
    assert coordinator.get(url).status_code == 403
    assert coordinator.post(url, {"action": "ask"}).status_code == 403 and len(asked) == 1


def test_the_privacy_pages_and_nav_are_for_branch_admins(admin, coordinator):
    page = html(admin.get(f"{BASE}/privacy"))
    assert 'aria-current="page">Privacy' in page and 'id="new-request"' in page
    assert f'href="{BASE}/privacy"' not in html(coordinator.get(BASE + "/tasks"))
    page = html(coordinator.get(f"{BASE}/privacy"))
    assert 'id="new-request"' not in page


def test_overdue_is_counted_from_the_branchs_local_day(frozen_clock):
    from datetime import UTC, datetime

    from chalicelib.api.privacy_console import today_local

    frozen_clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert today_local("Europe/Brussels") == "2026-12-01" and today_local("UTC") == "2026-11-30"
