"""A candidate's own privacy pages, through the app in-process: the link in every mail, the privacy page, a
copy (readable and JSON, once), the request form that tells nobody whether an address is known, withdrawal
of consent, a new privacy notice, and links that are tampered with, expired or used under another branch."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest

from chalicelib.services import consent, privacy_links
from chalicelib.services import repos as repos_module
from tests.conftest import bearer, sent_mail
from tests.integration.signup_helpers import mentee_body, plan_session, sign_up

B = "rotterdam"  # Dutch and English: the person chose English
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PRIVACY = re.compile(r"https?://[^\s]+/branches/([a-z-]+)/privacy/([0-9a-f]{48})\?lang=(\w+)")
COPY = re.compile(r"https?://[^\s]+/branches/([a-z-]+)/privacy/copy/([0-9a-f]{48})\?lang=(\w+)")


def text(response) -> str:
    body = re.sub(r"<style>.*?</style>", " ", response.body.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def post(client, path: str, **values: str):
    return client.http.post(path, headers=FORM, body=urlencode(values))


def mails_to(address: str) -> list[dict]:
    return [m for m in sent_mail() if m["to"] == [address]]


def signed_up(client, branch: str = B, *, language: str = "en", email: str | None = None,
              session_id: str | None = None) -> tuple[str, str]:
    """A registered mentee of ``branch`` (through the API): their id and email."""
    email = email or f"amal.{uuid.uuid4().hex[:8]}@example.org"
    session_id = session_id or plan_session(client, branch)["id"]
    answer = sign_up(client, branch, mentee_body(session_id, email, language=language))
    assert answer.status_code == 201, answer.body
    owners = repos_module.get()  # the one-per-email guard says who signed up (as the request form finds them)
    from chalicelib.store.consent import ConsentRepository

    [candidate_id] = ConsentRepository(owners.scopes).owners_of(branch, email)
    return candidate_id, email


def privacy_token(mail: dict) -> str:
    match = PRIVACY.search(mail["body"])
    assert match, mail["body"]
    return match.group(2)


def page(client, branch: str, token: str, lang: str = ""):
    return client.http.get(f"/branches/{branch}/privacy/{token}" + (f"?lang={lang}" if lang else ""))


# --- The whole journey -----------------------------------------------------------------------------------
def test_from_the_signup_mail_to_a_copy_of_everything_once(client):
    # GIVEN a mentee who signed up: their confirmation mail carries their privacy link in its footer
    candidate_id, email = signed_up(client)
    [confirmation] = mails_to(email)
    assert "privacy page" in confirmation["body"]
    match = PRIVACY.search(confirmation["body"])
    assert match and match.group(1) == B and match.group(3) == "en"
    token = match.group(2)

    # WHEN they open it: what we hold, in their language, and the three things they can do
    answer = page(client, B, token)
    assert answer.status_code == 200 and '<html lang="en">' in answer.body.decode()
    assert answer.headers["Cache-Control"] == "no-store" and answer.headers["Referrer-Policy"] == "no-referrer"
    shown = text(answer)
    assert "Amal Benali" in shown and email in shown and "+32 470 12 34 56" in shown
    assert "Send me a copy" in shown and "Withdraw my consent" in shown
    assert "I agree to the new privacy notice" not in shown  # their consent is to the current notice
    assert "<script" not in answer.body.decode()

    # AND ask for a copy: the answer is confirmed by mail, with a one-use export link
    before = len(mails_to(email))
    asked = post(client, f"/branches/{B}/privacy/{token}", action="copy")
    assert asked.status_code == 200 and "We have sent you an email" in text(asked)
    [copy_mail] = mails_to(email)[before:]
    assert PRIVACY.search(copy_mail["body"])  # the copy mail too has the privacy link in its footer
    export = COPY.search(copy_mail["body"])
    assert export and export.group(1) == B
    copy_path = f"/branches/{B}/privacy/copy/{export.group(2)}"

    # THEN the export link opens a readable page of everything, events included, in plain words
    readable = client.http.get(copy_path)
    assert readable.status_code == 200 and '<html lang="en">' in readable.body.decode()
    shown = text(readable)
    assert "A copy of your data" in shown and "Amal Benali" in shown and email in shown
    assert "Your info sessions" in shown and "Registered" in shown
    assert "You signed up for an info session" in shown  # the history, not event codes
    assert "You asked for a copy of your data" in shown
    assert "candidate.signed_up" not in shown
    download = re.search(r'href="([0-9a-f]{48})\?format=json"', readable.body.decode())
    assert download, "the page offers the same as a file"

    # AND the file: JSON, as an attachment, with their data and events
    file = client.http.get(f"/branches/{B}/privacy/copy/{download.group(1)}?format=json")
    assert file.status_code == 200 and file.headers["Content-Type"].startswith("application/json")
    assert file.headers["Content-Disposition"].startswith("attachment; filename=")
    data = json.loads(file.body)
    assert data["format"] == "duo.person-export/1" and data["branch"]["id"] == B
    assert data["person"]["id"] == candidate_id and data["person"]["email"] == email
    assert data["person"]["name"] == "Amal Benali"
    kinds = [e["kind"] for e in data["events"]]
    assert "candidate.signed_up" in kinds and "privacy.copy_sent" in kinds
    assert all(e["by"] in ("you", "staff", "system") for e in data["events"])

    # AND each link works once: the export link and the download used again are 410, and show nothing of theirs
    for path in (copy_path, f"/branches/{B}/privacy/copy/{download.group(1)}?format=json", copy_path + "?format=json"):
        again = client.http.get(path)
        assert again.status_code == 410, path
        assert email not in again.body.decode() and "Amal" not in again.body.decode()
        assert 'name="email"' in again.body.decode()  # the form for a new link
    # while the privacy link itself goes on working (12 months)
    assert page(client, B, token).status_code == 200


def test_every_mail_to_a_candidate_carries_their_privacy_link(client, frozen_clock):
    from chalicelib.services import sessions

    # a registration change, a session moved and the day-before reminder (registrations hold the candidate)
    session = plan_session(client, B, starts_at=(frozen_clock.now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    other = plan_session(client, B)
    candidate_id, email = signed_up(client, session_id=session["id"])
    token = privacy_token(mails_to(email)[0])
    manage = re.search(r"registrations/[^?\s]+\?token=([^&\s]+)", mails_to(email)[0]["body"]).group(1)
    moved = post(client, f"/branches/{B}/registrations/{candidate_id}", token=manage, action="change",
                 session_id=other["id"])
    assert moved.status_code == 200
    changed = client.http.patch(f"/branches/{B}/info-sessions/{other['id']}", headers=bearer("coordinator", B),
                                body=json.dumps({"capacity": 30, "address": "Coolsingel 40, Rotterdam"}))
    assert changed.status_code == 200, changed.body
    frozen_clock.set(frozen_clock.now + timedelta(days=29, hours=12))
    sessions.send_reminders(repos_module.get())
    mails = mails_to(email)
    assert len(mails) >= 3
    links = [privacy_token(m) for m in mails]
    assert len(set(links)) == len(links)  # a fresh link in each mail
    for each in (token, *links):
        assert page(client, B, each).status_code == 200


def test_the_duo_mails_carry_the_privacy_link_too(client, frozen_clock):
    from tests.integration.duo_helpers import pair, ready_candidate

    mentee = ready_candidate(client, B, "mentee", language="en")
    mentor = ready_candidate(client, B, "mentor", language="nl")
    before = len(sent_mail())
    assert pair(client, B, mentee, mentor, frozen_clock.now + timedelta(hours=1)).status_code == 201
    repos = repos_module.get()
    for person in (mentee, mentor):
        address = repos.candidates.get(B, person).email
        [mail] = [m for m in sent_mail()[before:] if m["to"] == [address]]
        assert "/links/" in mail["body"]
        view = privacy_links.open_page(repos, B, privacy_token(mail))
        assert view.candidate.id == person  # each person's link leads to them, and only them


# --- The request form ------------------------------------------------------------------------------------
def test_the_request_form_answers_the_same_for_known_and_unknown_addresses(client):
    _, email = signed_up(client)
    form = client.http.get(f"/branches/{B}/privacy?lang=en")
    assert form.status_code == 200 and 'name="email"' in form.body.decode()
    before = len(sent_mail())
    known = post(client, f"/branches/{B}/privacy", email=email.upper(), lang="en")
    unknown = post(client, f"/branches/{B}/privacy", email="nobody.here@example.org", lang="en")
    assert known.status_code == unknown.status_code == 200
    assert text(known) == text(unknown)
    assert email not in known.body.decode()
    mails = sent_mail()[before:]
    assert [m["to"] for m in mails] == [[email]]  # only the known address is mailed
    token = privacy_token(mails[0])
    assert page(client, B, token).status_code == 200
    # asking again at once sends nothing more, and says the same
    again = post(client, f"/branches/{B}/privacy", email=email, lang="en")
    assert again.status_code == 200 and text(again) == text(known) and len(sent_mail()) == before + 1
    # a bad address is an error at its field
    bad = post(client, f"/branches/{B}/privacy", email="not an address", lang="en")
    assert bad.status_code == 400 and 'id="email-error"' in bad.body.decode()


def test_the_request_form_mails_only_the_people_of_that_branch(client):
    # The same address is a mentee in Rotterdam and in Antwerp: asking Antwerp's form mails Antwerp's link only.
    email = f"twice.{uuid.uuid4().hex[:8]}@example.org"
    rotterdam_id, _ = signed_up(client, B, email=email)
    antwerp_id, _ = signed_up(client, "antwerp", language="nl", email=email)
    before = len(sent_mail())
    assert post(client, "/branches/antwerp/privacy", email=email).status_code == 200
    [mail] = sent_mail()[before:]
    match = PRIVACY.search(mail["body"])
    assert match.group(1) == "antwerp" and match.group(3) == "nl"
    view = privacy_links.open_page(repos_module.get(), "antwerp", match.group(2))
    assert view.candidate.id == antwerp_id != rotterdam_id
    assert page(client, B, match.group(2)).status_code == 404


# --- Consent -----------------------------------------------------------------------------------------------
def test_withdrawal_needs_a_confirmation_then_withdraws_and_opens_an_erasure_request(client):
    from chalicelib.services import privacy_requests

    candidate_id, email = signed_up(client)
    token = privacy_token(mails_to(email)[0])
    repos = repos_module.get()
    session_id = repos.candidates.get(B, candidate_id).session_id
    seats = repos.sessions.get(B, session_id).seats_taken
    path = f"/branches/{B}/privacy/{token}"

    # the first click asks for a confirmation on the same page and says what happens; nothing changes yet
    first = post(client, path, action="withdraw")
    assert first.status_code == 200 and "Are you sure?" in text(first) and "erases your data" in text(first)
    assert 'name="confirm" value="yes"' in first.body.decode()
    assert repos.candidates.get(B, candidate_id).status.value == "registered"

    # confirmed: consent withdrawn (when), the person withdrawn, their seat free, an erasure request opened
    before = len(mails_to(email))
    done = post(client, path, action="withdraw", confirm="yes")
    assert done.status_code == 200 and "Your consent is withdrawn" in text(done)
    from chalicelib.store.consent import ConsentRepository

    stored = ConsentRepository(repos.scopes).get(B, candidate_id).consent
    assert stored["withdrawn_at"] and stored["via"] == "privacy_page" and stored["request_id"]
    assert repos.candidates.get(B, candidate_id).status.value == "withdrawn"
    assert repos.sessions.get(B, session_id).seats_taken == seats - 1
    requests = [r for r in privacy_requests.list_requests(repos, B) if r.candidate_id == candidate_id]
    assert [(r.kind.value, r.source.value, r.status.value) for r in requests] == [("erasure", "candidate", "open")]
    assert requests[0].id == stored["request_id"]
    events = [e.kind for e in repos.events.for_subject(B, "candidate", candidate_id)[0]]
    assert "consent.withdrawn" in events and "candidate.withdrawn" in events
    [told] = mails_to(email)[before:]
    assert "withdrawn" in told["subject"] and PRIVACY.search(told["body"])

    # withdrawing again changes nothing and opens no second request; the page says since when
    assert post(client, path, action="withdraw", confirm="yes").status_code == 200
    again = [r for r in privacy_requests.list_requests(repos, B) if r.candidate_id == candidate_id]
    assert len(again) == 1 and len(mails_to(email)) == before + 1
    assert "You withdrew your consent on" in text(page(client, B, token))


def test_a_new_notice_asks_only_the_outdated_people_and_records_their_new_consent(client):
    # GIVEN three people who agreed to version 1, one of whom withdrew, and one restricted
    ids = [signed_up(client)[0] for _ in range(3)]
    repos = repos_module.get()
    consent.withdraw_consent(repos, B, ids[1], via="privacy_page")
    from chalicelib.store.keys import candidate_key
    from chalicelib.store.models import CandidateItem

    with repos.scopes.tenant(B):
        CandidateItem(*candidate_key(B, ids[2])).update(actions=[
            CandidateItem.restricted.set({"at": "2026-11-01T00:00:00Z", "by": "staff"})])
    assert consent.outdated(repos, B) == 0

    # WHEN the branch publishes version 2 and says everyone must agree again
    answer = client.http.patch(f"/branches/{B}", headers=bearer("branch_admin", B), body=json.dumps(
        {"config": {"signup": {"privacy_notice_version": "2", "reconsent_required": True}}}))
    assert answer.status_code == 200, answer.body
    assert json.loads(answer.body)["config"]["signup"]["reconsent_required"] is True
    newcomer, newcomer_email = signed_up(client)  # signs up under version 2: not outdated
    assert consent.outdated(repos, B) == 1
    before = len(sent_mail())
    assert consent.ask_new_consent(repos, B, actor="staff-test") == 1
    mails = sent_mail()[before:]
    email = repos.candidates.get(B, ids[0]).email
    assert [m["to"] for m in mails] == [[email]]  # only the outdated person
    assert "privacy notice" in mails[0]["subject"]
    assert consent.ask_new_consent(repos, B, actor="staff-test") == 0  # asked once per version

    # THEN their page asks them to agree, and agreeing records the new version and the language read
    token = privacy_token(mails[0])
    view = page(client, B, token)
    assert "I agree to the new privacy notice" in text(view)
    agreed = post(client, f"/branches/{B}/privacy/{token}", action="consent", lang="nl")
    assert agreed.status_code == 200 and '<html lang="nl">' in agreed.body.decode()
    from chalicelib.store.consent import ConsentRepository

    stored = ConsentRepository(repos.scopes).get(B, ids[0]).consent
    assert stored["version"] == "2" and stored["language"] == "nl" and "withdrawn_at" not in stored
    assert consent.outdated(repos, B) == 0
    assert "I agree to the new privacy notice" not in text(page(client, B, token))
    events = repos.events.for_subject(B, "candidate", ids[0])[0]
    given = next(e for e in events if e.kind == "consent.given")
    assert given.data["version"] == "2" and given.data["language"] == "nl" and given.actor == "candidate"
    # someone who withdrew is not asked and cannot agree through their page
    with pytest.raises(Exception, match="withdrawn"):
        consent.give_consent(repos, B, ids[1], version="2", language="en")
    assert newcomer and newcomer_email not in [m["to"][0] for m in mails]


# --- Links that do not work --------------------------------------------------------------------------------
def test_tampered_expired_and_other_branch_links(client, frozen_clock):
    candidate_id, email = signed_up(client)
    token = privacy_token(mails_to(email)[0])
    repos = repos_module.get()

    # tampered: one character changed, a duo-style token, or cut short: 404, nothing of theirs
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad in (tampered, "0" * 48, token[:40]):
        answer = page(client, B, bad)
        assert answer.status_code == 404, bad
        assert email not in answer.body.decode()
    assert post(client, f"/branches/{B}/privacy/{tampered}", action="withdraw", confirm="yes").status_code == 404
    assert repos.candidates.get(B, candidate_id).status.value == "registered"

    # another branch's URL with A's real token: 404, and shows nothing of A
    other = page(client, "antwerp", token)
    assert other.status_code == 404 and email not in other.body.decode() and "Amal" not in other.body.decode()
    assert post(client, f"/branches/antwerp/privacy/{token}", action="copy").status_code == 404
    export = privacy_links.mint(repos, B, candidate_id, "export")
    assert client.http.get(f"/branches/antwerp/privacy/copy/{export}").status_code == 404
    assert client.http.get(f"/branches/{B}/privacy/copy/{token}").status_code == 404  # a privacy link is no copy
    assert page(client, B, export).status_code == 404  # and a copy link no privacy page

    # expired: the export link after 24 hours, the privacy link after 12 months: 410 with the request form
    frozen_clock.advance(hours=25)
    expired = client.http.get(f"/branches/{B}/privacy/copy/{export}?lang=en")
    assert expired.status_code == 410 and "expired" in text(expired) and email not in expired.body.decode()
    fresh = privacy_links.mint(repos, B, candidate_id, "privacy")
    frozen_clock.advance(days=366)
    old = page(client, B, fresh)
    assert old.status_code == 410 and 'name="email"' in old.body.decode()
    assert post(client, f"/branches/{B}/privacy/{fresh}", action="copy").status_code == 410


def test_an_erased_persons_links_lead_nowhere(client):
    from chalicelib.services import personal_data

    candidate_id, email = signed_up(client)
    token = privacy_token(mails_to(email)[0])
    personal_data.erase_person(repos_module.get(), B, candidate_id, "staff-test")
    answer = page(client, B, token)
    assert answer.status_code == 404 and email not in answer.body.decode()
