"""The report pages in headless Chromium against the real local stack (issue 7).

Lille's events of 2023 (a known funnel, services, outcomes) are written straight into the stack's table with
batch writes, and one person signs up through the public API, so the table holds a name that a report must
never show. The stack's stream feeder keeps the aggregates, as the table's stream does in AWS.

A coordinator of Lille opens the dashboard, changes the period to 2023, reads the funnel and sees the SVG
charts (drawn on the server), downloads the CSV; the head office opens its branches and the network report of
2023, where small counts read "< 5"; no page shows a person's name; printed, the navigation and the forms are
left out. Screenshots at phone (390 px) and desktop width go to ``build/screenshots/reports-*.png``.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import string
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import DESKTOP, screenshot
from tests.signup_support import auth, birth_date_for_age, create_session, unique_email
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

BRANCH = "lille"
YEAR = "2023"
PHONE = {"width": 390, "height": 844}
COORDINATOR = "Demo coordinator Lille"

# What Lille's 2023 events count (the dashboard's funnel: mentees, mentors, total).
FUNNEL = {
    "registered": (14, 7, 21), "attended": (12, 6, 18), "intake": (9, 6, 15), "ready": (9, 5, 14),
    "paired": (None, None, 6), "first_meeting": (None, None, 6), "started": (None, None, 5),
    "completed": (None, None, 3), "stopped": (None, None, 1),
}


def _events() -> list[Any]:
    """Lille's 2023: people through the funnel, six pairings of which five start, services and outcomes."""
    from chalicelib.domain.events import Event

    tag = secrets.token_hex(4)
    out: list[Any] = []

    def add(kind: str, subject: str, n: int, month: int, data: dict[str, Any], subject_kind: str = "candidate"):
        out.append(Event(kind, subject_kind, f"{tag}-{subject}-{n}", "staff-test",
                         f"{YEAR}-{month:02d}-{10 + n % 15:02d}T10:00:00Z", (), data))

    for role, (registered, attended, intake, ready) in (("mentee", (14, 12, 9, 9)), ("mentor", (7, 6, 6, 5))):
        for n in range(registered):
            heard = "mentor" if role == "mentor" and n < 2 else "website"
            add("candidate.signed_up", role, n, 1 + n % 6, {"to": "registered", "role": role, "heard_from": heard})
        for n in range(attended):
            add("candidate.attended", role, n, 2 + n % 6, {"role": role, "from": "registered", "to": "attended"})
        for n in range(intake):
            to = "ready" if role == "mentee" else "training"
            add("intake.recorded", role, n, 3 + n % 6,
                {"role": role, "decision": "ready", "from": "intake_scheduled", "to": to})
        if role == "mentor":
            for n in range(ready):
                add("training.module_done", role, n, 4 + n % 6,
                    {"role": role, "module": "closing", "from": "training", "to": "ready"})
    for n in range(6):
        add("duo.paired", "duo", n, 5 + n % 3, {"to": "first_meeting"}, "duo")
        add("duo.answered", "duo", n, 5 + n % 3, {"side": "mentor", "to": "declined" if n == 5 else "agreed"}, "duo")
    for n in range(5):
        started = f"{YEAR}-{6 + n % 3:02d}-01"
        add("duo.agreement_signed", "duo", n, 6 + n % 3, {"to": "active", "started_on": started}, "duo")
        if n < 4:
            kind = "stopped" if n == 3 else "completed"
            add("duo.closed", "duo", n, 11, {"to": "closed", "kind": kind, "started_on": started,
                                             "ended_on": f"{YEAR}-11-20"}, "duo")
        if n < 3:
            add("duo.outcome_recorded", "duo", n, 12, {"situation": ("job", "job", "training")[n],
                                                       "started_on": started}, "duo")
    for n, code in enumerate(("cv_review", "cv_review", "cv_review", "laptop_loan")):
        add("duo.service_recorded", "duo", n, 7 + n, {"code": code, "on": f"{YEAR}-{7 + n:02d}-05"}, "duo")
    for n in range(2):
        add("duo.intervision_recorded", "duo", n, 9, {"on": f"{YEAR}-09-1{n}"}, "duo")
    return out


def _write_events(stack: Stack, events: list[Any]) -> None:
    """Straight into the stack's table, 25 items a call (the stream feeder counts them)."""
    from chalicelib.store.events import event_item
    from local.run import TABLE

    dynamodb = stack.aws("dynamodb")
    items = [{"PutRequest": {"Item": event_item(BRANCH, e).serialize()}} for e in events]
    for start in range(0, len(items), 25):
        dynamodb.batch_write_item(RequestItems={TABLE: items[start:start + 25]})


def _made_up_name() -> str:
    return " ".join("".join(secrets.choice(string.ascii_lowercase) for _ in range(8)).capitalize() for _ in "ab")


def _sign_up(stack: Stack, name: str) -> None:
    """A mentee of Lille through the public API: their name is in the table from now on."""
    session = create_session(stack, BRANCH, language="fr", address="Rue de Paris 1, 59000 Lille")
    body = {
        "role": "mentee", "session_id": session["id"], "name": name, "email": unique_email("reports"),
        "phone": "+33 6 12 34 56 78", "birth_date": birth_date_for_age(24), "postcode": "59000", "city": "Lille",
        "languages": [{"code": "fr", "level": "fluent"}], "heard_from": "website", "consent": True,
        "looking_for": ["job"], "sectors": ["logistics"], "education_level": "secondary", "work_permit": True,
        "migration_background": True,
    }
    answer = requests.post(f"{stack.api}/branches/{BRANCH}/signups", json=body, timeout=30)
    assert answer.status_code == 201, answer.text


def _wait_for_figures(stack: Stack, seconds: float = 60.0) -> dict[str, Any]:
    """Lille's 2023 figures once the stream feeder has counted every event written."""
    deadline = time.monotonic() + seconds
    while True:
        answer = requests.get(f"{stack.api}/branches/{BRANCH}/reports?period={YEAR}",
                              headers=auth(stack, "coordinator", BRANCH), timeout=30)
        assert answer.status_code == 200, answer.text
        figures = answer.json()["figures"]
        counts = figures["counts"]
        if counts.get("services.laptop_loan") == 1 and counts.get("outcome.training") == 1 and \
                sum(counts.get(f"registered.{r}", 0) for r in ("mentee", "mentor")) == 21:
            return figures
        assert time.monotonic() < deadline, f"the stream feeder did not count Lille's events: {counts}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def lille(stack: Stack) -> dict[str, Any]:
    name = _made_up_name()
    _sign_up(stack, name)
    _write_events(stack, _events())
    return {"name": name, "figures": _wait_for_figures(stack)}


def horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def sign_in(page: Any, stack: Stack, who: str, then: str) -> None:
    page.goto(f"{stack.api}/console/sign-in?next={then}")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Sign in as {who}").click()
    page.wait_for_load_state()
    assert page.url == f"{stack.api}{then}", page.url


def show_period(page: Any, period: str) -> None:
    page.get_by_role("textbox", name="Period", exact=True).fill(period)
    with page.expect_navigation():
        page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_load_state()


def funnel_row(page: Any, step: str) -> tuple[str, str, str]:
    cells = page.locator(f'tr[data-step="{step}"] td').all_inner_texts()
    return tuple(c.strip() for c in cells)  # type: ignore[return-value]


def assert_charts(page: Any, at_least: int) -> None:
    charts = page.locator("figure.chart svg")
    assert charts.count() >= at_least
    for n in range(charts.count()):
        chart = charts.nth(n)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert chart.is_visible() and box and box["width"] > 100 and box["height"] > 100, box


def assert_printed_without_navigation(page: Any) -> None:
    page.emulate_media(media="print")
    assert not page.locator("header.console-top").is_visible()
    assert not page.get_by_role("navigation", name="Console").is_visible()
    assert not page.locator(".period-chooser").is_visible()
    assert not page.get_by_role("link", name="Download CSV").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()


def test_a_coordinator_reads_the_dashboard_changes_the_period_and_downloads_the_csv(
        stack: Stack, open_context, lille: dict[str, Any]) -> None:
    context = open_context(locale="en-GB", viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, stack, COORDINATOR, f"/branches/{BRANCH}/console/reports")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Reports")
    assert_charts(page, 1)  # this quarter: the funnel's chart, even when it is mostly zeros

    show_period(page, YEAR)
    assert page.get_by_role("heading", level=1).inner_text() == f"Reports: {YEAR}"
    for step, (mentees, mentors, total) in FUNNEL.items():
        expected = ("" if mentees is None else str(mentees), "" if mentors is None else str(mentors), str(total))
        assert funnel_row(page, step) == expected, step
    assert page.locator('dd[data-figure="mentors_trained"]').inner_text() == "5"
    assert page.locator('dd[data-figure="intervisions"]').inner_text() == "2"
    assert re.match(r"16[.,]7\s?% \(1 / 6\)", page.locator('dd[data-figure="dropout"]').inner_text())
    assert_charts(page, 2)  # the funnel and the services
    assert lille["name"] not in page.content()
    screenshot(page, "reports-dashboard-desktop")
    assert horizontal_overflow(page) <= 0

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"duo-{BRANCH}-{YEAR}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["period", "counter", "count"]
    assert [YEAR, "paired", "6"] in rows and [YEAR, "services.cv_review", "3"] in rows
    assert [f"{YEAR}-06", "started", "2"] in rows  # month by month too

    assert not page.locator(".print-only").is_visible()
    assert_printed_without_navigation(page)
    assert_charts(page, 2)
    assert page.locator(".print-only").inner_text() == "DUO for a JOB · Lille"  # whose figures, on paper
    screenshot(page, "reports-dashboard-print")

    phone = open_context(locale="en-GB", viewport=PHONE).new_page()
    sign_in(phone, stack, COORDINATOR, f"/branches/{BRANCH}/console/reports?period={YEAR}")
    assert_charts(phone, 2)
    screenshot(phone, "reports-dashboard-phone")
    assert horizontal_overflow(phone) <= 0


def test_the_head_office_reads_the_network_report_with_small_counts_hidden_and_no_person(
        stack: Stack, open_context, lille: dict[str, Any]) -> None:
    context = open_context(locale="en-GB", viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, stack, "Demo head office", "/console/head-office")
    assert page.get_by_role("heading", level=1).inner_text() == "Branches"
    assert page.get_by_role("row").filter(has=page.get_by_role("link", name="Lille", exact=True)).count() == 1
    assert lille["name"] not in page.content()
    screenshot(page, "reports-head-office-desktop")
    assert horizontal_overflow(page) <= 0

    with page.expect_navigation():
        page.get_by_role("link", name="Network report").first.click()
    show_period(page, YEAR)
    assert page.get_by_role("heading", level=1).inner_text() == f"Network report: {YEAR}"
    lille_row = page.locator('tr[data-row="branch:lille"]').first
    assert "< 5" in lille_row.inner_text()  # Lille's stopped duo, its outcomes...
    cells = page.locator("table.report td").all_inner_texts()
    assert "< 5" in cells and "21" in cells  # a hidden cell, and Lille's registrations shown
    assert lille["name"] not in page.content()
    assert_charts(page, 1)
    screenshot(page, "reports-network-desktop")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "<5" in text and lille["name"] not in text

    assert_printed_without_navigation(page)
    screenshot(page, "reports-network-print")

    phone = open_context(locale="en-GB", viewport=PHONE).new_page()
    sign_in(phone, stack, "Demo head office", f"/console/head-office/report?period={YEAR}")
    screenshot(phone, "reports-network-phone")
    assert horizontal_overflow(phone) <= 0
    phone.goto(f"{stack.api}/console/head-office")
    screenshot(phone, "reports-head-office-phone")
    assert horizontal_overflow(phone) <= 0
