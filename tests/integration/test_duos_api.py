"""The duo routes: every step from pairing to outcome, their rules (409 with the reason), stale versions,
400 per field, another branch's duo, events without personal values, and the mails with working links."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.services import repos as repos_module
from tests.conftest import bearer, sent_mail
from tests.integration.duo_helpers import pair, ready_candidate, set_status

B = "brussels"
URL = re.compile(r"https?://\S+/branches/brussels/links/([0-9a-f]{48})")


def post(client, path, body, branch=B, role="coordinator"):
    return client.http.post(path, headers=bearer(role, branch), body=json.dumps(body))


def get(client, path, branch=B):
    return client.http.get(path, headers=bearer("coordinator", branch))


def js(answer):
    return json.loads(answer.body)


@pytest.fixture
def people(client, frozen_clock):
    session = None
    mentee = ready_candidate(client, B, "mentee", session, language="nl")
    mentor = ready_candidate(client, B, "mentor", session, language="fr")
    return mentee, mentor


def new_duo(client, people, frozen_clock):
    mentee, mentor = people
    answer = pair(client, B, mentee, mentor, frozen_clock.now + timedelta(hours=2))
    assert answer.status_code == 201, answer.body
    return js(answer)


def status_of(candidate_id):
    return repos_module.get().candidates.get(B, candidate_id)


def to_active(client, duo, frozen_clock):
    frozen_clock.advance(hours=3)
    base = f"/branches/{B}/duos/{duo['id']}"
    d = js(post(client, base + "/answers", {"side": "mentee", "answer": "yes", "version": duo["version"]}))
    d = js(post(client, base + "/answers", {"side": "mentor", "answer": "yes", "version": d["version"]}))
    assert d["status"] == "agreed"
    answer = post(client, base + "/agreement", {"signed_on": frozen_clock.now.date().isoformat(), "mentee": True,
                                                  "mentor": True, "branch": True, "version": d["version"]})
    assert answer.status_code == 200, answer.body
    return js(answer)


def test_pairing_moves_both_to_paired_and_mails_each_their_answer_link_in_their_language(client, people,
                                                                                         frozen_clock):
    mentee, mentor = people
    before = len(sent_mail())
    duo = new_duo(client, people, frozen_clock)
    assert duo["status"] == "first_meeting" and duo["phase"] == "first_meeting" and duo["version"] == 0
    assert status_of(mentee).status.value == "paired" and status_of(mentee).duo_id == duo["id"]
    assert status_of(mentor).status.value == "paired" and status_of(mentor).duo_ids == [duo["id"]]
    mails = sent_mail()[before:]
    assert len(mails) == 2
    by_to = {m["to"][0]: m for m in mails}
    assert "Bonjour" in by_to[status_of(mentor).email]["body"]  # French for the mentor
    assert "Hallo" in by_to[status_of(mentee).email]["body"]  # Dutch for the mentee
    assert all(URL.search(m["body"]) for m in mails)
    # The link works: the page asks the question after the first meeting, in the person's language.
    token = URL.search(by_to[status_of(mentor).email]["body"]).group(1)
    frozen_clock.advance(hours=3)
    page = client.http.get(f"/branches/{B}/links/{token}")
    assert page.status_code == 200 and 'name="answer"' in page.body.decode()
    # Listed by phase, and readable.
    listed = js(get(client, f"/branches/{B}/duos?phase=first_meeting"))
    assert [d["id"] for d in listed["items"]] == [duo["id"]]
    assert js(get(client, f"/branches/{B}/duos/{duo['id']}"))["mentee_id"] == mentee


def test_a_mentor_already_paired_is_busy_and_the_refusal_changes_nothing(client, people, frozen_clock):
    _, mentor = people
    new_duo(client, people, frozen_clock)
    other = ready_candidate(client, B, "mentee")
    answer = pair(client, B, other, mentor)
    assert answer.status_code == 409 and js(answer)["code"] == "mentor_busy"
    assert status_of(other).status.value == "ready"
    assert len(js(get(client, f"/branches/{B}/duos"))["items"]) == 1


@pytest.mark.parametrize("case,code", [
    ("not_ready", "not_ready"), ("same", "same_person"), ("roles", "wrong_role"),
])
def test_pairing_rules(client, people, frozen_clock, case, code):
    mentee, mentor = people
    if case == "not_ready":
        set_status(B, mentor, "training")
        answer = pair(client, B, mentee, mentor)
    elif case == "same":
        answer = pair(client, B, mentee, mentee)
    else:
        answer = pair(client, B, mentor, mentee)
    assert answer.status_code == 409 and js(answer)["code"] == code, answer.body
    assert status_of(mentee).status.value == "ready"


def test_pairing_fields_and_unknown_people(client, people, frozen_clock):
    mentee, _ = people
    answer = post(client, f"/branches/{B}/duos", {"mentee_id": mentee, "mentor_id": "nobody",
                                                  "first_meeting_at": "2026-11-25T10:00"})
    assert answer.status_code == 400 and "mentor_id" in js(answer)["fields"]
    answer = post(client, f"/branches/{B}/duos", {"mentee_id": mentee, "mentor_id": "x", "first_meeting_at": "soon"})
    assert answer.status_code == 400 and "first_meeting_at" in js(answer)["fields"]
    answer = post(client, f"/branches/{B}/duos", {"mentee_id": "a#b", "mentor_id": "x", "first_meeting_at": "2026"})
    assert answer.status_code == 400 and "mentee_id" in js(answer)["fields"]


def test_a_no_ends_the_pairing_both_ready_again_and_never_paired_again(client, people, frozen_clock):
    mentee, mentor = people
    duo = new_duo(client, people, frozen_clock)
    frozen_clock.advance(hours=3)
    answer = post(client, f"/branches/{B}/duos/{duo['id']}/answers",
                  {"side": "mentor", "answer": "no", "version": 0})
    assert js(answer)["status"] == "declined" and js(answer)["phase"] == "declined"
    assert status_of(mentee).status.value == "ready" and status_of(mentee).duo_id == ""
    assert status_of(mentee).declined_with == [mentor]
    again = pair(client, B, mentee, mentor)
    assert again.status_code == 409 and js(again)["code"] == "declined_before"


def test_answers_come_after_the_first_meeting_and_once(client, people, frozen_clock):
    duo = new_duo(client, people, frozen_clock)
    base = f"/branches/{B}/duos/{duo['id']}"
    early = post(client, base + "/answers", {"side": "mentee", "answer": "yes", "version": 0})
    assert early.status_code == 409 and js(early)["code"] == "meeting_not_held"
    frozen_clock.advance(hours=3)
    d = js(post(client, base + "/answers", {"side": "mentee", "answer": "yes", "version": 0}))
    again = post(client, base + "/answers", {"side": "mentee", "answer": "no", "version": d["version"]})
    assert again.status_code == 409 and js(again)["code"] == "already_answered"
    agreement = post(client, base + "/agreement", {"signed_on": frozen_clock.now.date().isoformat(), "mentee": True,
                                                   "mentor": True, "branch": True, "version": d["version"]})
    assert agreement.status_code == 409 and js(agreement)["code"] == "answers_missing"


def test_a_stale_version_answers_changed_meanwhile_and_changes_nothing(client, people, frozen_clock):
    duo = new_duo(client, people, frozen_clock)
    frozen_clock.advance(hours=3)
    base = f"/branches/{B}/duos/{duo['id']}"
    assert post(client, base + "/answers", {"side": "mentee", "answer": "yes", "version": 0}).status_code == 200
    stale = post(client, base + "/answers", {"side": "mentor", "answer": "no", "version": 0})
    assert stale.status_code == 409 and js(stale)["code"] == "changed_meanwhile"
    now = js(get(client, base))
    assert now["status"] == "first_meeting" and set(now["answers"]) == {"mentee"} and now["version"] == 1
    assert status_of(now["mentor_id"]).status.value == "paired"


def test_agreement_needs_three_signatures_and_a_date_not_in_the_future(client, people, frozen_clock):
    duo = new_duo(client, people, frozen_clock)
    frozen_clock.advance(hours=3)
    base = f"/branches/{B}/duos/{duo['id']}"
    d = js(post(client, base + "/answers", {"side": "mentee", "answer": "yes", "version": 0}))
    d = js(post(client, base + "/answers", {"side": "mentor", "answer": "yes", "version": d["version"]}))
    today = frozen_clock.now.date()
    body = {"signed_on": today.isoformat(), "mentee": True, "mentor": False, "branch": True, "version": d["version"]}
    answer = post(client, base + "/agreement", body)
    assert answer.status_code == 400 and list(js(answer)["fields"]) == ["mentor"]
    body.update(mentor=True, signed_on=(today + timedelta(days=1)).isoformat())
    answer = post(client, base + "/agreement", body)
    assert answer.status_code == 400 and "signed_on" in js(answer)["fields"]
    body.update(signed_on=(today - timedelta(days=3)).isoformat())
    answer = post(client, base + "/agreement", body)
    assert answer.status_code == 400 and "signed_on" in js(answer)["fields"]  # before the first meeting
    body.update(signed_on=today.isoformat())
    active = js(post(client, base + "/agreement", body))
    assert active["status"] == "active" and active["started_on"] == today.isoformat()
    assert active["planned_end"] == "2027-05-24"
    assert status_of(active["mentee_id"]).status.value == "in_duo"


def test_the_whole_follow_up_closing_evaluations_and_outcome(client, people, frozen_clock):
    mentee, mentor = people
    duo = to_active(client, new_duo(client, people, frozen_clock), frozen_clock)
    base = f"/branches/{B}/duos/{duo['id']}"
    today = frozen_clock.now.date().isoformat()
    v = duo["version"]
    d = js(post(client, base + "/meetings", {"on": today, "minutes": 60, "mode": "in_person", "version": v}))
    assert d["meeting_count"] == 1 and d["last_meeting_on"] == today
    assert js(get(client, base + "/meetings"))["items"][0]["minutes"] == 60
    d = js(post(client, base + "/goals", {"title": "A CV in Dutch", "target_date": "2027-01-15",
                                          "version": d["version"]}))
    goal = d["goals"][0]["id"]
    d = js(client.http.patch(base + f"/goals/{goal}", headers=bearer("coordinator", B),
                             body=json.dumps({"status": "done", "version": d["version"]})))
    assert d["goals"][0]["status"] == "done"
    d = js(post(client, base + "/checkins", {"on": today, "channel": "call", "version": d["version"]}))
    d = js(post(client, base + "/intervisions", {"on": today, "version": d["version"]}))
    bad = post(client, base + "/services", {"code": "laptop_loan", "on": today, "version": d["version"]})
    assert bad.status_code == 400 and "return_due" in js(bad)["fields"]
    bad = post(client, base + "/services", {"code": "cv_workshop", "on": today, "version": d["version"]})
    assert bad.status_code == 400 and "code" in js(bad)["fields"]  # not in Brussels' catalogue
    d = js(post(client, base + "/services", {"code": "laptop_loan", "on": today, "return_due": "2027-03-01",
                                             "version": d["version"]}))
    service = d["services"][0]["id"]
    early = post(client, base + "/evaluations", {"side": "mentor", "answers": {"would_mentor_again": True,
                                                 "keeps_in_touch": True}, "version": d["version"]})
    assert early.status_code == 409 and js(early)["code"] == "not_closed"
    bad = post(client, base + "/close", {"ended_on": today, "kind": "stopped", "version": d["version"]})
    assert bad.status_code == 400 and "reason" in js(bad)["fields"]
    before = len(sent_mail())
    d = js(post(client, base + "/close", {"ended_on": today, "kind": "stopped", "reason": "found_job",
                                          "version": d["version"]}))
    assert d["status"] == "closed" and d["phase"] == "follow_up" and d["flags"]["evaluation_due"]
    assert d["flags"]["missing_intervisions"]
    assert status_of(mentee).status.value == "finished" and status_of(mentor).status.value == "ready"
    assert status_of(mentor).duo_id == ""
    mails = sent_mail()[before:]
    assert len(mails) == 2 and all(URL.search(m["body"]) for m in mails)
    twice = post(client, base + "/close", {"ended_on": today, "kind": "completed", "version": d["version"]})
    assert twice.status_code == 409 and js(twice)["code"] == "already_closed"
    d = js(post(client, base + f"/services/{service}/returned", {"on": today, "version": d["version"]}))
    d = js(post(client, base + "/evaluations", {"side": "mentor", "answers": {"would_mentor_again": True,
                                                "keeps_in_touch": False}, "version": d["version"]}))
    bad = post(client, base + "/evaluations", {"side": "mentee", "answers": {"gained_stability": True},
                                               "version": d["version"]})
    assert bad.status_code == 400 and "answers.gained_autonomy" in js(bad)["fields"]
    assert not d["flags"]["outcome_due"]
    frozen_clock.advance(days=366)
    assert js(get(client, base))["flags"]["outcome_due"]
    d = js(post(client, base + "/outcome", {"situation": "job", "version": d["version"]}))
    assert d["outcome"]["situation"] == "job"
    # The trail: every step, codes only (no names, emails or titles).
    events = js(get(client, base + "/events?limit=100"))["items"]
    kinds = [e["kind"] for e in events]
    assert kinds[-1] == "duo.paired" and kinds[0] == "duo.outcome_recorded" and "duo.closed" in kinds
    text = json.dumps(events)
    person = status_of(mentee)
    for secret in (person.name, person.email, "A CV in Dutch", status_of(mentor).name):
        assert secret not in text


def test_steps_need_the_right_status(client, people, frozen_clock):
    duo = new_duo(client, people, frozen_clock)
    base = f"/branches/{B}/duos/{duo['id']}"
    today = frozen_clock.now.date().isoformat()
    for path, body in (("/meetings", {"on": today, "minutes": 30, "mode": "online"}),
                       ("/goals", {"title": "x"}), ("/checkins", {"on": today, "channel": "call"}),
                       ("/intervisions", {"on": today}), ("/close", {"ended_on": today, "kind": "completed"}),
                       ("/outcome", {"situation": "job"})):
        answer = post(client, base + path, {**body, "version": 0})
        assert answer.status_code == 409, (path, answer.body)
        assert js(answer)["code"] in ("not_active", "not_closed", "wrong_step"), path
    assert js(get(client, base))["version"] == 0


def test_bad_fields_each_named(client, people, frozen_clock):
    duo = new_duo(client, people, frozen_clock)
    base = f"/branches/{B}/duos/{duo['id']}"
    for path, body, field in (
        ("/answers", {"side": "boss", "answer": "yes", "version": 0}, "side"),
        ("/answers", {"side": "mentee", "answer": "maybe", "version": 0}, "answer"),
        ("/answers", {"side": "mentee", "answer": "yes", "version": -1}, "version"),
        ("/meetings", {"on": "2026-11-24", "minutes": 1, "mode": "online", "version": 0}, "minutes"),
        ("/meetings", {"on": "2026-11-24", "minutes": 30, "mode": "phone", "version": 0}, "mode"),
        ("/checkins", {"on": "yesterday", "channel": "call", "version": 0}, "on"),
        ("/close", {"ended_on": "2026-11-24", "kind": "done", "version": 0}, "kind"),
        ("/outcome", {"situation": "rich", "version": 0}, "situation"),
        ("/goals", {"title": "", "version": 0}, "title"),
    ):
        answer = post(client, base + path, body)
        assert answer.status_code == 400 and field in js(answer)["fields"], (path, answer.body)


def test_another_branchs_duo_is_not_found(client, people, frozen_clock):
    duo = new_duo(client, people, frozen_clock)
    answer = client.http.get(f"/branches/antwerp/duos/{duo['id']}", headers=bearer("coordinator", "antwerp"))
    assert answer.status_code == 404
    answer = client.http.get(f"/branches/{B}/duos/{duo['id']}", headers=bearer("coordinator", "antwerp"))
    assert answer.status_code == 403
    answer = client.http.get(f"/branches/{B}/duos/{duo['id']}", headers=bearer("head_office"))
    assert answer.status_code == 403


def test_moving_the_first_meeting_sends_fresh_links(client, people, frozen_clock):
    duo = new_duo(client, people, frozen_clock)
    before = len(sent_mail())
    at = (frozen_clock.now + timedelta(days=2)).astimezone(UTC).replace(tzinfo=None).isoformat()
    answer = post(client, f"/branches/{B}/duos/{duo['id']}/first-meeting", {"first_meeting_at": at, "version": 0})
    assert answer.status_code == 200, answer.body
    assert js(answer)["first_meeting_at"] > duo["first_meeting_at"]
    assert len(sent_mail()) == before + 2


def test_first_meeting_in_branch_local_time(client, people, frozen_clock):
    mentee, mentor = people
    answer = pair(client, B, mentee, mentor, "2026-11-25T18:00")
    assert js(answer)["first_meeting_at"] == "2026-11-25T17:00:00Z"  # Brussels is UTC+1 in November
    assert datetime.fromisoformat(js(answer)["answer_due_at"].replace("Z", "+00:00")).hour == 17
