"""The public signup pages, through the app in-process: languages, the form, its errors, outcomes, the
personal link page. Mail and storage are asserted as well as the HTML."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import urlencode

import boto3

from chalicelib.services import repos as repos_module
from tests.conftest import bearer, sent_mail
from tests.integration.signup_helpers import mentee_form, plan_session, sign_up_candidate

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LIEGE = {"address": "Rue Léopold 1, 4000 Liège", "language": "fr"}


def _items() -> int:
    return len(boto3.client("dynamodb", region_name="eu-west-1").scan(TableName="duo-test")["Items"])


def _candidates(branch: str) -> list:
    rows, _ = repos_module.get().candidates.list(branch, role=None, status=None, limit=100, cursor=None)
    return rows


def get(client, path: str, **headers: str):
    return client.http.get(path, headers=headers)


def post(client, path: str, form: dict, **headers: str):
    return client.http.post(path, headers={**FORM, **headers}, body=urlencode(form, doseq=True))


def text(response) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<style>.*?</style>", " ", response.body.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def lang_of(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.body.decode()).group(1)


def error_of(response, field: str) -> str:
    match = re.search(rf'<p id="{field}-error" class="field-error">(.*?)</p>', response.body.decode(), re.S)
    assert match, f"no error shown for {field}"
    return unescape(match.group(1)).strip()


# --- Languages -------------------------------------------------------------------------------------
def test_liege_shows_the_form_in_french_with_its_sessions_in_local_time(client):
    session = plan_session(client, "liege", **LIEGE)
    page = get(client, "/branches/liege/signup")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert lang_of(page) == "fr"
    words = text(page)
    assert "S'inscrire à une séance d'information" in words
    assert "Date de naissance" in words and "Rue Léopold 1" in words
    assert "18:30" in words  # planned at 18:30 Brussels time, shown so
    assert f'value="{session["id"]}"' in page.body.decode()
    assert "<nav" not in page.body.decode()  # Liège speaks one language: no switch
    # The first form posts to the page itself.
    first_form = re.search(r"<form[^>]*>", page.body.decode()).group(0)
    assert 'method="post"' in first_form and "action=" not in first_form


def test_antwerp_shows_the_mentor_form_in_dutch(client):
    plan_session(client, "antwerp", audience="mentors")
    page = get(client, "/branches/antwerp/signup?role=mentor", **{"Accept-Language": "fr-BE,fr;q=0.9"})
    assert (page.status_code, lang_of(page)) == (200, "nl")  # Antwerp offers Dutch only
    body, words = page.body.decode(), text(page)
    assert 'name="role" value="mentor"' in body and 'id="profession"' in body
    assert 'id="migration_background"' not in body and 'id="work_permit"' not in body
    assert "Ben je zes maanden lang beschikbaar" in words
    assert "zes maanden" in words and "elke week" in words  # what DUO for a JOB asks of them


def test_rotterdam_offers_english_by_accept_language_and_by_link(client):
    plan_session(client, "rotterdam", language="en", address="Coolsingel 40, Rotterdam")
    assert lang_of(get(client, "/branches/rotterdam/signup")) == "nl"
    english = get(client, "/branches/rotterdam/signup", **{"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
    assert lang_of(english) == "en"
    assert "Sign up for an info session" in text(english)
    links = re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', english.body.decode())
    assert [h for _, h in links] == ["nl", "en"] and links[0][0] == "?lang=nl"
    switched = get(client, "/branches/rotterdam/signup?lang=nl", **{"Accept-Language": "en"})
    assert lang_of(switched) == "nl" and "Inschrijven voor een infosessie" in text(switched)
    # A language the branch does not offer is not taken from the link.
    assert lang_of(get(client, "/branches/rotterdam/signup?lang=fr")) == "nl"


def test_pages_carry_security_headers_and_are_not_cached(client):
    plan_session(client, "antwerp")
    page = get(client, "/branches/antwerp/signup")
    headers = {k.lower(): v for k, v in page.headers.items()}
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    csp = headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "<script" not in page.body.decode()
    # A branch whose own website embeds the form lets that site (and only it) frame the page.
    patch = {"config": {"allowed_origins": ["https://www.duoforajob.be"]}}
    answer = client.http.patch("/branches/antwerp", headers=bearer("head_office"), body=json.dumps(patch))
    assert answer.status_code == 200
    csp = get(client, "/branches/antwerp/signup").headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.duoforajob.be" in csp


# --- Sending the form ------------------------------------------------------------------------------
def test_a_valid_mentee_form_shows_the_confirmation_and_sends_the_mail_in_dutch(client):
    session = plan_session(client, "antwerp")
    form = mentee_form(session["id"])
    page = post(client, "/branches/antwerp/signup?role=mentee", form)
    assert page.status_code == 200, text(page)
    assert "Bedankt voor je inschrijving" in text(page) and "Kerkstraat 1" in text(page)
    [candidate] = _candidates("antwerp")
    assert (candidate.email, candidate.language, candidate.session_id) == (form["email"], "nl", session["id"])
    assert [lang.code for lang in candidate.languages] == ["ar", "nl"]
    [mail] = sent_mail()
    assert mail["to"] == [form["email"]] and "Hallo Amal Benali" in mail["body"]
    # The same form sent twice (a double click, the back button) registers once.
    assert post(client, "/branches/antwerp/signup?role=mentee", form).status_code == 200
    assert len(_candidates("antwerp")) == 1


def test_an_invalid_form_comes_back_with_messages_next_to_the_fields_in_french_and_the_values_kept(client):
    session = plan_session(client, "liege", **LIEGE)
    form = {**mentee_form(session["id"]), "email": "not-an-address", "birth_date": "", "name": "Amal <b>B</b>",
            "language_2": "ar", "sectors": ["logistics", "it", "care", "retail"]}
    form.pop("consent")
    page = post(client, "/branches/liege/signup", form)
    assert page.status_code == 400
    assert lang_of(page) == "fr"
    body = page.body.decode()
    assert error_of(page, "email") == "Veuillez indiquer une adresse e-mail comme nom@exemple.be."
    assert error_of(page, "birth_date") == "Veuillez indiquer votre date de naissance."
    assert error_of(page, "consent").startswith("Veuillez accepter la politique de confidentialité")
    assert error_of(page, "sectors") == "Veuillez choisir 3 secteurs au maximum."
    assert error_of(page, "language_2") == "Vous avez déjà choisi cette langue."
    email_input = re.search(r'<input type="email" id="email"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in email_input and re.search(r'aria-describedby="[^"]*\bemail-error\b', email_input)
    assert 'role="alert"' in body and 'href="#birth_date"' in body
    # What they typed is kept (and escaped), their choices too.
    assert 'value="Amal &lt;b&gt;B&lt;/b&gt;"' in body and 'value="not-an-address"' in body
    assert re.search(r'value="logistics"[^>]*checked', body) and re.search(r'value="job"[^>]*checked', body)
    assert "Field required" not in body and "String should" not in body  # never pydantic's English
    assert _candidates("liege") == [] and sent_mail() == []


def test_the_role_can_be_chosen_in_the_page(client):
    session = plan_session(client, "antwerp")
    page = get(client, "/branches/antwerp/signup")
    assert 'name="role" value="mentee"' in page.body.decode() and 'name="role" value="mentor"' in page.body.decode()
    form = mentee_form(session["id"])
    form.pop("role")
    missing = post(client, "/branches/antwerp/signup", form)
    assert missing.status_code == 400 and error_of(missing, "role") == "Kies of je mentee of mentor wilt worden."
    assert post(client, "/branches/antwerp/signup", {**form, "role": "mentee"}).status_code == 200


def test_someone_too_old_gets_a_kind_message_in_french_and_nothing_is_stored(client):
    session = plan_session(client, "liege", **LIEGE)
    before = _items()
    form = {**mentee_form(session["id"]), "birth_date": "1980-02-03"}
    page = post(client, "/branches/liege/signup?role=mentee", form)
    assert page.status_code == 400
    words = text(page)
    assert "Ce programme s'adresse aux jeunes de 18 à 33 ans." in words
    assert "Nous n'avons rien conservé" in words
    assert _items() == before and sent_mail() == []


def test_the_not_eligible_page_says_where_else_to_turn_when_the_branch_says_so(client):
    session = plan_session(client, "liege", **LIEGE)
    elsewhere = {"config": {"signup": {"elsewhere": {"fr": "Le Forem, 0800 93 947 <www.leforem.be>"}}}}
    headers = bearer("head_office")
    assert client.http.patch("/branches/liege", headers=headers, body=json.dumps(elsewhere)).status_code == 200
    form = {**mentee_form(session["id"]), "work_permit": "no"}
    page = post(client, "/branches/liege/signup?role=mentee", form)
    assert page.status_code == 400
    words = text(page)
    assert "Pour participer, vous devez avoir le droit de travailler en Belgique." in words
    assert "Où vous adresser" in words and "Le Forem, 0800 93 947 <www.leforem.be>" in words
    assert "&lt;www.leforem.be&gt;" in page.body.decode()  # configured text, shown as text


def test_a_full_session_brings_the_form_back_with_a_message_on_the_session(client):
    small = plan_session(client, "antwerp", capacity=1)
    plan_session(client, "antwerp", starts_at=f"{small['local_start'][:10]}T20:00")
    assert post(client, "/branches/antwerp/signup", mentee_form(small["id"])).status_code == 200
    page = post(client, "/branches/antwerp/signup", mentee_form(small["id"]))
    assert page.status_code == 409
    assert error_of(page, "session_id") == "Deze infosessie is net volzet. Kies een andere."
    assert f'value="{small["id"]}"' not in page.body.decode()  # no longer offered; the next one is


def test_unreadable_and_oversized_bodies_get_the_form_with_a_message_never_a_500(client):
    plan_session(client, "antwerp")
    bad = client.http.post("/branches/antwerp/signup", headers=FORM, body=b"name=%FF%FE&email=x")
    assert bad.status_code == 400 and "We konden het formulier niet lezen" in text(bad)
    big = client.http.post("/branches/antwerp/signup", headers=FORM, body=b"name=" + b"a" * 70_000)
    assert big.status_code == 413 and "Het formulier is te groot" in text(big)
    json_body = client.http.post("/branches/antwerp/signup", headers={"Content-Type": "application/json"}, body="{}")
    assert json_body.status_code == 400 and lang_of(json_body) == "nl"


def test_the_honeypot_looks_like_success_and_keeps_nothing(client):
    session = plan_session(client, "antwerp")
    page = post(client, "/branches/antwerp/signup", {**mentee_form(session["id"]), "website": "http://spam.example"})
    assert page.status_code == 200 and "Bedankt voor je inschrijving" in text(page)
    assert _candidates("antwerp") == [] and sent_mail() == []


def test_html_in_a_name_is_escaped_on_the_confirmation(client):
    session = plan_session(client, "antwerp")
    page = post(client, "/branches/antwerp/signup", {**mentee_form(session["id"]), "name": "<script>x()</script>"})
    assert page.status_code == 200
    assert "<script>" not in page.body.decode() and "&lt;script&gt;x()&lt;/script&gt;" in page.body.decode()


# --- Closed and unknown branches -------------------------------------------------------------------
def test_a_suspended_branch_shows_its_closed_page_404(client):
    session = plan_session(client, "antwerp")
    assert client.http.post("/branches/antwerp/suspend", headers=bearer("head_office")).status_code == 200
    page = get(client, "/branches/antwerp/signup")
    assert page.status_code == 404 and lang_of(page) == "nl"
    assert "Inschrijven is niet mogelijk" in text(page)
    sent = post(client, "/branches/antwerp/signup", mentee_form(session["id"]))
    assert sent.status_code == 404 and _candidates("antwerp") == []
    unknown = get(client, "/branches/atlantis/signup", **{"Accept-Language": "fr"})
    assert unknown.status_code == 404 and "Page introuvable" in text(unknown)


# --- The personal link page ------------------------------------------------------------------------
def test_the_personal_link_page_shows_the_registration_and_cancels_it(client):
    session = plan_session(client, "antwerp")
    candidate_id, token = sign_up_candidate(client, "antwerp", session["id"])
    path = f"/branches/antwerp/registrations/{candidate_id}"
    page = get(client, f"{path}?token={token}")
    assert page.status_code == 200 and lang_of(page) == "nl"
    assert "Je inschrijving" in text(page) and "Kerkstraat 1" in text(page)
    assert page.headers["Cache-Control"] == "no-store"
    cancelled = post(client, path, {"token": token, "action": "cancel"})
    assert cancelled.status_code == 200 and "Je inschrijving is geannuleerd" in text(cancelled)
    assert _candidates("antwerp")[0].status.value == "withdrawn"
    assert "Je hebt je inschrijving geannuleerd" in text(get(client, f"{path}?token={token}"))


def test_the_personal_link_page_changes_the_session(client):
    first = plan_session(client, "antwerp")
    other = plan_session(client, "antwerp", starts_at=f"{first['local_start'][:10]}T20:00")
    candidate_id, token = sign_up_candidate(client, "antwerp", first["id"])
    path = f"/branches/antwerp/registrations/{candidate_id}"
    assert f'value="{other["id"]}"' in get(client, f"{path}?token={token}").body.decode()
    none_chosen = post(client, path, {"token": token, "action": "change"})
    assert none_chosen.status_code == 400 and error_of(none_chosen, "session_id") == "Kies een infosessie."
    changed = post(client, path, {"token": token, "action": "change", "session_id": other["id"]})
    assert changed.status_code == 200 and "Je inschrijving is gewijzigd" in text(changed)
    assert _candidates("antwerp")[0].session_id == other["id"]


def test_a_wrong_token_or_id_gets_the_same_404_page(client):
    session = plan_session(client, "antwerp")
    candidate_id, token = sign_up_candidate(client, "antwerp", session["id"])
    wrong_token = get(client, f"/branches/antwerp/registrations/{candidate_id}?token=x{token}")
    wrong_id = get(client, f"/branches/antwerp/registrations/00000000-0000-0000-0000-000000000000?token={token}")
    assert wrong_token.status_code == wrong_id.status_code == 404
    assert text(wrong_token) == text(wrong_id)
    assert post(client, f"/branches/antwerp/registrations/{candidate_id}",
                {"token": "nope", "action": "cancel"}).status_code == 404
    assert _candidates("antwerp")[0].status.value == "registered"
    # Another branch's link is no link at all.
    assert get(client, f"/branches/ghent/registrations/{candidate_id}?token={token}").status_code == 404
