"""Coordinators plan, change and cancel info sessions; registrants hear of it; candidates are listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from chalicelib.services import repos as repos_module
from chalicelib.services import sessions as sessions_service
from chalicelib.services import signup as signup_service
from tests.conftest import bearer, sent_mail
from tests.integration.signup_helpers import mentee_body, mentor_body, plan_session, sign_up, sign_up_candidate

COORD = bearer("coordinator", "antwerp")


def test_a_session_is_planned_in_the_branchs_local_time(client):
    session = plan_session(client, "antwerp", starts_at="2027-06-10T18:30", duration_minutes=60)
    assert session["starts_at"] == "2027-06-10T16:30:00Z"  # Brussels summer time is UTC+2
    assert session["local_start"] == "2027-06-10T18:30:00+02:00"
    assert (session["seats_left"], session["status"], session["ends_at"]) == (10, "scheduled", "2027-06-10T17:30:00Z")


def test_a_session_needs_its_place_a_future_time_and_a_branch_language(client):
    answer = client.http.post("/branches/antwerp/info-sessions", headers=COORD, body=json.dumps(
        {"starts_at": "2020-01-01T10:00", "format": "online", "language": "fr"}))
    assert answer.status_code == 400
    assert set(answer.json_body["fields"]) == {"starts_at", "language", "link"}


def test_changing_the_time_tells_the_registrants_and_capacity_cannot_drop_below_them(client):
    session = plan_session(client, "antwerp", capacity=3)
    sign_up(client, "antwerp", mentee_body(session["id"], "a@example.org"))
    sign_up(client, "antwerp", mentor_body(session["id"], "b@example.org"))
    path = f"/branches/antwerp/info-sessions/{session['id']}"
    too_small = client.http.request("PATCH", path, headers=COORD, body=json.dumps({"capacity": 1}))
    assert too_small.status_code == 400 and "capacity" in too_small.json_body["fields"]
    moved = client.http.request("PATCH", path, headers=COORD, body=json.dumps({"starts_at": "2027-06-10T19:00"}))
    assert moved.status_code == 200 and moved.json_body["notified"] == 2
    changed = [m for m in sent_mail()[2:]]
    assert sorted(m["to"][0] for m in changed) == ["a@example.org", "b@example.org"]
    assert all("token=" in m["body"] for m in changed)
    bigger = client.http.request("PATCH", path, headers=COORD, body=json.dumps({"capacity": 20}))
    assert bigger.json_body["notified"] == 0  # nothing the registrants need to know


def test_cancelling_a_session_mails_its_registrants_with_the_next_sessions(client):
    session = plan_session(client, "antwerp")
    later = plan_session(client, "antwerp", starts_at=f"{session['local_start'][:10]}T20:00")
    sign_up(client, "antwerp", mentee_body(session["id"], "a@example.org"))
    answer = client.http.post(f"/branches/antwerp/info-sessions/{session['id']}/cancel", headers=COORD)
    assert answer.json_body["status"] == "cancelled" and answer.json_body["notified"] == 1
    mail = sent_mail()[-1]
    assert mail["to"] == ["a@example.org"] and "20:00" in mail["body"]
    assert later["id"]  # offered in the mail above by its time
    again = client.http.post(f"/branches/antwerp/info-sessions/{session['id']}/cancel", headers=COORD)
    assert (again.status_code, again.json_body["code"]) == (409, "already_cancelled")


def test_registrations_and_new_candidates_newest_first_filtered_and_paginated(client):
    session = plan_session(client, "antwerp")
    for i in range(3):
        sign_up(client, "antwerp", mentee_body(session["id"], f"mentee{i}@example.org"))
    sign_up(client, "antwerp", mentor_body(session["id"], "mentor@example.org"))
    regs = client.http.get(f"/branches/antwerp/info-sessions/{session['id']}/registrations", headers=COORD)
    assert len(regs.json_body["items"]) == 4
    page = client.http.get("/branches/antwerp/candidates?role=mentee&limit=2", headers=COORD).json_body
    assert len(page["items"]) <= 2 and page["next"]
    rest = client.http.get(f"/branches/antwerp/candidates?role=mentee&limit=2&cursor={page['next']}", headers=COORD)
    emails = [c["email"] for c in page["items"] + rest.json_body["items"]]
    assert sorted(emails) == ["mentee0@example.org", "mentee1@example.org", "mentee2@example.org"]
    everyone = client.http.get("/branches/antwerp/candidates", headers=COORD).json_body["items"]
    assert [c["created_at"] for c in everyone] == sorted((c["created_at"] for c in everyone), reverse=True)
    withdrawn = client.http.get("/branches/antwerp/candidates?status=withdrawn", headers=COORD).json_body
    assert withdrawn["items"] == []
    # A cursor of another branch's list is refused.
    foreign = client.http.get(f"/branches/ghent/candidates?cursor={page['next']}",
                              headers=bearer("coordinator", "ghent"))
    assert foreign.status_code == 400


def test_the_personal_link_cancels_or_moves_a_registration_and_frees_the_seat(client):
    first = plan_session(client, "antwerp", capacity=1)
    second = plan_session(client, "antwerp", capacity=1)
    candidate, token = sign_up_candidate(client, "antwerp", first["id"])
    repos = repos_module.get()
    view = signup_service.change_registration(repos, "antwerp", candidate, token, second["id"])
    assert view.session.id == second["id"]
    assert repos.sessions.get("antwerp", first["id"]).seats_taken == 0
    assert repos.sessions.get("antwerp", second["id"]).seats_taken == 1
    view = signup_service.cancel_registration(repos, "antwerp", candidate, token)
    assert view.status == "withdrawn"
    assert repos.sessions.get("antwerp", second["id"]).seats_taken == 0
    [reg] = repos.sessions.registrations("antwerp", second["id"])
    assert reg.status == "cancelled"


def test_reminders_go_once_the_day_before_to_those_registered_earlier(client):
    repos = repos_module.get()
    soon = plan_session(client, "antwerp")
    sign_up(client, "antwerp", mentee_body(soon["id"], "a@example.org"))
    starts = datetime.fromisoformat(soon["starts_at"].replace("Z", "+00:00"))
    day_before = starts - timedelta(hours=20)
    before = len(sent_mail())
    assert sessions_service.send_reminders(repos, day_before) == 1
    assert sent_mail()[-1]["to"] == ["a@example.org"] and len(sent_mail()) == before + 1
    assert sessions_service.send_reminders(repos, day_before + timedelta(hours=1)) == 0
    # Too early (two days before): nothing.
    assert sessions_service.send_reminders(repos, starts - timedelta(days=2)) == 0
    assert datetime.now(UTC) < starts
