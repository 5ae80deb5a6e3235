"""The signup pages in headless Chromium against the real local stack (issue 4's browser scenarios).

Each test creates the info sessions it registers for (staff API, as the branch's coordinator), fills
the form as a person would, and reads the confirmation mail from moto's SES. Screenshots of every page
go to ``build/screenshots/``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.signup_support import birth_date_for_age, create_session, parse_utc, registrations, sent_mail, unique_email
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SUBMIT = "[type=submit], button:not([type])"
BRANCH_ZONES = {"liege": ("Europe/Brussels", "BE"), "antwerp": ("Europe/Brussels", "BE"),
                "rotterdam": ("Europe/Amsterdam", "NL")}


def when(session: dict[str, Any], branch: str, lang: str) -> set[str]:
    """How the pages and mails may write the session's start (``jeudi 24 décembre 2026 à 18:30``)."""
    from chalicelib.web.i18n import format_when

    zone, country = BRANCH_ZONES[branch]
    moment = parse_utc(session["starts_at"])
    return {format_when(moment, zone, lang, country), format_when(moment, zone, lang)}


def shows_any(text: str, options: set[str]) -> bool:
    flat = " ".join(text.split())
    return any(" ".join(o.split()) in flat for o in options)


def page_language(page: Any) -> str:
    return (page.get_attribute("html", "lang") or "").split("-")[0].lower()


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def submit(page: Any) -> int:
    """Click the first form's submit button; the status of the page that answers."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form").first.locator(SUBMIT).first.click()
    page.wait_for_load_state()
    return int(answer.value.status)


def choose(page: Any, name: str, value: str) -> None:
    page.locator(f'input[name="{name}"][value="{value}"]').check()


def fill_common(page: Any, *, session_id: str, name: str, email: str, birth_date: str, postcode: str, city: str,
                languages: list[tuple[str, str]], heard_from: str) -> None:
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#phone", "+32 470 12 34 56")
    page.fill("#birth_date", birth_date)
    page.fill("#postcode", postcode)
    page.fill("#city", city)
    for n, (code, level) in enumerate(languages, start=1):
        page.select_option(f"#language_{n}", code)
        page.select_option(f"#level_{n}", level)
    page.select_option("#heard_from", heard_from)
    choose(page, "session_id", session_id)
    page.check("#consent")


def fill_mentee(page: Any, *, session_id: str, email: str, birth_date: str) -> None:
    fill_common(page, session_id=session_id, name="Amina Benali", email=email, birth_date=birth_date,
                postcode="4000", city="Liège", languages=[("ar", "native"), ("fr", "fluent")], heard_from="website")
    choose(page, "looking_for", "job")
    choose(page, "sectors", "logistics")
    page.select_option("#education_level", "secondary")
    choose(page, "work_permit", "yes")
    choose(page, "migration_background", "yes")


def fill_mentor(page: Any, *, session_id: str, email: str) -> None:
    fill_common(page, session_id=session_id, name="Jan Peeters", email=email, birth_date=birth_date_for_age(58),
                postcode="2000", city="Antwerpen", languages=[("nl", "native"), ("en", "fluent")],
                heard_from="mentor")
    page.fill("#profession", "Logistiek manager")
    choose(page, "sectors", "logistics")
    choose(page, "available_six_months", "yes")


def test_a_mentee_signs_up_in_french_in_liege_on_a_phone(stack: Stack, open_context: Any) -> None:
    session = create_session(stack, "liege", language="fr", audience="mentees", capacity=10, days=33)
    email = unique_email("amina")
    page = open_context(locale="fr-BE", viewport=PHONE).new_page()

    answer = page.goto(f"{stack.api}/branches/liege/signup?role=mentee")
    assert answer is not None and answer.status == 200
    assert page_language(page) == "fr"
    assert horizontal_overflow(page) <= 0
    assert page.locator(f'input[name="session_id"][value="{session["id"]}"]').count() == 1
    screenshot(page, "liege-mentee-fr-form-360")
    fill_mentee(page, session_id=session["id"], email=email, birth_date=birth_date_for_age(24))

    status = submit(page)

    screenshot(page, "liege-mentee-fr-confirmation-360")
    body = page.inner_text("body")
    assert status == 200, body[:2000]
    assert page_language(page) == "fr"
    assert page.locator(".field-error").count() == 0
    assert shows_any(body, when(session, "liege", "fr")), body[:2000]
    assert horizontal_overflow(page) <= 0
    mails = sent_mail(stack, email)
    assert len(mails) == 1, mails
    assert mails[0].subject.strip()
    assert shows_any(mails[0].text, when(session, "liege", "fr")), mails[0].text
    assert f"{stack.api}/branches/liege/registrations/" in mails[0].text, mails[0].text  # the personal link
    assert [r["email"] for r in registrations(stack, "liege", session["id"])] == [email]


def test_the_personal_link_of_the_mail_opens_the_registration(stack: Stack, open_context: Any) -> None:
    import re

    session = create_session(stack, "liege", language="fr", audience="both", capacity=10, days=34)
    email = unique_email("lien")
    page = open_context(locale="fr-BE", viewport=PHONE).new_page()
    page.goto(f"{stack.api}/branches/liege/signup?role=mentee")
    fill_mentee(page, session_id=session["id"], email=email, birth_date=birth_date_for_age(22))
    assert submit(page) == 200
    mails = sent_mail(stack, email)
    assert len(mails) == 1
    link = re.search(re.escape(stack.api) + r"/branches/liege/registrations/\S+", mails[0].text)
    assert link, mails[0].text
    url = link.group(0).rstrip(".,;)>")

    answer = page.goto(url)

    screenshot(page, "liege-registration-link-fr-360")
    assert answer is not None and answer.status == 200
    assert page_language(page) == "fr"
    assert shows_any(page.inner_text("body"), when(session, "liege", "fr"))
    assert horizontal_overflow(page) <= 0


def test_a_mentor_signs_up_in_dutch_in_antwerp_without_javascript(stack: Stack, open_context: Any) -> None:
    session = create_session(stack, "antwerp", language="nl", audience="mentors", capacity=10, days=35)
    email = unique_email("jan")
    page = open_context(locale="nl-BE", viewport=DESKTOP, javascript=False).new_page()  # the pages need none

    answer = page.goto(f"{stack.api}/branches/antwerp/signup?role=mentor")
    assert answer is not None and answer.status == 200
    assert page_language(page) == "nl"
    screenshot(page, "antwerp-mentor-nl-form")
    fill_mentor(page, session_id=session["id"], email=email)

    status = submit(page)

    screenshot(page, "antwerp-mentor-nl-confirmation")
    body = page.inner_text("body")
    assert status == 200, body[:2000]
    assert page_language(page) == "nl"
    assert page.locator(".field-error").count() == 0
    assert shows_any(body, when(session, "antwerp", "nl")), body[:2000]
    mails = sent_mail(stack, email)
    assert len(mails) == 1, mails
    assert shows_any(mails[0].text, when(session, "antwerp", "nl")), mails[0].text
    assert f"{stack.api}/branches/antwerp/registrations/" in mails[0].text
    assert [r["email"] for r in registrations(stack, "antwerp", session["id"])] == [email]


def test_a_double_click_and_a_resubmit_after_back_register_once(stack: Stack, open_context: Any) -> None:
    session = create_session(stack, "liege", language="fr", audience="both", capacity=10, days=41)
    email = unique_email("double")
    page = open_context(locale="fr-BE", viewport=PHONE).new_page()
    page.goto(f"{stack.api}/branches/liege/signup?role=mentee")
    fill_mentee(page, session_id=session["id"], email=email, birth_date=birth_date_for_age(20))

    with page.expect_navigation():
        page.locator("form").first.locator(SUBMIT).first.dblclick()
    page.wait_for_load_state()
    assert page.locator(".field-error").count() == 0
    page.go_back()  # to the form, which the browser fills in again as it was
    page.wait_for_load_state()
    if page.locator("#name").count() and not page.input_value("#name"):  # the form came back empty: fill it
        fill_mentee(page, session_id=session["id"], email=email, birth_date=birth_date_for_age(20))
    status = submit(page)

    screenshot(page, "liege-mentee-fr-resubmitted-360")
    assert status == 200
    assert page.locator(".field-error").count() == 0
    assert [r["email"] for r in registrations(stack, "liege", session["id"])] == [email]
    seats = requests.get(f"{stack.api}/branches/liege/public/sessions", params={"role": "mentee"}, timeout=30)
    assert {s["id"]: s["seats_left"] for s in seats.json()["items"]}[session["id"]] == 9


def test_a_date_of_birth_out_of_range_shows_an_error_at_that_field(stack: Stack, open_context: Any) -> None:
    session = create_session(stack, "liege", language="fr", audience="mentees", capacity=10, days=36)
    email = unique_email("date")
    page = open_context(locale="fr-BE", viewport=PHONE).new_page()
    page.goto(f"{stack.api}/branches/liege/signup?role=mentee")
    fill_mentee(page, session_id=session["id"], email=email, birth_date="1890-05-01")  # before 1900: not possible

    status = submit(page)

    screenshot(page, "liege-mentee-fr-birth-date-error-360")
    assert status == 400
    assert page_language(page) == "fr"
    error = page.locator("#birth_date-error")
    assert error.is_visible()
    assert error.inner_text().strip()
    field = page.locator("#birth_date")
    assert field.get_attribute("aria-invalid") == "true"
    assert "birth_date-error" in (field.get_attribute("aria-describedby") or "").split()
    summary = page.locator('[role="alert"]')
    assert summary.locator('a[href="#birth_date"]').count() == 1  # the summary at the top links to the field
    assert page.locator(".field-error").count() == 1  # only that field is wrong
    # What they typed is kept, the date included, and the form can be sent again.
    assert page.input_value("#name") == "Amina Benali"
    assert page.input_value("#email") == email
    assert page.input_value("#birth_date") == "1890-05-01"
    assert page.locator(f'input[name="session_id"][value="{session["id"]}"]').is_checked()
    assert horizontal_overflow(page) <= 0
    summary.locator('a[href="#birth_date"]').click()
    assert page.evaluate("document.activeElement.id") == "birth_date"  # the link leads to the field
    assert registrations(stack, "liege", session["id"]) == []  # nothing of theirs is stored
    assert sent_mail(stack, email, expected=1, seconds=1.0) == []


def test_a_candidate_outside_the_age_range_is_told_the_rule_kindly(stack: Stack, open_context: Any) -> None:
    session = create_session(stack, "liege", language="fr", audience="mentees", capacity=10, days=38)
    email = unique_email("trop-age")
    page = open_context(locale="fr-BE", viewport=PHONE).new_page()
    page.goto(f"{stack.api}/branches/liege/signup?role=mentee")
    fill_mentee(page, session_id=session["id"], email=email, birth_date=birth_date_for_age(45))  # mentees: 18-33

    status = submit(page)

    screenshot(page, "liege-mentee-fr-not-eligible-360")
    assert status == 400
    assert page_language(page) == "fr"
    text = " ".join(page.inner_text("main" if page.locator("main").count() else "body").split())
    assert "18" in text and "33" in text, text  # the rule itself, in French
    assert horizontal_overflow(page) <= 0
    assert registrations(stack, "liege", session["id"]) == []  # nothing of theirs is stored
    assert sent_mail(stack, email, expected=1, seconds=1.0) == []


def test_the_rotterdam_page_offers_english(stack: Stack, open_context: Any) -> None:
    create_session(stack, "rotterdam", language="en", audience="both", capacity=10, days=39)
    page = open_context(locale="nl-NL", viewport=PHONE).new_page()
    page.goto(f"{stack.api}/branches/rotterdam/signup?role=mentee")
    assert page_language(page) == "nl"
    switch = page.locator('a[href*="lang=en"]')
    assert switch.count() >= 1
    assert page.locator('a[href*="lang=fr"]').count() == 0  # Rotterdam offers Dutch and English only

    switch.first.click()
    page.wait_for_load_state()

    screenshot(page, "rotterdam-mentee-en-360")
    assert page_language(page) == "en"
    assert page.locator("form").first.locator("#birth_date").count() == 1
    assert page.locator('a[href*="lang=nl"]').count() >= 1  # and back
    assert horizontal_overflow(page) <= 0

    english_browser = open_context(locale="en-GB", viewport=DESKTOP).new_page()
    english_browser.goto(f"{stack.api}/branches/rotterdam/signup?role=mentor")
    assert page_language(english_browser) == "en"  # chosen from Accept-Language


@pytest.mark.parametrize(("branch", "role", "locale"), [
    ("liege", "mentee", "fr-BE"), ("liege", "mentor", "fr-BE"), ("antwerp", "mentee", "nl-BE"),
    ("antwerp", "mentor", "nl-BE"), ("rotterdam", "mentee", "en-GB"),
])
def test_a_360_px_wide_screen_has_no_horizontal_scroll(stack: Stack, open_context: Any, branch: str, role: str,
                                                        locale: str) -> None:
    create_session(stack, branch, language=locale[:2], audience="both", capacity=10, days=40)
    page = open_context(locale=locale, viewport=PHONE).new_page()

    answer = page.goto(f"{stack.api}/branches/{branch}/signup?role={role}")

    screenshot(page, f"{branch}-{role}-{locale[:2]}-360")
    assert answer is not None and answer.status == 200
    assert page.locator("form").first.locator("#birth_date").count() == 1
    assert horizontal_overflow(page) <= 0
    # Nothing is cut off on the right either (an overflow: hidden body would hide the scroll bar).
    widest = page.evaluate("""Math.max(...Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getClientRects().length && getComputedStyle(e).position !== 'fixed'
                     && !e.closest('[aria-hidden=true]'))
        .map(e => e.getBoundingClientRect().right))""")
    assert widest <= PHONE["width"] + 1


FOCUSED = """() => {
  const e = document.activeElement;
  const all = Array.from(document.querySelectorAll('*'));
  return {tag: e.tagName.toLowerCase(), type: e.getAttribute('type') || '', name: e.getAttribute('name') || '',
          id: e.id || '', order: all.indexOf(e), submit: e.matches('form [type=submit], form button:not([type])')};
}"""


@pytest.mark.parametrize(("branch", "role", "locale", "fields"), [
    ("antwerp", "mentor", "nl-BE", ["name", "email", "phone", "birth_date", "postcode", "city", "language_1",
                                    "level_1", "heard_from", "profession", "sectors", "available_six_months",
                                    "session_id", "consent"]),
    ("liege", "mentee", "fr-BE", ["name", "email", "phone", "birth_date", "postcode", "city", "language_1",
                                  "level_1", "heard_from", "looking_for", "sectors", "education_level",
                                  "work_permit", "migration_background", "session_id", "consent"]),
])
def test_the_keyboard_reaches_every_field_and_then_submit_in_order(stack: Stack, open_context: Any, branch: str,
                                                                    role: str, locale: str,
                                                                    fields: list[str]) -> None:
    create_session(stack, branch, language=locale[:2], capacity=10, days=37)  # so there is a session to pick
    page = open_context(locale=locale, viewport=DESKTOP).new_page()
    page.goto(f"{stack.api}/branches/{branch}/signup?role={role}")

    stops: list[dict[str, Any]] = []
    for _ in range(250):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stops and stop["order"] == stops[-1]["order"]:
            continue  # the parts of a date input (day, month, year) are one element
        stops.append(stop)
        if stop["submit"]:
            break

    screenshot(page, f"{branch}-{role}-focus-on-submit")
    assert stops and stops[-1]["submit"], [s["name"] or s["tag"] for s in stops]
    assert all(s["name"] != "website" for s in stops)  # the honeypot is out of the tab order
    orders = [s["order"] for s in stops]
    assert orders == sorted(orders), "focus jumps backwards: " + str([s["name"] or s["tag"] for s in stops])
    reached = {s["name"] for s in stops}
    assert set(fields) <= reached, set(fields) - reached
