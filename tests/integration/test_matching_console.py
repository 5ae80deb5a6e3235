"""Matching in the console: the pairing page ranks the other side's ready people with reasons in words and
the first meeting filled in; the matching session asks for a proposal (mode, pins, people left out), its page
lists the pairs and who is left unpaired and why, and accepting pairs (one or all) makes the pairings. Bad
pins come back with the form; other branches get 403 and 404."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.services import duos as duo_service
from chalicelib.services import matching
from chalicelib.services import repos as repos_module
from tests.conftest import sent_mail
from tests.integration.duo_helpers import set_status
from tests.integration.matching_helpers import person
from tests.integration.test_duos_console import Browser, page, redirected

B = "antwerp"
OTHER = "ghent"
CONSOLE = f"/branches/{B}/console"
MATCHING = f"{CONSOLE}/matching"


@pytest.fixture
def browser(client, frozen_clock):
    return Browser(client, branch=B)


def candidate(candidate_id: str, branch: str = B):
    return repos_module.get().candidates.get(branch, candidate_id)


def position(html: str, marker: str) -> int:
    assert marker in html, marker
    return html.index(marker)


def row(html: str, marker: str) -> str:
    """One item of a page's list: from ``marker`` to the next item or the end of the list."""
    start = position(html, marker)
    ends = [i for i in (html.find('<li class="', start + 1), html.find("</ol>", start), html.find("</ul>\n</section>",
                                                                                               start)) if i > 0]
    return html[start:min(ends)] if ends else html[start:]


def text(html: str) -> str:
    """The page's words without tags (reasons are split over elements only by whitespace)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def amal(client, seeded):
    return person(client, B, "mentee", name="Amal Benali", languages={"ar": "native", "nl": "conversational"},
                  slots=("tue_evening", "sat_morning"), sectors=("logistics",), needs=("interview_practice", "cv"),
                  interests=("sport",), digital="basic")


# --- The pairing page: ranked partners ---------------------------------------------------------------------
def test_the_pair_page_ranks_the_best_mentor_first_with_reasons_in_words_and_the_suggested_time(
        client, browser, amal):
    best = person(client, B, "mentor", name="Bram Best", languages={"ar": "fluent", "nl": "native"},
                  slots=("tue_evening",), sectors=("logistics",), offers=("interview_practice",),
                  interests=("sport",), digital="advanced")
    fair = person(client, B, "mentor", name="Frans Fair", languages={"nl": "native"}, slots=("tue_evening",),
                  sectors=("care",), offers=("cv",), digital="everyday")
    html = page(browser.get(f"{CONSOLE}/pair?candidate={amal}"))
    assert position(html, f'data-candidate="{best}"') < position(html, f'data-candidate="{fair}"')
    best_row = html[html.index(f'data-candidate="{best}"'):html.index(f'data-candidate="{fair}"')]
    words = text(best_row)
    assert "Same sector: Logistics" in words and "Both speak Arabic" in words
    assert "Both free Tuesday evening" in words and "The mentor can help with" in words
    ranking = matching.ranking(repos_module.get(), B, amal)
    score = next(a.percent for c, a in ranking.rows if c.id == best)
    assert f"{score}/100" in words and f'<meter min="0" max="100" value="{score}"' in best_row
    suggested = ranking.suggested[best].strftime("%Y-%m-%dT%H:%M")
    assert suggested.startswith("2026-12-01T18:30")  # the first Tuesday evening at least two days after 24 Nov
    assert f'value="{suggested}"' in best_row and f'name="mentor_id" value="{best}"' in best_row
    assert ">Pair</button>" in best_row
    fair_row = html[html.index(f'data-candidate="{fair}"'):]
    assert "No sector in common" in text(fair_row)


def test_who_is_excluded_and_why_shows_only_when_asked_and_never_with_a_pair_button(client, browser, amal):
    silent = person(client, B, "mentor", name="Sylvie Silent", languages={"fr": "native"}, slots=("tue_evening",))
    fine = person(client, B, "mentor", languages={"ar": "native"}, slots=("tue_evening",))
    html = page(browser.get(f"{CONSOLE}/pair?candidate={amal}"))
    assert silent not in html and f'data-candidate="{fine}"' in html
    assert f"/console/pair?candidate={amal}&amp;include_blocked=1" in html and "Show who is excluded and why" in html
    html = page(browser.get(f"{CONSOLE}/pair?candidate={amal}&include_blocked=1"))
    assert "No language in common at a working level" in row(html, f'data-blocked="{silent}"')
    assert f'value="{silent}"' not in html  # no form pairs them from the console
    assert "Hide who is excluded" in html


def test_the_pair_page_keeps_its_refusals(client, browser, amal):
    waiting = person(client, B, "mentee")
    set_status(B, waiting, "training")
    html = page(browser.get(f"{CONSOLE}/pair?candidate={waiting}"), 409)
    assert "cannot be paired now" in html
    assert f"/console/pair?candidate={amal}" in page(browser.get(f"{CONSOLE}/pair"))


# --- A proposal for the pool ----------------------------------------------------------------------------------
def _pool(client):
    """m1 fits x and y; m2 fits only x (the most-paired proposal is m1-y, m2-x)."""
    m1 = person(client, B, "mentee", name="Mira One", languages={"nl": "fluent"}, slots=("mon_evening", "tue_evening"),
                sectors=("logistics",), needs=("cv",))
    m2 = person(client, B, "mentee", name="Mo Two", languages={"nl": "fluent"}, slots=("tue_evening",),
                sectors=("care",), needs=("network",))
    x = person(client, B, "mentor", name="Xavier", languages={"nl": "native"}, slots=("mon_evening", "tue_evening"),
               sectors=("logistics",), offers=("cv",))
    y = person(client, B, "mentor", name="Yasmina", languages={"nl": "native"}, slots=("mon_evening",),
               sectors=("care",), offers=("network",))
    return m1, m2, x, y


def _propose(browser, form: dict) -> str:
    location = redirected(browser.post(f"{MATCHING}/proposals", form), f"{MATCHING}/proposals/")
    return location


def test_the_session_page_shows_the_pool_and_a_proposal_lists_pairs_and_why_others_are_left(client, browser,
                                                                                          seeded):
    m1, m2, x, y = _pool(client)
    lonely = person(client, B, "mentee", name="Lou Lonely", languages={"fr": "native"}, slots=("sun_morning",))
    html = page(browser.get(MATCHING))
    assert 'aria-current="page">Matching</a>' in html
    assert "No proposal has been made yet." in html
    assert 'value="score" aria-describedby="mode-score-help" checked' in html and "Most people paired" in html
    assert f'id="exclude-{lonely}"' in html and 'name="pin_mentee_2"' in html
    assert text(html).count("Mentees 3") == 1 and "Mentors 2" in text(html)

    location = _propose(browser, {"mode": "count", "pin_mentee_0": "", "pin_mentor_0": ""})
    html = page(browser.get(location))
    assert f'data-pair="{m1}-{y}"' in html and f'data-pair="{m2}-{x}"' in html
    assert html.count('data-state="open"') == 2 and ">Accept</button>" in html
    left = row(html, f'data-unpaired="{lonely}"')
    assert "No possible partner" in text(left)
    assert "Most people paired" in html
    ask_again = re.search(r'href="([^"]*console/matching\?mode=count[^"]*)"', html)
    assert ask_again
    # The session page links the latest proposal.
    assert location.split("?")[0] in page(browser.get(MATCHING))


def test_ask_again_fills_the_form_as_it_was(client, browser, seeded):
    m1, _m2, x, y = _pool(client)
    location = _propose(browser, {"mode": "count", "pin_mentee_0": m1, "pin_mentor_0": x, "exclude": [y]})
    html = page(browser.get(location))
    assert "Pinned by you" in html and f'data-pair="{m1}-{x}"' in html
    href = re.search(r'href="([^"]*console/matching\?mode=count[^"]*)"', html).group(1).replace("&amp;", "&")
    query = parse_qs(urlparse(href).query)
    assert query == {"mode": ["count"], "exclude": [y], "pin_mentee": [m1], "pin_mentor": [x]}
    form = page(browser.get(href))
    assert f'id="exclude-{y}" name="exclude" value="{y}" checked' in form
    assert 'value="count" aria-describedby="mode-count-help" checked' in form
    pin_row = form[form.index('id="pin_mentee_0"'):form.index('id="pin_mentee_1"')]
    assert f'<option value="{m1}" selected>' in pin_row and f'<option value="{x}" selected>' in pin_row


def test_accepting_one_pair_makes_the_pairing_and_the_row_says_accepted(client, browser, seeded):
    m1, m2, x, y = _pool(client)
    location = _propose(browser, {"mode": "count"})
    proposal_id = location.rsplit("/", 1)[1]
    before = len(sent_mail())
    answer = browser.post(f"{location}/accept", {"mentee_id": m1, "first_meeting_at": "2026-12-07T18:30"})
    back = redirected(answer, location)
    html = page(browser.get(back))
    assert "1 pair accepted." in text(html)
    item = row(html, f'data-pair="{m1}-{y}"')
    assert 'data-state="accepted"' in item and "Accepted" in item
    duo_id = candidate(m1).duo_id
    assert duo_id and candidate(y).duo_id == duo_id and candidate(m1).status.value == "paired"
    assert f"/console/duos/{duo_id}" in item
    duo = repos_module.get().duos.get(B, duo_id)
    assert duo.first_meeting_at == "2026-12-07T17:30:00Z"  # Antwerp is UTC+1 in December
    assert page(browser.get(f"{CONSOLE}/duos/{duo_id}"))
    mailed = {to for m in sent_mail()[before:] for to in m["to"]}
    assert {candidate(m1).email, candidate(y).email} <= mailed
    assert f'data-pair="{m2}-{x}" data-state="open"' in html
    assert "Pairs accepted</dt><dd>1" in html.replace("\n", "")
    assert repos_module.get().matching.get(B, proposal_id).accepted == 1


def test_a_bad_time_comes_back_at_its_row_with_the_value_kept(client, browser, seeded):
    m1, _m2, _x, y = _pool(client)
    location = _propose(browser, {"mode": "count"})
    html = page(browser.post(f"{location}/accept", {"mentee_id": m1, "first_meeting_at": "soon"}), 400)
    item = row(html, f'data-pair="{m1}-{y}"')
    assert 'id="first_meeting_at-error"' in item and 'value="soon"' in item
    assert candidate(m1).status.value == "ready"


def test_accept_all_leaves_out_a_pair_no_longer_possible(client, browser, frozen_clock, seeded):
    m1, m2, x, _y = _pool(client)
    location = _propose(browser, {"mode": "count"})
    other = person(client, B, "mentee", languages={"nl": "fluent"}, slots=("tue_evening",))
    duo_service.pair(repos_module.get(), B, other, x, frozen_clock.now + timedelta(days=3), "staff-test")
    html = page(browser.get(location))
    assert f'data-pair="{m2}-{x}" data-state="unavailable"' in html
    assert "Accept the open pair" in html
    back = redirected(browser.post(f"{location}/accept", {"action": "all"}), location)
    html = page(browser.get(back))
    assert "1 pair accepted." in text(html)
    assert candidate(m1).status.value == "paired" and candidate(m2).status.value == "ready"
    assert html.count('data-state="accepted"') == 1 and ">Accept</button>" not in html


def test_accept_all_accepts_each_pair_and_a_pair_taken_meanwhile_is_shown_at_its_row(client, browser, frozen_clock,
                                                                                      seeded):
    m1, m2, x, y = _pool(client)
    location = _propose(browser, {"mode": "count"})
    back = redirected(browser.post(f"{location}/accept", {"action": "all"}), location)
    html = page(browser.get(back))
    assert "2 pairs accepted." in text(html) and html.count('data-state="accepted"') == 2
    assert all(candidate(c).status.value == "paired" for c in (m1, m2, x, y))
    # A second proposal whose pair was taken meanwhile: accepting it says why at its row.
    a = person(client, B, "mentee", languages={"nl": "fluent"}, slots=("tue_evening",))
    b = person(client, B, "mentor", languages={"nl": "native"}, slots=("tue_evening",))
    location = _propose(browser, {"mode": "score"})
    c = person(client, B, "mentee", languages={"nl": "fluent"}, slots=("tue_evening",))
    duo_service.pair(repos_module.get(), B, c, b, frozen_clock.now + timedelta(days=3), "staff-test")
    back = browser.post(f"{location}/accept", {"mentee_id": a, "first_meeting_at": "2026-12-07T18:30"})
    html = page(browser.get(redirected(back, location)))
    assert "0 pairs accepted; 1 not possible: the mentor is already in a pairing or a duo." in text(html)
    item = row(html, f'data-pair="{a}-{b}"')
    assert "Not paired: the mentor is already in a pairing or a duo." in text(item)


def test_a_pin_that_breaks_a_constraint_comes_back_409_with_the_reason_and_the_form(client, browser, seeded):
    _m1, m2, x, y = _pool(client)
    answer = browser.post(f"{MATCHING}/proposals", {"mode": "count", "pin_mentee_0": m2, "pin_mentor_0": y,
                                                    "pin_mentee_1": "", "pin_mentor_1": "", "exclude": [x]})
    html = page(answer, 409)
    assert "This proposal could not be made" in html and "This pin is not possible" in html
    assert 'id="pin_0-error"' in html and "No weekly time in common" in html
    pin_row = html[html.index('id="pin_mentee_0"'):html.index('id="pin_mentee_1"')]
    assert f'<option value="{m2}" selected>' in pin_row and f'<option value="{y}" selected>' in pin_row
    assert f'value="{x}" checked' in html and 'value="count" aria-describedby="mode-count-help" checked' in html
    assert repos_module.get().matching.latest(B) is None


def test_half_pins_and_bad_modes_come_back_400_with_a_message_at_the_field(client, browser, seeded):
    m1, m2, x, _y = _pool(client)
    html = page(browser.post(f"{MATCHING}/proposals", {"mode": "score", "pin_mentee_0": "", "pin_mentor_0": "",
                                                       "pin_mentee_1": m1, "pin_mentor_1": ""}), 400)
    assert 'id="pin_1-error"' in html and "Choose both a mentee and a mentor" in html
    html = page(browser.post(f"{MATCHING}/proposals", {"mode": "best"}), 400)
    assert 'id="mode-error"' in html
    html = page(browser.post(f"{MATCHING}/proposals", {"mode": "score", "pin_mentee_0": m1, "pin_mentor_0": x,
                                                       "pin_mentee_1": m2, "pin_mentor_1": x}), 400)
    assert "Xavier is named twice" in html  # the person's name, not their id


# --- Isolation --------------------------------------------------------------------------------------------------
def test_a_proposal_of_another_branch_is_not_found(client, browser, seeded):
    person(client, OTHER, "mentee")
    person(client, OTHER, "mentor")
    elsewhere = matching.propose(repos_module.get(), "staff-test", OTHER).id
    page(browser.get(f"{MATCHING}/proposals/{elsewhere}"), 404)
    page(browser.post(f"{MATCHING}/proposals/{elsewhere}/accept", {"action": "all"}), 404)
    page(browser.get(f"{MATCHING}/proposals/no-such-proposal"), 404)


def test_a_coordinator_of_another_branch_may_open_none_of_the_matching_pages(client, seeded, frozen_clock):
    m1, _m2, _x, _y = _pool(client)
    proposal_id = matching.propose(repos_module.get(), "staff-test", B).id
    stranger = Browser(client, branch=OTHER)
    page(stranger.get(MATCHING), 403)
    page(stranger.post(f"{MATCHING}/proposals", {"mode": "score"}), 403)
    page(stranger.get(f"{MATCHING}/proposals/{proposal_id}"), 403)
    page(stranger.post(f"{MATCHING}/proposals/{proposal_id}/accept", {"action": "all"}), 403)
    page(stranger.get(f"{CONSOLE}/pair?candidate={m1}"), 403)
    assert candidate(m1).status.value == "ready"


# --- Previewing new weights on the settings page --------------------------------------------------------------
def test_the_settings_preview_shows_how_new_weights_change_the_proposal_without_saving(client, seeded,
                                                                                        frozen_clock):
    from chalicelib.domain.matching import DEFAULT_WEIGHTS

    a = person(client, B, "mentee", name="Anna Logistics", sectors=("logistics",), postcode="2000")
    b = person(client, B, "mentee", name="Bo Care", sectors=("care",), postcode="9000")
    person(client, B, "mentor", name="Xander Far", sectors=("logistics",), postcode="9000")
    person(client, B, "mentor", name="Yara Near", sectors=("care",), postcode="2000")
    admin = Browser(client, role="branch_admin", branch=B)
    url = f"{CONSOLE}/settings/matching"
    html = page(admin.get(url))
    assert 'value="preview"' in html and "Preview, without saving" in html
    config = repos_module.get().branches.get(B).effective_config()["matching"]
    weights = {f"weight_{c}": str(w) for c, w in DEFAULT_WEIGHTS.items()}
    form = {"version": repos_module.get().branches.get(B).version, "action": "preview", **weights,
            "weight_sector": "0", "weight_location": "10", "hard": []}
    html = page(admin.post(url, form))
    shown = text(html)
    assert "Preview: the pool's proposal with these settings" in shown
    assert "Ready to be paired: 2 mentees and 2 mentors." in shown
    assert "Pairs proposed 2 2" in shown
    assert "Anna Logistics Xander Far → Yara Near" in text(row(html, f'data-change="{a}"'))
    assert "Bo Care Yara Near → Xander Far" in text(row(html, f'data-change="{b}"'))
    assert 'name="weight_location" value="10"' in html  # the typed values stay in the form
    assert repos_module.get().branches.get(B).effective_config()["matching"] == config  # nothing saved
    bad = page(admin.post(url, {**form, "weight_sector": "11"}), 400)
    assert 'id="matching-weights-sector-error"' in bad and "Preview:" not in bad
    coordinator = Browser(client, branch=B)
    page(coordinator.post(url, form), 403)
