"""Signing in to the console in headless Chromium against the real local stack (the demo-user page of ``make run``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
TABLET = {"width": 768, "height": 1024}


def horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_a_demo_coordinator_signs_in_and_the_session_cookie_stays_out_of_reach_of_scripts(stack: Stack, open_context):
    context = open_context(locale="nl-BE", viewport=TABLET)
    page = context.new_page()
    # A console page without a session leads to the sign-in page, remembering where it was going.
    page.goto(f"{stack.api}/console")
    assert page.url.startswith(f"{stack.api}/console/sign-in?next=")
    screenshot(page, "console-sign-in")
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="Aanmelden als Demo coordinator Ghent").click()  # the console speaks Dutch
    page.wait_for_url(f"{stack.api}/branches/ghent/console")

    [session] = [c for c in context.cookies() if c["name"] == "duo_session"]
    assert session["httpOnly"] is True and session["secure"] is True and session["sameSite"] == "Lax"
    assert session["domain"] == "127.0.0.1" and session["path"] == "/"
    assert "duo_session" not in page.evaluate("document.cookie")

    # The browser sends it back on http://127.0.0.1: a coordinator is signed in, and settings are not theirs.
    answer = page.goto(f"{stack.api}/branches/ghent/console/settings")
    assert answer.status == 403
    assert "Demo coordinator Ghent" in page.inner_text("header")


def test_a_branch_admin_signs_in_changes_a_setting_with_the_keyboard_and_signs_out(stack: Stack, open_context):
    context = open_context(locale="en-GB", viewport=TABLET)
    page = context.new_page()
    page.goto(f"{stack.api}/console/sign-in?next=/branches/antwerp/console/settings/closing")
    page.get_by_role("button", name="Sign in as Demo branch admin Antwerp").click()
    page.wait_for_url(f"{stack.api}/branches/antwerp/console/settings/closing")
    assert page.locator("h1").inner_text() == "Closing reasons"
    page.get_by_label("Another reason").uncheck()
    page.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/settings/closing?done=settings_saved")
    assert page.get_by_role("status").inner_text() == "The settings have been saved."
    assert not page.get_by_label("Another reason").is_checked()
    screenshot(page, "console-settings-closing")
    assert horizontal_overflow(page) == 0

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{stack.api}/console/sign-in")
    assert not [c for c in context.cookies() if c["name"] == "duo_session"]
    page.goto(f"{stack.api}/branches/antwerp/console/settings")
    assert "/console/sign-in?next=" in page.url
