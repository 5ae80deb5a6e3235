"""Duo reminders of the hourly job: each once, to the right person, in their language, at the right time."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from chalicelib.services import reminders
from chalicelib.services import repos as repos_module
from local.seed import demo_subject
from tests.conftest import bearer, sent_mail
from tests.integration.duo_helpers import pair, ready_candidate

B = "brussels"
LINK = re.compile(r"/branches/brussels/links/([0-9a-f]{48})")


def run() -> list[dict]:
    before = len(sent_mail())
    reminders.send_duo_reminders(repos_module.get())
    return sent_mail()[before:]


def make(client, frozen_clock):
    mentee = ready_candidate(client, B, "mentee", language="nl")
    mentor = ready_candidate(client, B, "mentor", language="fr")
    duo = json.loads(pair(client, B, mentee, mentor, frozen_clock.now).body)
    repos = repos_module.get()
    return duo, repos.candidates.get(B, mentee), repos.candidates.get(B, mentor)


def test_pending_answer_reminded_after_20_hours_once_in_their_language(client, frozen_clock):
    duo, _mentee, mentor = make(client, frozen_clock)
    frozen_clock.advance(hours=1)
    client.http.post(f"/branches/{B}/duos/{duo['id']}/answers", headers=bearer("coordinator", B),
                     body=json.dumps({"side": "mentee", "answer": "yes", "version": 0}))
    frozen_clock.advance(hours=18)
    assert run() == []
    frozen_clock.advance(hours=1, minutes=1)
    mails = run()
    assert [m["to"] for m in mails] == [[mentor.email]]
    assert "Bonjour" in mails[0]["body"] and LINK.search(mails[0]["body"])
    token = LINK.search(mails[0]["body"]).group(1)
    assert client.http.get(f"/branches/{B}/links/{token}").status_code == 200
    frozen_clock.advance(hours=5)
    assert run() == []


def to_active(client, duo, frozen_clock):
    base = f"/branches/{B}/duos/{duo['id']}"
    headers = bearer("coordinator", B)
    frozen_clock.advance(hours=1)
    v = duo["version"]
    for side in ("mentee", "mentor"):
        v = json.loads(client.http.post(base + "/answers", headers=headers,
                                        body=json.dumps({"side": side, "answer": "yes", "version": v})).body)["version"]
    answer = client.http.post(base + "/agreement", headers=headers, body=json.dumps(
        {"signed_on": frozen_clock.now.date().isoformat(), "mentee": True, "mentor": True, "branch": True,
         "version": v}))
    return json.loads(answer.body)


def test_fourteen_quiet_days_remind_the_coordinator_once(client, frozen_clock):
    duo, _, _ = make(client, frozen_clock)
    duo = to_active(client, duo, frozen_clock)
    assert duo["coordinator_id"] == demo_subject("coordinator", B)
    coordinator = repos_module.get().staff.get(B, duo["coordinator_id"])
    frozen_clock.advance(days=13)
    assert run() == []
    frozen_clock.advance(days=1)
    mails = run()
    assert [m["to"] for m in mails] == [[coordinator.email]]
    assert f"/console/duos/{duo['id']}" in mails[0]["body"]
    frozen_clock.advance(days=3)
    assert run() == []


def test_evaluation_not_filled_a_week_after_closing(client, frozen_clock):
    duo, mentee, _mentor = make(client, frozen_clock)
    duo = to_active(client, duo, frozen_clock)
    base = f"/branches/{B}/duos/{duo['id']}"
    headers = bearer("coordinator", B)
    duo = json.loads(client.http.post(base + "/meetings", headers=headers, body=json.dumps(
        {"on": frozen_clock.now.date().isoformat(), "minutes": 60, "mode": "online", "version": duo["version"]})).body)
    duo = json.loads(client.http.post(base + "/close", headers=headers, body=json.dumps(
        {"ended_on": frozen_clock.now.date().isoformat(), "kind": "completed", "version": duo["version"]})).body)
    client.http.post(base + "/evaluations", headers=headers, body=json.dumps(
        {"side": "mentor", "answers": {"would_mentor_again": True, "keeps_in_touch": True},
         "version": duo["version"]}))
    frozen_clock.advance(days=6)
    assert run() == []
    frozen_clock.advance(days=1)
    mails = run()
    assert [m["to"] for m in mails] == [[mentee.email]] and "Hallo" in mails[0]["body"]
    frozen_clock.advance(days=1)
    assert run() == []


def test_outcome_link_at_twelve_months_once(client, frozen_clock):
    duo, mentee, _ = make(client, frozen_clock)
    duo = to_active(client, duo, frozen_clock)
    base = f"/branches/{B}/duos/{duo['id']}"
    headers = bearer("coordinator", B)
    frozen_clock.advance(days=1)
    duo = json.loads(client.http.post(base + "/close", headers=headers, body=json.dumps(
        {"ended_on": frozen_clock.now.date().isoformat(), "kind": "completed", "version": duo["version"]})).body)
    frozen_clock.advance(days=8)
    run()  # the evaluation reminders
    frozen_clock.advance(days=300)
    assert run() == []
    frozen_clock.set(frozen_clock.now + timedelta(days=60))
    mails = run()
    assert [m["to"] for m in mails] == [[mentee.email]] and LINK.search(mails[0]["body"])
    assert run() == []
