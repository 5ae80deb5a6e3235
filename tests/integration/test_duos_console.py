"""Duos in the console: the pairing page and the duo page, each step through its form (the same rules and
services as the JSON API), 400 with messages next to the fields, a stale form 409, and isolation."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from chalicelib.api.routing import csrf_for
from chalicelib.services import duos as service
from chalicelib.services import repos as repos_module
from tests.conftest import token
from tests.integration.duo_helpers import ready_candidate, stage_duo

B = "brussels"
CONSOLE = f"/branches/{B}/console"


class Browser:
    """A signed-in console user: the session cookie on every request, the CSRF field on every form."""

    def __init__(self, client, role: str = "coordinator", branch: str | None = B) -> None:
        self.client, self.token = client, token(role, branch)

    def _headers(self) -> dict[str, str]:
        return {"Cookie": f"duo_session={self.token}", "Accept-Language": "en"}

    def get(self, path: str):
        return self.client.http.get(path, headers=self._headers())

    def post(self, path: str, form: dict):
        body = {"csrf": csrf_for(self.token), **form}
        return self.client.http.post(path, body=urlencode(body, doseq=True), headers={
            **self._headers(), "Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture
def browser(client, frozen_clock):
    return Browser(client)


def page(answer, status: int = 200) -> str:
    assert answer.status_code == status, answer.body[:800]
    return answer.body.decode()


def redirected(answer, to: str) -> str:
    assert answer.status_code == 303, answer.body[:800]
    assert answer.headers["Location"].startswith(to), answer.headers["Location"]
    return answer.headers["Location"]


def duo_of(duo_id: str):
    return repos_module.get().duos.get(B, duo_id)


def person(candidate_id: str):
    return repos_module.get().candidates.get(B, candidate_id)


def paired(client, frozen_clock, hours_ago: int = 1) -> str:
    """A pairing whose first meeting was ``hours_ago`` hours ago (through the service)."""
    mentee, mentor = ready_candidate(client, B, "mentee"), ready_candidate(client, B, "mentor")
    at = frozen_clock.now - timedelta(hours=hours_ago)
    return service.pair(repos_module.get(), B, mentee, mentor, at, "staff-test").id


def duo_url(duo_id: str) -> str:
    return f"{CONSOLE}/duos/{duo_id}"


# --- Pairing ----------------------------------------------------------------------------------------
def test_the_pair_page_offers_ready_mentors_but_never_one_the_person_declined_before(client, browser, frozen_clock):
    from tests.integration.matching_helpers import person as ready_person  # with the intake matching reads

    mentee = ready_person(client, B, "mentee")
    fresh, declined = ready_person(client, B, "mentor"), ready_person(client, B, "mentor")
    r = repos_module.get()
    duo = service.pair(r, B, mentee, declined, frozen_clock.now - timedelta(hours=1), "staff-test")
    service.answer(r, B, duo.id, "mentor", "no", duo.version, "staff-test")
    assert person(mentee).status.value == "ready" and person(declined).status.value == "ready"
    other_mentee = ready_candidate(client, B, "mentee")

    html = page(browser.get(f"{CONSOLE}/pair?candidate={mentee}"))
    assert f'value="{fresh}"' in html and f'data-candidate="{fresh}"' in html
    assert declined not in html  # said no to each other: never offered again
    assert other_mentee not in html  # the pool is the other side's
    assert "Both speak Dutch" in html  # ranked, with the reasons in words (services.matching)
    assert 'type="datetime-local"' in html and 'name="mentee_id"' in html and ">Pair</button>" in html


def test_without_a_candidate_the_pair_page_lists_who_is_ready(client, browser):
    mentor = ready_candidate(client, B, "mentor")
    html = page(browser.get(f"{CONSOLE}/pair"))
    assert f"/console/pair?candidate={mentor}" in html


def test_pairing_through_the_form_lands_on_the_duo_page_with_the_meeting_in_the_branch_time(client, browser,
                                                                                         frozen_clock):
    mentee, mentor = ready_candidate(client, B, "mentee"), ready_candidate(client, B, "mentor")
    answer = browser.post(f"{CONSOLE}/duos", {"candidate": mentee, "mentee_id": mentee, "mentor_id": mentor,
                                              "first_meeting_at": "2026-11-25T18:30"})
    location = redirected(answer, f"{CONSOLE}/duos/")
    assert location.endswith("?done=paired")
    duo_id = location.split("/duos/")[1].split("?")[0]
    duo = duo_of(duo_id)
    assert duo.first_meeting_at == "2026-11-25T17:30:00Z"  # Brussels is UTC+1 in November
    assert person(mentee).status.value == "paired" and person(mentor).status.value == "paired"
    html = page(browser.get(location))
    assert "both received their answer link by mail" in html
    assert f"/branches/{B}/console/people/{mentee}" in html and f"/branches/{B}/console/people/{mentor}" in html
    assert "2026-11-25 18:30" in html  # shown in the branch's time zone
    assert "The answers come after the first meeting" in html and "Mentee said yes" not in html
    assert "Reschedule the first meeting" in html and "Record agreement" not in html
    assert "Demo coordinator Brussels" in html and "Paired" in html  # the timeline says who did it


def test_pairing_refusals_are_pages_that_say_why_and_link_back(client, browser, frozen_clock):
    mentee, mentor = ready_candidate(client, B, "mentee"), ready_candidate(client, B, "mentor")
    answer = browser.post(f"{CONSOLE}/duos", {"candidate": mentee, "mentee_id": mentee, "mentor_id": mentor,
                                              "first_meeting_at": ""})
    html = page(answer, 400)
    assert 'id="first_meeting_at-error"' in html and "required" in html
    browser.post(f"{CONSOLE}/duos", {"candidate": mentee, "mentee_id": mentee, "mentor_id": mentor,
                                     "first_meeting_at": "2026-11-25T18:30"})
    other = ready_candidate(client, B, "mentee")
    busy = browser.post(f"{CONSOLE}/duos", {"candidate": other, "mentee_id": other, "mentor_id": mentor,
                                            "first_meeting_at": "2026-11-25T18:30"})
    html = page(busy, 409)
    assert "already in a pairing or a duo" in html and f"/console/people/{other}" in html
    html = page(browser.get(f"{CONSOLE}/pair?candidate={mentee}"), 409)
    assert "cannot be paired now" in html and f"/console/people/{mentee}" in html


# --- The duo page, step by step ---------------------------------------------------------------------
def test_every_step_through_the_forms_changes_the_duo(client, browser, frozen_clock):
    duo_id = paired(client, frozen_clock)
    url = duo_url(duo_id)
    html = page(browser.get(url))
    assert "Mentee said yes" in html and "Mentor said yes" in html and 'name="csrf"' in html
    # Every form of the page posts to a step of this duo (a browser follows the action, not the test).
    actions = re.findall(r'<form method="post" action="([^"]+)"', html)
    step_forms = [a for a in actions if "sign-out" not in a]
    assert step_forms and all(a.startswith(url + "/") for a in step_forms), actions

    for side in ("mentee", "mentor"):
        location = redirected(browser.post(url + "/answers", {"side": side, "answer": "yes",
                                                              "version": duo_of(duo_id).version}), url)
        assert location.endswith("done=answer_recorded")
    assert duo_of(duo_id).status.value == "agreed"
    html = page(browser.get(url))
    assert "Record agreement" in html and "Log meeting" not in html and "Mentee said yes" not in html

    # A missing signature: the page again, 400, the message next to the box, the date kept.
    version = duo_of(duo_id).version
    today = frozen_clock.now.date().isoformat()
    html = page(browser.post(url + "/agreement", {"signed_on": today, "mentee": "1", "mentor": "1",
                                                  "version": version}), 400)
    assert 'id="agreement-branch-error"' in html and "The agreement needs this signature." in html
    assert f'value="{today}"' in html and duo_of(duo_id).status.value == "agreed"
    redirected(browser.post(url + "/agreement", {"signed_on": today, "mentee": "1", "mentor": "1", "branch": "1",
                                                 "version": version}), url + "?done=agreement_recorded")
    duo = duo_of(duo_id)
    assert duo.status.value == "active" and duo.started_on == today and duo.planned_end == "2027-05-24"

    html = page(browser.post(url + "/meetings", {"on": today, "minutes": "2", "mode": "online",
                                                 "version": duo.version}), 400)
    assert 'id="meetings-minutes-error"' in html and 'value="2"' in html
    redirected(browser.post(url + "/meetings", {"on": today, "minutes": "90", "mode": "online",
                                                "version": duo.version}), url + "?done=meeting_logged")
    redirected(browser.post(url + "/goals", {"title": "Send ten applications", "target_date": "",
                                             "version": duo_of(duo_id).version}), url + "?done=goal_added")
    goal = duo_of(duo_id).goals[0]
    redirected(browser.post(url + f"/goals/{goal['id']}", {"status": "in_progress", "target_date": "2027-01-10",
                                                           "version": duo_of(duo_id).version}), url)
    redirected(browser.post(url + "/checkins", {"on": today, "channel": "call", "version": duo_of(duo_id).version}),
               url + "?done=checkin_recorded")
    redirected(browser.post(url + "/intervisions", {"on": today, "version": duo_of(duo_id).version}), url)
    html = page(browser.post(url + "/services", {"code": "laptop_loan", "on": today, "return_due": "",
                                                 "version": duo_of(duo_id).version}), 400)
    assert 'id="services-return_due-error"' in html and "A laptop loan needs its return date." in html
    redirected(browser.post(url + "/services", {"code": "laptop_loan", "on": today, "return_due": "2027-02-01",
                                                "version": duo_of(duo_id).version}), url + "?done=service_recorded")
    duo = duo_of(duo_id)
    assert duo.meeting_count == 1 and duo.goals[0]["status"] == "in_progress"
    assert duo.goals[0]["target_date"] == "2027-01-10" and len(duo.checkins) == 1 and duo.intervisions == [today]
    html = page(browser.get(url))
    assert "Send ten applications" in html and "Record return" in html and "2027-02-01" in html
    assert "Meeting logged" in html and "90 minutes" in html  # the timeline in words

    html = page(browser.post(url + "/close", {"ended_on": today, "kind": "stopped", "reason": "",
                                              "version": duo.version}), 400)
    assert 'id="close-reason-error"' in html and "Say why the duo stopped early." in html
    redirected(browser.post(url + "/close", {"ended_on": today, "kind": "stopped", "reason": "found_job",
                                             "version": duo.version}), url + "?done=duo_closed")
    duo = duo_of(duo_id)
    assert duo.status.value == "closed" and duo.end_reason == "found_job"
    assert person(duo.mentee_id).status.value == "finished" and person(duo.mentor_id).status.value == "ready"
    html = page(browser.get(url))
    assert "Record mentee evaluation" in html and "Record mentor evaluation" in html and "Close duo" not in html
    assert "Fewer than 2" in html  # one intervision only, and the duo is closed

    mentee_items = {"gained_stability": "yes", "gained_autonomy": "yes", "gained_confidence": "no",
                    "understands_language_culture_codes": "yes", "knows_where_to_find_opportunities": "yes"}
    html = page(browser.post(url + "/evaluations", {"side": "mentee", **mentee_items, "version": duo.version}), 400)
    assert 'id="evaluations-mentee-answers-knows_how_to_seize_opportunities-error"' in html
    assert 'value="no" checked' in html  # the answers given are kept
    redirected(browser.post(url + "/evaluations", {"side": "mentee", **mentee_items,
                                                   "knows_how_to_seize_opportunities": "no", "version": duo.version}),
               url + "?done=evaluation_recorded")
    redirected(browser.post(url + "/evaluations", {"side": "mentor", "would_mentor_again": "yes",
                                                   "keeps_in_touch": "yes", "version": duo_of(duo_id).version}), url)
    redirected(browser.post(url + "/outcome", {"situation": "job", "version": duo_of(duo_id).version}),
               url + "?done=outcome_recorded")
    duo = duo_of(duo_id)
    assert duo.evaluations["mentee"]["gained_confidence"] is False and duo.evaluations["mentor"]["keeps_in_touch"]
    assert duo.outcome["situation"] == "job"
    html = page(browser.get(url))
    assert "Record outcome" not in html and "Record mentee evaluation" not in html and 'id="outcome"' in html


def test_a_first_meeting_moved_through_the_form_is_stored_in_utc(client, browser, frozen_clock):
    duo_id = paired(client, frozen_clock, hours_ago=-5)  # the first meeting is still ahead
    redirected(browser.post(duo_url(duo_id) + "/first-meeting", {"first_meeting_at": "2026-12-01T10:00",
                                                                 "version": duo_of(duo_id).version}),
               duo_url(duo_id) + "?done=first_meeting_moved")
    assert duo_of(duo_id).first_meeting_at == "2026-12-01T09:00:00Z"


def test_an_answer_past_24_hours_shows_overdue(client, browser, frozen_clock):
    duo_id = paired(client, frozen_clock, hours_ago=30)
    html = page(browser.get(duo_url(duo_id)))
    assert 'data-status="overdue"' in html and 'data-flag="answer_overdue"' in html


def test_a_form_read_before_someone_else_changed_the_duo_answers_409(client, browser, frozen_clock):
    duo_id = paired(client, frozen_clock)
    stale = duo_of(duo_id).version
    stage_duo(B, duo_id, "active")
    html = page(browser.post(duo_url(duo_id) + "/meetings", {"on": frozen_clock.now.date().isoformat(),
                                                             "minutes": "60", "mode": "online",
                                                             "version": stale}), 409)
    assert "Someone changed this duo meanwhile" in html and "Reload the duo" in html
    assert duo_of(duo_id).meeting_count == 0


def test_a_step_that_does_not_fit_the_duo_answers_409_with_the_reason(client, browser, frozen_clock):
    duo_id = paired(client, frozen_clock)
    html = page(browser.post(duo_url(duo_id) + "/agreement", {
        "signed_on": frozen_clock.now.date().isoformat(), "mentee": "1", "mentor": "1", "branch": "1",
        "version": duo_of(duo_id).version}), 409)
    assert "Both must say yes" in html


def test_a_form_without_its_csrf_field_is_refused(client, browser, frozen_clock):
    duo_id = paired(client, frozen_clock)
    answer = client.http.post(duo_url(duo_id) + "/answers", body=urlencode({"side": "mentee", "answer": "yes",
                                                                            "version": 0}),
                              headers={"Cookie": f"duo_session={browser.token}",
                                       "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 403 and "mentee" not in duo_of(duo_id).answers


# --- Isolation ----------------------------------------------------------------------------------------
def test_head_office_and_other_branches_never_see_a_duo(client, frozen_clock):
    duo_id = paired(client, frozen_clock)
    for who in (Browser(client, "head_office", None), Browser(client, "coordinator", "ghent")):
        assert who.get(duo_url(duo_id)).status_code == 403
        assert who.get(f"{CONSOLE}/pair").status_code == 403
        answer = who.post(duo_url(duo_id) + "/answers", {"side": "mentee", "answer": "yes",
                                                         "version": duo_of(duo_id).version})
        assert answer.status_code == 403
    ghent = Browser(client, "coordinator", "ghent")
    assert ghent.get(f"/branches/ghent/console/duos/{duo_id}").status_code == 404
    answer = ghent.post(f"/branches/ghent/console/duos/{duo_id}/answers",
                        {"side": "mentee", "answer": "yes", "version": duo_of(duo_id).version})
    assert answer.status_code == 404 and "mentee" not in duo_of(duo_id).answers
    html = page(ghent.get(f"/branches/ghent/console/pair?candidate={duo_of(duo_id).mentee_id}"), 404)
    assert not re.search(r"Demo coordinator Brussels", html)
