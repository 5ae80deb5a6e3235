"""One walk-through of the whole life cycle as a coordinator of Ghent would do it, in headless Chromium.

On the real local stack over HTTP, at tablet width (768 x 1024): a mentee and a mentor sign up on the
public Dutch page of Ghent; the demo coordinator of Ghent signs in, marks both as attended, schedules
and records their intakes, records the mentor's training, pairs them; both say yes through the links
of their mails (a fresh browser, no staff cookie); the coordinator records the agreement, logs a
meeting, closes the duo; both fill in their evaluation links; the stack's clock jumps 12 months
ahead, the task list shows the outcome due, and the coordinator records it. Screenshots of the key
pages go to ``build/screenshots/walkthrough-*.png``.

Controls are found as a keyboard or screen-reader user finds them: by role and accessible name, by
label. The console is read in English (the browser asks for it; Ghent's console offers Dutch and
English); the public pages speak the person's language (Dutch), so their texts come from the
catalogue (``nl()``).
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.duos import EVALUATION_ITEMS
from chalicelib.web.console_labels_duos import EVALUATION
from tests.browser.conftest import screenshot
from tests.signup_support import birth_date_for_age, create_session, sent_mail, unique_email
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TABLET = {"width": 768, "height": 1024}
BRANCH = "ghent"
GHENT = ZoneInfo("Europe/Brussels")
COORDINATOR = "Demo coordinator Ghent"
LINK = re.compile(r"https?://\S+/branches/ghent/links/[0-9A-Za-z_-]+")


# --- Helpers ---------------------------------------------------------------------------------------------
def nl(message: str, **params: Any) -> str:
    """A text as Ghent's public pages show it (the Dutch catalogue; English where it has no translation yet)."""
    from chalicelib.web import i18n

    return i18n.gettext("nl", message, **params)


def surname() -> str:
    """A made-up surname that no other test or demo person has, so lists can be searched by it."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(7)).capitalize()


def horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def text_of(where: Any, selector: str = "main") -> str:
    """The text of a page's ``main`` (or of a locator), on one line."""
    target = where.locator(selector).first if hasattr(where, "goto") else where
    return " ".join(target.inner_text().split())


UNNAMED = """() => Array.from(document.querySelectorAll('input, select, textarea, button, a[href]'))
  .filter(e => e.type !== 'hidden' && e.getClientRects().length)
  .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
                 || (['BUTTON', 'A'].includes(e.tagName) && e.textContent.trim())))
  .map(e => e.outerHTML.slice(0, 160))"""


def key_page(page: Any, name: str) -> None:
    """A screenshot of a key page; at tablet width it has no horizontal scroll, and every visible control has
    an accessible name (a label, aria-label or text)."""
    screenshot(page, name)
    assert horizontal_overflow(page) <= 0, page.url
    unnamed = page.evaluate(UNNAMED)
    assert not unnamed, (page.url, unnamed)


def server_now(stack: Stack) -> datetime:
    """The stack's clock: real time plus the offset of its clock file."""
    from local.clock import clock_file, read_offset

    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=read_offset(clock_file(stack.state_dir)))


def submit_and_wait(page: Any, button: Any) -> None:
    """Click a form's button and wait for the page the POST's 303 leads to."""
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state()


def mail_links(stack: Stack, email: str, expected: int) -> list[str]:
    """The personal duo links in the mails to ``email``, oldest first, once ``expected`` of them arrived."""
    mails = sent_mail(stack, email, expected=expected + 1)  # the signup confirmation comes first
    links = [m.group(0).rstrip(".,;)>") for mail in mails for m in LINK.finditer(mail.text)]
    assert len(links) >= expected, [(m.subject, m.text) for m in mails]
    return links


@pytest.fixture
def clock_file(stack: Stack) -> Iterator[Any]:
    """The stack's clock file; put back where it was after the test, also when it fails."""
    from local.clock import clock_file as path_of
    from local.clock import read_offset, shift

    path = path_of(stack.state_dir)
    before = read_offset(path)
    try:
        yield path
    finally:
        shift(path, "0")
        if before:
            shift(path, f"{before // 60:+d}m")


# --- 1. Signing up on Ghent's public page (Dutch) ----------------------------------------------------
def session_label(session: dict[str, Any]) -> re.Pattern[str]:
    """How the signup form names the session's radio button (its start, in Dutch)."""
    from chalicelib.web.i18n import format_when
    from tests.signup_support import parse_utc

    moment = parse_utc(session["starts_at"])
    forms = {format_when(moment, "Europe/Brussels", "nl", "BE"), format_when(moment, "Europe/Brussels", "nl")}
    return re.compile("|".join(re.escape(f) for f in forms))


def sign_up(page: Any, stack: Stack, session: dict[str, Any], role: str, name: str, email: str) -> None:
    page.goto(f"{stack.api}/branches/{BRANCH}/signup?role={role}")
    assert (page.get_attribute("html", "lang") or "").startswith("nl")
    page.get_by_role("radio", name=session_label(session)).check()
    page.get_by_label(nl("First and last name"), exact=True).fill(name)
    page.get_by_label(nl("Email address"), exact=True).fill(email)
    phone = "+32 470 12 34 56" if role == "mentee" else "+32 9 223 45 67"
    page.get_by_label(nl("Phone number"), exact=True).fill(phone)
    page.get_by_label(nl("Date of birth"), exact=True).fill(birth_date_for_age(24 if role == "mentee" else 58))
    page.get_by_label(nl("Postcode"), exact=True).fill("9000")
    page.get_by_label(nl("City or town"), exact=True).fill("Gent")
    page.get_by_label(nl("Language 1"), exact=True).select_option("nl")
    page.get_by_label(nl("Level of language 1"), exact=True).select_option("native" if role == "mentor" else "fluent")
    page.get_by_label(nl("How did you hear about DUO for a JOB?"), exact=True).select_option("website")
    sectors = page.get_by_role("group", name=nl("Sectors"))
    sectors.get_by_label(nl("Logistics"), exact=True).check()
    if role == "mentee":
        page.get_by_role("group", name=nl("What are you looking for?")).get_by_label(nl("A job"), exact=True).check()
        page.get_by_label(nl("Highest level of education"), exact=True).select_option("secondary")
        from chalicelib.web.i18n import country_name

        for question in (nl("Are you allowed to work in %(country)s?", country=country_name("BE", "nl")),
                         nl("Do you or your parents come from a country outside the European Union?")):
            page.get_by_role("group", name=question).get_by_label(nl("Yes"), exact=True).check()
    else:
        page.get_by_label(nl("Your profession or professional background"), exact=True).fill("Logistiek manager")
        page.get_by_role("group", name=nl("Are you available for six months, about two to three hours a week?")) \
            .get_by_label(nl("Yes"), exact=True).check()
    page.get_by_role("group", name=nl("Consent")).get_by_role("checkbox").check()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name=nl("Sign up"), exact=True).click()
    page.wait_for_load_state()
    assert answer.value.status == 200, text_of(page, "body")[:2000]
    assert page.locator(".field-error").count() == 0


# --- 2. The console ----------------------------------------------------------------------------------------
def sign_in(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.api}/console")
    assert "/console/sign-in" in page.url
    submit_and_wait(page, page.get_by_role("button", name=f"Sign in as {COORDINATOR}"))
    assert page.url == f"{stack.api}/branches/{BRANCH}/console", page.url
    assert COORDINATOR in page.locator("header").inner_text()


def nav(page: Any, name: str) -> None:
    """Follow a link of the console's navigation."""
    with page.expect_navigation():
        page.get_by_role("navigation", name="Console").get_by_role("link", name=name, exact=True).click()


def task_row(page: Any, stack: Stack, task: str, name: str) -> Any | None:
    """The task list's row of ``task`` (its label) concerning ``name``, looked for page by page; None if absent."""
    page.goto(f"{stack.api}/branches/{BRANCH}/console")
    nav(page, "Tasks")
    assert page.get_by_role("heading", level=1).inner_text() == "Tasks"
    return on_some_page(page, lambda p: p.get_by_role("row").filter(has=p.get_by_role("link", name=task, exact=True))
                        .filter(has=p.get_by_role("link", name=name, exact=True)))


def follow(page: Any, link: Any) -> None:
    with page.expect_navigation():
        link.click()


def console_when(starts_at: str) -> str:
    """How the console (in English) writes a session's start, the name of its link."""
    from chalicelib.web.i18n import format_when
    from tests.signup_support import parse_utc

    return format_when(parse_utc(starts_at), "Europe/Brussels", "en", "BE")


def assert_person(page: Any, name: str, status: str) -> None:
    """The person page's heading: the name and the status badge."""
    heading = page.get_by_role("heading", level=1)
    assert " ".join(heading.inner_text().split()) == f"{name} {status}", heading.inner_text()
    assert page.get_by_role("alert").count() == 0, text_of(page)


def assert_timeline(page: Any, kinds: list[str]) -> None:
    """The timeline lists these events (newest first on the page; here in any order)."""
    items = page.get_by_role("region", name="Timeline").get_by_role("listitem").all_inner_texts()
    shown = [" ".join(i.split()) for i in items]
    for kind in kinds:
        wanted = kind if kind.startswith("→") else f"· {kind}"
        assert any(wanted in i for i in shown), (kind, shown)


def schedule_intake(page: Any, at: datetime) -> None:
    local = at.astimezone(GHENT)
    intake = page.get_by_role("region", name="Intake")
    intake.get_by_label("Intake date").fill(local.date().isoformat())
    intake.get_by_label("Time").fill(local.strftime("%H:%M"))
    submit_and_wait(page, intake.get_by_role("button", name="Schedule the intake"))
    assert page.get_by_role("status").is_visible()


def record_intake(page: Any, help_needs: list[str], slots: list[str]) -> None:
    intake = page.get_by_role("region", name="Intake")
    intake.get_by_label("Experience").fill("Werkte drie jaar in een magazijn.")
    intake.get_by_label("Expectations").fill("Een job in de logistiek vinden.")
    for need in help_needs:
        intake.get_by_role("group", name="Help needs").get_by_label(need, exact=True).check()
    for slot in slots:
        intake.get_by_role("group", name="Availability").get_by_role("checkbox", name=slot, exact=True).check()
    intake.get_by_label("Personality notes").fill("Rustig, nieuwsgierig.")
    intake.get_by_role("group", name="Decision").get_by_label("Ready", exact=True).check()
    submit_and_wait(page, intake.get_by_role("button", name="Record the intake"))


DONE = re.compile(r"^Done \(.+\)$")  # each button names its module: "Done (Active listening)"


def record_training(page: Any) -> None:
    """Record every required module not done yet, one row (one submit) at a time, as done today."""
    for _ in range(40):
        training = page.get_by_role("region", name="Training")
        rows = training.get_by_role("row").filter(has=page.get_by_role("button", name=DONE)) \
            .filter(has_not_text="(optional)")
        if not rows.count():
            return
        submit_and_wait(page, rows.first.get_by_role("button", name=DONE))
        assert page.get_by_role("alert").count() == 0, text_of(page)
    raise AssertionError("the training never completed")


def on_some_page(page: Any, find: Any) -> Any | None:
    """``find(page)`` (a locator) on this page of a list or, following "Next page", a later one; None if absent."""
    for _ in range(100):
        found = find(page)
        if found.count():
            return found.first
        more = page.get_by_role("navigation", name="More results").get_by_role("link", name="Next page")
        if not more.count():
            return None
        follow(page, more)
    raise AssertionError("more than 100 pages")


def assert_duo(page: Any, mentee: str, mentor: str, status: str) -> None:
    """The duo page's heading: both names and the status badge; no refusal on the page."""
    heading = page.get_by_role("heading", level=1)
    assert heading.count() == 1, (page.url, text_of(page, "body")[:3000])
    assert " ".join(heading.inner_text().split()) == f"Duo {mentee} and {mentor} {status}", heading.inner_text()
    assert page.get_by_role("alert").count() == 0, text_of(page)


def duo_value(page: Any, term: str) -> str:
    """A value of the duo page's key dates (``<dt>term</dt><dd>value</dd>``)."""
    dates = page.get_by_role("region", name="Key dates")
    terms = [" ".join(t.split()) for t in dates.get_by_role("term").all_inner_texts()]
    values = [" ".join(v.split()) for v in dates.get_by_role("definition").all_inner_texts()]
    return dict(zip(terms, values, strict=True))[term]


# --- The walk-through --------------------------------------------------------------------------------------
def test_a_coordinator_of_ghent_walks_a_mentee_and_a_mentor_from_signup_to_the_12_month_outcome(
        stack: Stack, open_context: Any, clock_file: Any) -> None:
    family = surname()
    mentee_name, mentor_name = f"Amina {family}", f"Jan {family}"
    mentee_email, mentor_email = unique_email("amina"), unique_email("jan")
    session = create_session(stack, BRANCH, language="nl", audience="both", capacity=10, days=44,
                             address="Kouter 1, 9000 Gent")

    # 1. Both sign up on the public page, in Dutch.
    public = open_context(locale="nl-BE", viewport=TABLET).new_page()
    sign_up(public, stack, session, "mentee", mentee_name, mentee_email)
    key_page(public, "walkthrough-01-signup-confirmation")
    sign_up(public, stack, session, "mentor", mentor_name, mentor_email)

    # 2. The coordinator signs in, opens the session and marks both as attended in one submit.
    console = open_context(locale="en-GB", viewport=TABLET).new_page()
    sign_in(console, stack)
    nav(console, "Info sessions")
    assert console.get_by_role("heading", level=1).inner_text() == "Info sessions"
    key_page(console, "walkthrough-02-sessions")
    session_link = on_some_page(console, lambda p: p.get_by_role("link", name=console_when(session["starts_at"])))
    assert session_link is not None, text_of(console)
    follow(console, session_link)
    assert console.get_by_role("heading", level=1).inner_text().startswith("Info session of")
    for name in (mentee_name, mentor_name):
        console.get_by_role("radio", name=f"{name} came", exact=True).check()
    submit_and_wait(console, console.get_by_role("button", name="Save attendance"))
    assert console.get_by_role("status").is_visible()
    assert console.get_by_role("alert").count() == 0, text_of(console)
    for name in (mentee_name, mentor_name):
        assert console.get_by_role("radio", name=f"{name} came", exact=True).is_checked()
    key_page(console, "walkthrough-03-attendance")
    person_url = {name: stack.api + console.get_by_role("link", name=name, exact=True).get_attribute("href")
                  for name in (mentee_name, mentor_name)}

    # 3. The task list asks for both intakes; each person page: schedule, record, (mentor) training.
    for name in (mentee_name, mentor_name):
        row = task_row(console, stack, "Intake to schedule", name)
        assert row is not None, f"no intake to schedule for {name}"
    follow(console, row.get_by_role("link", name="Intake to schedule"))  # the mentor's row: their page
    assert console.url == person_url[mentor_name]
    for name in (mentee_name, mentor_name):
        console.goto(person_url[name])
        assert_person(console, name, "Attended the info session")
        schedule_intake(console, server_now(stack) - timedelta(hours=1))
        assert_person(console, name, "Intake planned")
    console.goto(person_url[mentee_name])
    record_intake(console, help_needs=["CV", "Network"], slots=["Tuesday Evening", "Saturday Morning"])
    assert_person(console, mentee_name, "Ready")
    key_page(console, "walkthrough-04-mentee-ready")
    console.goto(person_url[mentor_name])
    record_intake(console, help_needs=[], slots=["Tuesday Evening", "Thursday Evening"])
    assert_person(console, mentor_name, "In training")
    key_page(console, "walkthrough-04-mentor-in-training")
    record_training(console)
    assert_person(console, mentor_name, "Ready")
    key_page(console, "walkthrough-04-mentor-trained")
    assert_timeline(console, ["Signed up", "Came to the info session", "Intake planned", "Intake recorded",
                              "Training module done"])
    console.goto(person_url[mentee_name])
    assert_timeline(console, ["Signed up", "Came to the info session", "Intake planned", "Intake recorded"])

    # 4. From the mentee's page: pair with the mentor, the first meeting two hours ago.
    follow(console, console.get_by_role("region", name="Duos").get_by_role("link", name="Pair", exact=True))
    assert console.get_by_role("heading", level=1).inner_text() == f"Pair {mentee_name}"
    # The ready mentors come ranked, each in its own row with its reasons, a first meeting and a Pair button.
    partner = console.get_by_role("listitem").filter(has=console.get_by_role("link", name=mentor_name, exact=True))
    assert partner.count() == 1, f"{mentor_name} is not among the ranked ready mentors"
    assert "Both free" in partner.inner_text()  # a reason in words: they share Tuesday evening
    first_meeting = (server_now(stack) - timedelta(hours=2)).astimezone(GHENT)
    partner.get_by_label("First meeting (date and time", exact=False).fill(first_meeting.strftime("%Y-%m-%dT%H:%M"))
    key_page(console, "walkthrough-05-pair")
    submit_and_wait(console, partner.get_by_role("button", name="Pair", exact=True))
    match = re.search(r"/console/duos/([^/?#]+)", console.url)
    assert match, console.url
    duo_id = match.group(1)
    duo_url = f"{stack.api}/branches/{BRANCH}/console/duos/{duo_id}"
    assert_duo(console, mentee_name, mentor_name, "First meeting")
    assert duo_value(console, "Answers") == "Mentee: pending · Mentor: pending"
    assert_timeline(console, ["Paired"])
    key_page(console, "walkthrough-06-duo-paired")
    assert task_row(console, stack, "24-hour answer pending", mentee_name) is not None

    # 5. Each says yes through the link of their mail, in a browser of their own (no staff cookie).
    person = open_context(locale="nl-BE", viewport=TABLET)
    for email, side in ((mentee_email, "mentee"), (mentor_email, "mentor")):
        [answer_link] = mail_links(stack, email, 1)
        page = person.new_page()
        page.goto(answer_link)
        assert page.get_by_role("heading", level=1).inner_text() == nl("Do you want to go on together?")
        page.get_by_role("group", name=nl("Your answer")).get_by_label(nl("Yes, I want to go on")).check()
        key_page(page, f"walkthrough-07-answer-{side}")
        submit_and_wait(page, page.get_by_role("button", name=nl("Send my answer")))
        assert page.get_by_role("heading", level=1).inner_text() == nl("Thank you")
        page.close()
    assert all(c["name"] != "duo_session" for c in person.cookies())

    # 6. The task list asks for the agreement and leads to the duo page: agreement, a meeting.
    assert task_row(console, stack, "24-hour answer pending", mentee_name) is None
    row = task_row(console, stack, "Agreement to record", mentee_name)
    assert row is not None, text_of(console)
    key_page(console, "walkthrough-08-tasks-agreement")
    follow(console, row.get_by_role("link", name="Agreement to record"))
    assert console.url == duo_url
    assert_duo(console, mentee_name, mentor_name, "Agreement to sign")
    assert duo_value(console, "Answers") == "Mentee: Yes · Mentor: Yes"
    assert_timeline(console, ["the candidate · Answer recorded · Mentee: Yes",
                              "the candidate · Answer recorded · Mentor: Yes → Agreement to sign"])
    agreement = console.get_by_role("region", name="Record the agreement")
    for signature in ("Signed by the mentee", "Signed by the mentor", "Signed for the branch"):
        agreement.get_by_role("group", name="Signatures").get_by_label(signature).check()
    submit_and_wait(console, agreement.get_by_role("button", name="Record agreement"))
    assert_duo(console, mentee_name, mentor_name, "Active")
    today = server_now(stack).date()
    assert duo_value(console, "Started") == today.isoformat()
    meeting = console.get_by_role("region", name="Log a meeting")
    assert meeting.get_by_label("Meeting date").input_value() == today.isoformat()
    meeting.get_by_label("Duration (minutes)").fill("120")
    meeting.get_by_role("group", name="How they met").get_by_label("In person").check()
    submit_and_wait(console, meeting.get_by_role("button", name="Log meeting"))
    assert_duo(console, mentee_name, mentor_name, "Active")
    meetings = console.get_by_role("region", name="Meetings")
    assert meetings.get_by_role("row").filter(has_text=today.isoformat()).filter(has_text="In person").count() == 1
    assert_timeline(console, ["Agreement signed → Active", f"Meeting logged · {today.isoformat()} · 120 minutes"])
    key_page(console, "walkthrough-09-duo-active")
    assert task_row(console, stack, "Agreement to record", mentee_name) is None
    console.get_by_role("navigation", name="Console").get_by_role("searchbox").fill(family)
    follow(console, console.get_by_role("button", name="Search"))
    follow(console, console.get_by_role("link", name=mentee_name))
    assert_person(console, mentee_name, "In a duo")
    follow(console, console.get_by_role("region", name="Duos").get_by_role("link", name="Current pairing or duo"))
    assert console.url == duo_url

    # 7. Closing (completed); both evaluations through their mail links.
    closing = console.get_by_role("region", name="Close the duo")
    closing.get_by_role("group", name="How it ended").get_by_label("Completed").check()
    submit_and_wait(console, closing.get_by_role("button", name="Close duo"))
    assert_duo(console, mentee_name, mentor_name, "Closed")
    assert duo_value(console, "Ended") == f"{today.isoformat()} · Completed"
    assert task_row(console, stack, "Evaluation due", mentee_name) is not None
    for email, side in ((mentee_email, "mentee"), (mentor_email, "mentor")):
        evaluation_link = mail_links(stack, email, 2)[-1]
        page = person.new_page()
        page.goto(evaluation_link)
        assert page.get_by_role("heading", level=1).inner_text() == nl("How was your time as a duo?")
        assert page.get_by_role("group").count() == len(EVALUATION_ITEMS[side])
        for item in EVALUATION_ITEMS[side]:  # every question answered yes
            page.get_by_role("group", name=nl(EVALUATION[item])).get_by_label(nl("Yes"), exact=True).check()
        key_page(page, f"walkthrough-10-evaluation-{side}")
        submit_and_wait(page, page.get_by_role("button", name=nl("Send my answers")))
        assert page.get_by_role("heading", level=1).inner_text() == nl("Thank you")
        page.close()
    assert task_row(console, stack, "Evaluation due", mentee_name) is None

    # 8. Twelve months later the task list shows the outcome due; the coordinator records it.
    from local.clock import shift

    assert task_row(console, stack, "Outcome at 12 months due", mentee_name) is None
    shift(clock_file, "+366d")
    row = task_row(console, stack, "Outcome at 12 months due", mentee_name)
    assert row is not None, text_of(console)
    key_page(console, "walkthrough-11-tasks-outcome-due")
    follow(console, row.get_by_role("link", name="Outcome at 12 months due"))
    assert console.url == duo_url
    outcome = console.get_by_role("region", name="Record the outcome")
    outcome.get_by_role("group", name="The mentee's situation").get_by_label("Job", exact=True).check()
    submit_and_wait(console, outcome.get_by_role("button", name="Record outcome"))
    assert task_row(console, stack, "Outcome at 12 months due", mentee_name) is None

    # 9. The duo page: closed, both evaluations, the outcome, and the whole story in its timeline.
    console.goto(duo_url)
    assert_duo(console, mentee_name, mentor_name, "Closed")
    evaluations = console.get_by_role("region", name="Evaluations")
    assert "Not received yet" not in evaluations.inner_text()
    for side in ("mentee", "mentor"):
        assert evaluations.get_by_role("heading", name=side.capitalize()).count() == 1
    answers = evaluations.get_by_role("definition").all_inner_texts()
    assert answers == ["Yes"] * sum(len(items) for items in EVALUATION_ITEMS.values()), answers
    assert "Job · " in text_of(console.get_by_role("region", name="Outcome at 12 months"))
    assert_timeline(console, ["Paired", "Answer recorded", "Agreement signed", "Meeting logged", "Closed",
                              "the candidate · Evaluation received · Mentee",
                              "the candidate · Evaluation received · Mentor", "Outcome recorded · Job"])
    key_page(console, "walkthrough-12-duo-closed")
    follow(console, console.get_by_role("region", name="The two people").get_by_role("link", name=mentor_name))
    assert_person(console, mentor_name, "Ready")  # available for a new duo
    key_page(console, "walkthrough-13-mentor-ready-again")
    console.goto(duo_url)
    follow(console, console.get_by_role("region", name="The two people").get_by_role("link", name=mentee_name))
    assert_person(console, mentee_name, "Finished")
    assert_timeline(console, ["→ Paired", "→ In a duo", "→ Finished"])  # the duo's steps, on the person's trail
    key_page(console, "walkthrough-14-mentee-finished")
