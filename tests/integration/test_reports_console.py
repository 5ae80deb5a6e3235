"""Reports in the console: the head office's branches, onboarding and editing; branch dashboards; the network
report. Roles: the head office sees no branch dashboard, branch staff no head-office page."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from chalicelib.api.routing import csrf_for
from tests.conftest import token

HO = "/console/head-office"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Browser:
    """A signed-in console user: their session cookie, and the CSRF field their forms carry."""

    def __init__(self, client, role: str = "head_office", branch: str | None = None, lang: str = "en") -> None:
        self.client, self.session = client, token(role, branch)
        self.headers = {"Cookie": f"duo_session={self.session}", "Accept-Language": lang}

    def get(self, path: str):
        return self.client.http.get(path, headers=self.headers)

    def post(self, path: str, form: dict):
        body = urlencode({"csrf": csrf_for(self.session), **form}, doseq=True)
        return self.client.http.post(path, headers={**self.headers, **FORM}, body=body)


def text(page) -> str:
    return page.body.decode()


# --- The head office ---------------------------------------------------------------------------------------
def test_the_head_office_sees_every_branch_with_country_status_and_staff(client):
    page = Browser(client).get(HO)
    assert page.status_code == 200, page.body[:400]
    html = text(page)
    for name in ("Brussels", "Liège", "Antwerp", "Ghent", "Lille", "Rotterdam"):
        assert name in html
    assert f'href="{HO}/branches/ghent"' in html and "The Netherlands" in html and "Active" in html
    assert 'aria-current="page">Branches' in html and f'href="{HO}/report"' in html
    assert "/console/matching" not in html and "Pipeline" not in html  # no branch entries in the nav


def test_the_head_office_onboards_a_branch_through_the_form(client, seeded):
    ho = Browser(client)
    form = ho.get(HO + "/branches/new")
    assert form.status_code == 200 and 'name="csrf"' in text(form)
    answer = ho.post(HO + "/branches/new", {"id": "aalst", "name": "Aalst", "country": "BE",
                                            "time_zone": "Europe/Brussels", "languages": ["nl"],
                                            "admin_email": "admin.aalst@example.org", "admin_name": "An"})
    assert answer.status_code == 303, answer.body[:600]
    assert answer.headers["Location"].startswith(HO + "?done=branch_")
    assert seeded.branches.get("aalst").name == "Aalst"
    listed = text(ho.get(answer.headers["Location"]))
    assert "Aalst" in listed and "The branch has been onboarded" in listed


def test_bad_onboarding_input_comes_back_400_with_messages_at_the_fields_and_nothing_created(client, seeded):
    ho = Browser(client)
    answer = ho.post(HO + "/branches/new", {"id": "Not A Slug!", "name": "", "country": "DE",
                                            "time_zone": "Mars/Olympus", "admin_email": "nope"})
    assert answer.status_code == 400
    html = text(answer)
    for field in ("id", "name", "country", "time_zone", "languages", "admin_email"):
        assert f'id="{field}-error"' in html, field
    assert "Use a time zone name such as Europe/Brussels." in html  # the API's own message
    assert 'value="Mars/Olympus"' in html and 'value="nope"' in html  # typed values kept
    rows, _ = seeded.branches.list(100, None)
    assert len(rows) == 6


def test_onboarding_an_existing_id_is_409_at_the_id_field(client, seeded):
    answer = Browser(client).post(HO + "/branches/new", {"id": "ghent", "name": "Gent", "country": "BE",
                                                         "time_zone": "Europe/Brussels", "languages": ["nl"]})
    assert answer.status_code == 409 and 'id="id-error"' in text(answer)
    assert seeded.branches.get("ghent").name == "Ghent"


def test_the_head_office_edits_suspends_and_resumes_a_branch(client, seeded):
    ho = Browser(client)
    page = ho.get(HO + "/branches/lille")
    assert page.status_code == 200 and f'href="{HO}/report"' in text(page)
    version = re.search(r'name="version" value="(\d+)"', text(page)).group(1)
    bad = ho.post(HO + "/branches/lille", {"action": "save", "version": version, "name": "",
                                           "time_zone": "Europe/Paris", "languages": ["fr"]})
    assert bad.status_code == 400 and 'id="name-error"' in text(bad)
    saved = ho.post(HO + "/branches/lille", {"action": "save", "version": version, "name": "Lille Métropole",
                                             "time_zone": "Europe/Paris", "languages": ["fr", "en"]})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("done=branch_saved")
    assert seeded.branches.get("lille").name == "Lille Métropole"
    stale = ho.post(HO + "/branches/lille", {"action": "save", "version": version, "name": "Lille",
                                             "time_zone": "Europe/Paris", "languages": ["fr"]})
    assert stale.status_code == 409
    assert ho.post(HO + "/branches/lille", {"action": "suspend"}).status_code == 303
    assert not seeded.branches.get("lille").is_active
    assert "Resume the branch" in text(ho.get(HO + "/branches/lille"))
    assert ho.post(HO + "/branches/lille", {"action": "resume"}).status_code == 303
    assert seeded.branches.get("lille").is_active


def test_branch_staff_get_403_on_head_office_pages(client):
    for role in ("coordinator", "branch_admin"):
        staff = Browser(client, role, "ghent")
        for path in (HO, HO + "/branches/new", HO + "/branches/ghent", HO + "/report", HO + "/report/csv"):
            page = staff.get(path)
            assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html"), (role, path)
        assert staff.post(HO + "/branches/new", {"id": "x"}).status_code == 403


def test_the_console_sends_the_head_office_to_its_pages(client):
    answer = Browser(client).get("/console")
    assert answer.status_code == 303 and answer.headers["Location"] == HO


def test_the_local_sign_in_lists_the_head_office_and_signs_it_in(client, monkeypatch):
    from chalicelib.settings import get_settings
    from local.seed import demo_subject
    from tests.conftest import _KEYS

    monkeypatch.setenv("DUO_DEV_SIGNIN_KEY", str(_KEYS / "private.pem"))
    get_settings.cache_clear()
    try:
        page = client.http.get("/console/sign-in")
        head_office = demo_subject("head_office")
        assert f'name="staff_id" value="{head_office}"' in text(page)
        cookies = page.headers.get("Set-Cookie")
        cookies = cookies if isinstance(cookies, list) else [cookies]
        nonce = next(c for c in cookies if c.startswith("duo_signin=")).split(";")[0].split("=", 1)[1]
        answer = client.http.post("/console/sign-in", headers={**FORM, "Cookie": f"duo_signin={nonce}"},
                                  body=urlencode({"signin": nonce, "branch": "", "staff_id": head_office}))
        assert answer.status_code == 303 and answer.headers["Location"] == HO
        forged = client.http.post("/console/sign-in", headers={**FORM, "Cookie": f"duo_signin={nonce}"},
                                  body=urlencode({"signin": nonce, "branch": "", "staff_id": "someone"}))
        assert forged.status_code == 404
    finally:
        get_settings.cache_clear()


# --- A branch's dashboard ----------------------------------------------------------------------------------
DASH = "/branches/ghent/console/reports"


def _svg_ok(html: str) -> None:
    assert "<svg" in html and "<script" not in html  # drawn on the server, readable without JavaScript


def test_a_new_branch_shows_zeros_and_a_chart_not_errors(client, seeded):
    ho = Browser(client)
    assert ho.post(HO + "/branches/new", {"id": "aalst", "name": "Aalst", "country": "BE",
                                          "time_zone": "Europe/Brussels", "languages": ["nl"]}).status_code == 303
    coordinator = Browser(client, "coordinator", "aalst")
    page = coordinator.get("/branches/aalst/console/reports?period=2026")
    assert page.status_code == 200, page.body[:800]
    html = text(page)
    _svg_ok(html)
    assert '<tr data-step="registered">' in html and "Download CSV" in html
    assert "'sha256-" in page.headers["Content-Security-Policy"].split("style-src", 1)[1].split(";")[0]


def test_the_head_office_gets_403_on_a_branch_dashboard(client):
    for path in (DASH, DASH + "/csv"):
        page = Browser(client).get(path)
        assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html")


def _total(html: str, step: str) -> str:
    row = re.search(rf'<tr data-step="{step}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', row)[-1]


def test_the_dashboard_counts_the_life_cycle_after_a_rebuild(client, seeded):
    from chalicelib.services import clock
    from chalicelib.services import reports as report_service
    from tests.integration.duo_helpers import laptop_of, make_duo, stage_duo

    started = make_duo(client, "ghent")
    laptop_of("ghent", started)  # the duo is active (agreement signed) and got a laptop
    waiting = make_duo(client, "ghent")
    stage_duo("ghent", waiting, "first_meeting")
    report_service.rebuild(seeded, "ghent")
    year = str(clock.now().year)
    page = Browser(client, "coordinator", "ghent").get(f"{DASH}?period={year}")
    assert page.status_code == 200, page.body[:800]
    html = text(page)
    _svg_ok(html)
    assert _total(html, "registered") == "4" and _total(html, "paired") == "2"
    assert _total(html, "first_meeting") == "1" and _total(html, "started") == "1"
    assert "Laptop" in html and 'data-figure="active">1<' in html
    assert f'href="{DASH}/csv?period={year}"' in html and 'aria-current="page">Reports' in html
    csv_answer = Browser(client, "branch_admin", "ghent").get(f"{DASH}/csv?period={year}")
    assert csv_answer.status_code == 200 and csv_answer.headers["Content-Type"].startswith("text/csv")
    lines = csv_answer.body.decode().splitlines()
    assert lines[0] == "period,counter,count" and f"{year},started,1" in lines  # the JSON API's CSV


def test_a_bad_period_is_400_at_the_period_field(client):
    page = Browser(client, "coordinator", "ghent").get(DASH + "?period=2026-13")
    assert page.status_code == 400 and 'id="period-error"' in text(page)


def test_period_links_lead_to_the_previous_and_next_period_of_the_same_length(client):
    html = text(Browser(client, "coordinator", "ghent").get(DASH + "?period=2026-Q1"))
    assert f'href="{DASH}?period=2025-Q4" rel="prev"' in html and f'href="{DASH}?period=2026-Q2" rel="next"' in html
    html = text(Browser(client, "coordinator", "ghent").get(DASH + "?period=2026-12"))
    assert f'href="{DASH}?period=2027-01" rel="next"' in html


def test_numbers_are_in_the_viewers_language(client, seeded):
    seeded_branch = seeded.branches.get("ghent")
    seeded_branch.config = {**seeded_branch.config, "targets": {"2026": {"duos": 1234}}}
    seeded.branches.save(seeded_branch)
    html = text(Browser(client, "coordinator", "ghent", lang="nl").get(DASH + "?period=2026"))
    assert "1.234" in html  # Dutch groups thousands with a dot


# --- The network report ------------------------------------------------------------------------------------
def test_the_network_report_shows_every_branch_per_country_and_in_total_with_small_counts_hidden(client, seeded):
    from chalicelib.services import clock
    from chalicelib.services import reports as report_service
    from tests.integration.duo_helpers import make_duo

    make_duo(client, "ghent")  # 2 people registered, 1 pairing: small counts
    report_service.rebuild(seeded, "ghent")
    year = str(clock.now().year)
    ho = Browser(client)
    page = ho.get(f"{HO}/report?period={year}")
    assert page.status_code == 200, page.body[:800]
    html = text(page)
    _svg_ok(html)
    for name in ("Brussels", "Liège", "Antwerp", "Ghent", "Lille", "Rotterdam", "Belgium", "France",
                 "The Netherlands", "Network total"):
        assert name in html, name
    ghent = re.search(r'<tr data-row="branch:ghent">(.*?)</tr>', html, re.S).group(1)
    assert "&lt; 5" in ghent  # 2 registered, 1 paired: hidden
    assert f'href="{HO}/report/csv?period={year}"' in html and "Job" in html
    csv_answer = ho.get(f"{HO}/report/csv?period={year}")
    assert csv_answer.status_code == 200 and csv_answer.headers["Content-Type"].startswith("text/csv")
    assert csv_answer.body.decode().startswith("kind,id,name,country,")
    assert "Ghent" in text(ho.get(HO))  # the list of branches shows this year's key figures too
