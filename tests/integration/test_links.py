"""Personal duo links: the answer, the evaluation and the outcome, once each, in the person's language;
expired, used and unknown links get a friendly page."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from chalicelib.services import repos as repos_module
from tests.conftest import bearer, sent_mail
from tests.integration.duo_helpers import pair, ready_candidate

B = "brussels"
LINK = re.compile(r"/branches/brussels/links/([0-9a-f]{48})")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _tokens(mails) -> dict[str, str]:
    """Mail address -> the link token in it."""
    return {m["to"][0]: LINK.search(m["body"]).group(1) for m in mails if LINK.search(m["body"])}


@pytest.fixture
def duo(client, frozen_clock):
    mentee = ready_candidate(client, B, "mentee", language="nl")
    mentor = ready_candidate(client, B, "mentor", language="fr")
    before = len(sent_mail())
    answer = pair(client, B, mentee, mentor, frozen_clock.now + timedelta(hours=1))
    repos = repos_module.get()
    emails = {"mentee": repos.candidates.get(B, mentee).email, "mentor": repos.candidates.get(B, mentor).email}
    tokens = _tokens(sent_mail()[before:])
    return {**json.loads(answer.body), "tokens": {side: tokens[emails[side]] for side in emails}, "emails": emails}


def page(client, token):
    return client.http.get(f"/branches/{B}/links/{token}")


def send(client, token, **values):
    return client.http.post(f"/branches/{B}/links/{token}", headers=FORM, body=urlencode(values))


def test_before_the_meeting_the_page_says_to_come_back(client, duo, frozen_clock):
    answer = page(client, duo["tokens"]["mentee"])
    assert answer.status_code == 200 and 'name="answer"' not in answer.body.decode()
    assert 'lang="nl"' in answer.body.decode()


def test_two_yeses_by_link_lead_to_the_agreement_and_each_link_works_once(client, duo, frozen_clock):
    frozen_clock.advance(hours=2)
    mentor_page = page(client, duo["tokens"]["mentor"]).body.decode()
    assert '<html lang="fr">' in mentor_page and 'name="answer"' in mentor_page
    assert "<script" not in mentor_page
    assert send(client, duo["tokens"]["mentee"], answer="yes").status_code == 200
    done = send(client, duo["tokens"]["mentor"], answer="yes")
    assert done.status_code == 200 and 'name="answer"' not in done.body.decode()
    stored = repos_module.get().duos.get(B, duo["id"])
    assert stored.status.value == "agreed" and stored.answers["mentee"]["by"] == "candidate"
    again = send(client, duo["tokens"]["mentee"], answer="no")
    assert again.status_code == 409 and 'name="answer"' not in again.body.decode()
    assert repos_module.get().duos.get(B, duo["id"]).status.value == "agreed"
    assert page(client, duo["tokens"]["mentee"]).status_code == 200  # a thank-you page, not an error


def test_a_missing_choice_asks_again(client, duo, frozen_clock):
    frozen_clock.advance(hours=2)
    answer = send(client, duo["tokens"]["mentee"])
    assert answer.status_code == 400 and 'role="alert"' in answer.body.decode()
    assert repos_module.get().duos.get(B, duo["id"]).answers == {}


def test_expired_and_unknown_links(client, duo, frozen_clock):
    frozen_clock.advance(days=8)
    assert page(client, duo["tokens"]["mentee"]).status_code == 410
    assert send(client, duo["tokens"]["mentee"], answer="yes").status_code == 410
    assert repos_module.get().duos.get(B, duo["id"]).answers == {}
    assert page(client, "0" * 48).status_code == 404
    assert page(client, "not-a-token").status_code == 404
    # A link of one branch is nothing under another branch.
    assert client.http.get(f"/branches/antwerp/links/{duo['tokens']['mentee']}").status_code == 404


def test_evaluation_and_outcome_links(client, duo, frozen_clock):
    frozen_clock.advance(hours=2)
    send(client, duo["tokens"]["mentee"], answer="yes")
    send(client, duo["tokens"]["mentor"], answer="yes")
    base = f"/branches/{B}/duos/{duo['id']}"
    headers = bearer("coordinator", B)
    today = frozen_clock.now.date().isoformat()
    d = json.loads(client.http.post(base + "/agreement", headers=headers, body=json.dumps(
        {"signed_on": today, "mentee": True, "mentor": True, "branch": True, "version": 2})).body)
    frozen_clock.advance(days=180)
    before = len(sent_mail())
    d = json.loads(client.http.post(base + "/close", headers=headers, body=json.dumps(
        {"ended_on": frozen_clock.now.date().isoformat(), "kind": "completed", "version": d["version"]})).body)
    tokens = _tokens(sent_mail()[before:])
    mentee_token = tokens[duo["emails"]["mentee"]]
    form = page(client, mentee_token).body.decode()
    assert 'name="gained_confidence"' in form and 'name="keeps_in_touch"' not in form
    partial = send(client, mentee_token, gained_stability="yes")
    assert partial.status_code == 400
    items = ("gained_stability", "gained_autonomy", "gained_confidence", "understands_language_culture_codes",
             "knows_where_to_find_opportunities", "knows_how_to_seize_opportunities")
    assert send(client, mentee_token, **{k: "yes" for k in items}).status_code == 200
    stored = repos_module.get().duos.get(B, duo["id"])
    assert stored.evaluations["mentee"]["gained_confidence"] is True
    # The coordinator records the mentor's evaluation: the mentor's link then says thank you.
    client.http.post(base + "/evaluations", headers=headers, body=json.dumps(
        {"side": "mentor", "answers": {"would_mentor_again": True, "keeps_in_touch": True}, "version": stored.version}))
    mentor_page = page(client, tokens[duo["emails"]["mentor"]])
    assert mentor_page.status_code == 200 and 'name="would_mentor_again"' not in mentor_page.body.decode()
    # Twelve months after the start, the reminder job sends the mentee the outcome link.
    from chalicelib.services import reminders

    frozen_clock.advance(days=190)
    before = len(sent_mail())
    reminders.send_duo_reminders(repos_module.get())
    outcome_token = _tokens(sent_mail()[before:])[duo["emails"]["mentee"]]
    assert send(client, outcome_token, situation="job").status_code == 200
    final = repos_module.get().duos.get(B, duo["id"])
    assert final.outcome["situation"] == "job" and final.outcome["by"] == "candidate"
