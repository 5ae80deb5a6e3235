"""Refusals in the page's language: a service's 409 or 400 on a console page reads in the coordinator's
language (nl, fr), while the JSON API keeps its English texts."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest

from chalicelib.api.routing import csrf_for
from chalicelib.services import repos as repos_module
from tests.conftest import bearer, sent_mail, token
from tests.integration.duo_helpers import pair, ready_candidate
from tests.integration.people_helpers import bring_to
from tests.integration.signup_helpers import mentor_body, plan_session, sign_up, sign_up_candidate

_LINK = re.compile(r"/branches/brussels/links/([0-9a-f]{48})")
BUSY_EN = "Not possible: this candidate is in a pairing or a duo: close it first."
BUSY_NL = "Niet mogelijk: deze kandidaat zit in een koppeling of een duo: sluit die eerst af."


def _post(client, branch: str, path: str, form: dict, lang: str):
    session = token("coordinator", branch)
    body = urlencode({"csrf": csrf_for(session), **form}, doseq=True)
    return client.http.post(f"/branches/{branch}/console{path}", body=body, headers={
        "Cookie": f"duo_session={session}", "Content-Type": "application/x-www-form-urlencoded",
        "Accept-Language": lang})


def _text(answer, status: int) -> str:
    assert answer.status_code == status, answer.body[:500]
    assert "text/html" in answer.headers["Content-Type"]
    return unescape(answer.body.decode())


@pytest.fixture
def in_duo(client):
    """A mentee of Antwerp (Dutch) who is in a duo, and their version."""
    session = plan_session(client, "antwerp")["id"]
    cid, _ = sign_up_candidate(client, "antwerp", session)
    return cid, bring_to("antwerp", cid, "in_duo")


def test_a_life_cycle_refusal_reads_in_dutch_for_a_dutch_speaking_coordinator(client, in_duo):
    # GIVEN a mentee in a duo, WHEN a Dutch-speaking coordinator withdraws them
    cid, version = in_duo
    page = _text(_post(client, "antwerp", f"/people/{cid}/withdraw", {"version": version}, "nl"), 409)
    # THEN the refusal is in Dutch, not in English, and nothing changed
    assert BUSY_NL in page and "Dit kon niet gebeuren" in page
    assert "Not possible" not in page and "close it first" not in page
    assert repos_module.get().candidates.get("antwerp", cid).status.value == "in_duo"


def test_the_same_refusal_through_the_json_api_stays_english(client, in_duo):
    cid, version = in_duo
    answer = client.http.post(f"/branches/antwerp/candidates/{cid}/withdraw", headers={
        **bearer("coordinator", "antwerp"), "Accept-Language": "nl"}, body=json.dumps({"version": version}))
    assert answer.status_code == 409
    body = json.loads(answer.body)
    assert body["message"] == BUSY_EN and body["code"] == "in_a_duo"


def test_an_english_console_page_keeps_the_english_refusal(client, in_duo):
    cid, version = in_duo
    page = _text(_post(client, "antwerp", f"/people/{cid}/withdraw", {"version": version}, "en"), 409)
    assert BUSY_EN in page and BUSY_NL not in page


def test_a_refusal_words_the_status_and_the_step_in_the_page_language(client):
    # GIVEN a withdrawn mentee of Antwerp, WHEN a coordinator plans their intake
    session = plan_session(client, "antwerp")["id"]
    cid, _ = sign_up_candidate(client, "antwerp", session)
    version = bring_to("antwerp", cid, "withdrawn")
    form = {"at_date": "2026-12-01", "at_time": "10:00", "version": version}
    nl = _text(_post(client, "antwerp", f"/people/{cid}/intake-schedule", form, "nl"), 409)
    en = _text(_post(client, "antwerp", f"/people/{cid}/intake-schedule", form, "en"), 409)
    # THEN the whole sentence is Dutch, the status and the step included
    assert "Niet mogelijk: voor een kandidaat met de status „uitgeschreven” kun je nu niet een intake plannen." in nl
    assert "withdrawn" not in nl and "schedule an intake" not in nl
    assert "Not possible: a candidate who is withdrawn cannot schedule an intake now." in en


def test_a_400_console_page_lists_its_field_messages_in_french(client):
    # GIVEN a French-speaking coordinator of Brussels, WHEN a form comes without its version
    page = _text(_post(client, "brussels", "/people/abc123/withdraw", {"version": "x"}, "fr"), 400)
    # THEN the message and the field's message are French
    assert "Veuillez vérifier ce que vous avez envoyé" in page
    assert "Ce formulaire est incomplet ; rechargez la page." in page and "Rechargez la page." in page
    assert "This form is incomplete" not in page and "Reload the page." not in page


def test_a_field_message_with_a_number_is_filled_in_after_translating(client):
    # GIVEN a mentor of Antwerp at the intake, WHEN the form names seven interests
    session = plan_session(client, "antwerp")["id"]
    email = f"jan.{uuid.uuid4().hex[:8]}@example.org"
    assert sign_up(client, "antwerp", mentor_body(session, email)).status_code == 201
    rows, _ = repos_module.get().candidates.list("antwerp", role="mentor", status=None, limit=50, cursor=None)
    mentor = next(c.id for c in rows if c.email == email)
    version = bring_to("antwerp", mentor, "intake_scheduled")
    form = {"interests": ["sport", "music", "cooking", "reading", "travel", "art", "film"],
            "availability": ["tue_evening"], "decision": "ready", "version": version}
    page = _text(_post(client, "antwerp", f"/people/{mentor}/intake", form, "nl"), 400)
    # THEN the field's message is Dutch with the number in it
    assert "Kies ten hoogste 6 interesses." in page and "Choose at most 6 interests." not in page


def test_a_public_link_page_words_its_field_message_in_the_persons_language(client, frozen_clock):
    # GIVEN a Dutch-speaking mentee of Brussels, paired, after the first meeting
    mentee = ready_candidate(client, "brussels", "mentee", language="nl")
    mentor = ready_candidate(client, "brussels", "mentor", language="fr")
    before = len(sent_mail())
    pair(client, "brussels", mentee, mentor, frozen_clock.now + timedelta(hours=1))
    email = repos_module.get().candidates.get("brussels", mentee).email
    link = next(_LINK.search(m["body"]).group(1) for m in sent_mail()[before:] if m["to"][0] == email)
    frozen_clock.advance(hours=2)
    # WHEN their answer is neither yes nor no
    answer = client.http.post(f"/branches/brussels/links/{link}", body=urlencode({"answer": "maybe"}),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    # THEN the page says so in Dutch
    page = _text(answer, 400)
    assert "Kies ja of nee." in page and "Choose yes or no." not in page
