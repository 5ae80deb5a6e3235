"""Matching through the JSON API: ranked partners with reasons, the pool's proposal (pins, exclusions, both
modes), accepting pairs into the life cycle with the pairing's record of the proposal, and previewing
weights; bad input and other branches get clear refusals."""

from __future__ import annotations

import json

import pytest

from chalicelib.services import repos as repos_module
from tests.conftest import bearer
from tests.integration.duo_helpers import pair, set_status
from tests.integration.matching_helpers import person

B = "antwerp"
OTHER = "ghent"


def get(client, path: str, role: str = "coordinator", branch: str = B, lang: str = "en"):
    return client.http.get(path, headers={**bearer(role, branch), "Accept-Language": lang})


def post(client, path: str, body: dict, role: str = "coordinator", branch: str = B):
    return client.http.post(path, headers={**bearer(role, branch), "Content-Type": "application/json",
                                           "Accept-Language": "en"}, body=json.dumps(body))


def ranked(client, candidate_id: str, **query: str):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    answer = get(client, f"/branches/{B}/matching/candidates/{candidate_id}{suffix}")
    assert answer.status_code == 200, answer.body
    return answer.json_body


def propose(client, body: dict | None = None, branch: str = B):
    return post(client, f"/branches/{branch}/matching/proposals", body or {}, branch=branch)


def texts(row: dict) -> list[str]:
    return [r["text"] for c in row["criteria"] for r in c["pros"] + c["cons"]]


@pytest.fixture
def amal(client, seeded):
    """A mentee who speaks Arabic, is free on Tuesday evenings, looks for logistics and needs interview practice."""
    return person(client, B, "mentee", languages={"ar": "native", "nl": "conversational"},
                  slots=("tue_evening", "sat_morning"), sectors=("logistics",), needs=("interview_practice", "cv"),
                  interests=("sport",), digital="basic")


def test_a_mentees_best_mentor_comes_first_with_its_reasons_in_plain_words(client, amal):
    best = person(client, B, "mentor", languages={"ar": "fluent", "nl": "native"}, slots=("tue_evening",),
                  sectors=("logistics",), offers=("interview_practice",), interests=("sport",), digital="advanced")
    fair = person(client, B, "mentor", languages={"nl": "native"}, slots=("tue_evening",), sectors=("care",),
                  offers=("cv",), digital="everyday")
    answer = ranked(client, amal)
    ids = [row["candidate"]["id"] for row in answer["ranked"]]
    assert ids.index(best) < ids.index(fair)
    top = answer["ranked"][ids.index(best)]
    assert top["allowed"] is True and 0 < top["score"] <= 100
    words = texts(top)
    assert "Same sector: Logistics" in words or any(w.startswith("Same sector:") for w in words)
    assert any(w.startswith("Both speak") and "Arabic" in w for w in words)
    assert any(w.startswith("Both free") and "Tuesday evening" in w for w in words)
    assert any(w.startswith("The mentor can help with") for w in words)
    assert top["suggested_first_meeting"]  # the first shared Tuesday evening at least two days ahead
    other = answer["ranked"][ids.index(fair)]
    assert any("No sector in common" in w for w in texts(other))


def test_excluded_partners_are_listed_with_the_constraint_only_when_asked(client, amal):
    silent = person(client, B, "mentor", languages={"fr": "native"}, slots=("tue_evening",))
    never = person(client, B, "mentor", languages={"ar": "native"}, slots=("mon_morning",))
    plain = ranked(client, amal)
    assert silent not in [r["candidate"]["id"] for r in plain["ranked"]] and plain["blocked"] >= 2
    full = ranked(client, amal, include_blocked="true")
    rows = {r["candidate"]["id"]: r for r in full["ranked"]}
    assert rows[silent]["allowed"] is False
    assert [b["code"] for b in rows[silent]["blocks"]] == ["no_shared_language"]
    assert rows[silent]["blocks"][0]["text"] == "No language in common at a working level"
    assert [b["code"] for b in rows[never]["blocks"]] == ["no_shared_time"]


def test_ranking_refuses_unknown_and_not_ready_people_and_other_branches(client, amal):
    assert get(client, f"/branches/{B}/matching/candidates/nobody-here").status_code == 404
    waiting = person(client, B, "mentee")
    set_status(B, waiting, "training")
    refused = get(client, f"/branches/{B}/matching/candidates/{waiting}")
    assert refused.status_code == 409 and refused.json_body["code"] == "not_ready"
    assert get(client, f"/branches/{OTHER}/matching/candidates/{amal}", branch=OTHER).status_code == 404
    assert get(client, f"/branches/{B}/matching/candidates/{amal}", branch=OTHER).status_code == 403
    assert get(client, f"/branches/{B}/matching/candidates/{amal}", role="head_office", branch=None).status_code == 403


def _pool(client):
    """Two mentees and two mentors where the best single pair (m1-x) leaves m2 without anyone:
    x suits both mentees, y suits only m1."""
    m1 = person(client, B, "mentee", languages={"nl": "fluent"}, slots=("mon_evening", "tue_evening"),
                sectors=("logistics",), needs=("cv",))
    m2 = person(client, B, "mentee", languages={"nl": "fluent"}, slots=("tue_evening",), sectors=("care",),
                needs=("network",))
    x = person(client, B, "mentor", languages={"nl": "native"}, slots=("mon_evening", "tue_evening"),
               sectors=("logistics",), offers=("cv",))
    y = person(client, B, "mentor", languages={"nl": "native"}, slots=("mon_evening",), sectors=("care",),
               offers=("network",))
    return m1, m2, x, y


def test_a_proposal_pairs_the_pool_optimally_and_says_who_is_left_and_why(client, seeded):
    m1, m2, x, y = _pool(client)
    lonely = person(client, B, "mentee", languages={"fr": "native"}, slots=("sun_morning",))
    answer = propose(client, {"mode": "count"})
    assert answer.status_code == 201, answer.body
    body = answer.json_body
    pairs = {(p["mentee"]["id"], p["mentor"]["id"]) for p in body["pairs"]}
    assert pairs == {(m1, y), (m2, x)}  # both mentees paired: m2 can only have x
    left = {u["candidate"]["id"]: u["reason"] for u in body["unpaired"] if u["candidate"]}
    assert left[lonely]["code"] == "no_possible_partner"
    assert left[lonely]["text"].startswith("No possible partner")
    assert all(p["state"] == "open" and p["suggested_first_meeting"] for p in body["pairs"])
    again = get(client, f"/branches/{B}/matching/proposals/{body['id']}")
    assert again.status_code == 200 and again.json_body["pairs"] == body["pairs"]


def test_pins_and_exclusions_shape_the_proposal_and_bad_pins_are_refused(client, seeded):
    m1, m2, x, y = _pool(client)
    pinned = propose(client, {"pins": [{"mentee_id": m1, "mentor_id": x}]}).json_body
    assert (m1, x) in {(p["mentee"]["id"], p["mentor"]["id"]) for p in pinned["pairs"]}
    assert next(p for p in pinned["pairs"] if p["mentee"]["id"] == m1)["pinned"] is True
    without = propose(client, {"exclude": [x]}).json_body
    assert x not in {p["mentor"]["id"] for p in without["pairs"]}
    assert {u["candidate"]["id"]: u["reason"]["code"] for u in without["unpaired"]}[x] == "excluded"
    broken = propose(client, {"pins": [{"mentee_id": m2, "mentor_id": y}]})  # no shared weekly time
    assert broken.status_code == 409 and broken.json_body["code"] == "pin_not_allowed"
    twice = propose(client, {"pins": [{"mentee_id": m1, "mentor_id": x}, {"mentee_id": m2, "mentor_id": x}]})
    assert twice.status_code == 400 and "pins" in json.dumps(twice.json_body["fields"])
    unknown = propose(client, {"pins": [{"mentee_id": "nobody", "mentor_id": x}]})
    assert unknown.status_code == 400 and unknown.json_body["fields"] == {
        "pins[0].mentee_id": "There is no such person in this branch."}
    stranger = person(client, OTHER, "mentee")
    elsewhere = propose(client, {"exclude": [stranger]})
    assert elsewhere.status_code == 400 and "exclude[0]" in elsewhere.json_body["fields"]
    set_status(B, y, "training")
    busy = propose(client, {"pins": [{"mentee_id": m1, "mentor_id": y}]})
    assert busy.status_code == 409 and busy.json_body["code"] == "not_ready"
    assert propose(client, {"mode": "best"}).status_code == 400


def _paired_event(branch: str, duo_id: str):
    events, _ = repos_module.get().events.for_subject(branch, "duo", duo_id, limit=20, cursor=None)
    return next(e for e in events if e.kind == "duo.paired")


def test_accepting_pairs_creates_pairings_that_record_the_proposal(client, seeded):
    m1, _m2, x, _y = _pool(client)
    proposal = propose(client, {"mode": "count"}).json_body
    one = post(client, f"/branches/{B}/matching/proposals/{proposal['id']}/accept", {"pairs": [{"mentee_id": m1}]})
    assert one.status_code == 200 and one.json_body["paired"] == 1, one.body
    duo_id = one.json_body["results"][0]["duo_id"]
    event = _paired_event(B, duo_id)
    assert event.data["via"] == "proposal" and event.data["proposal"] == proposal["id"]
    assert event.data["followed"] is True and event.data["allowed"] is True and 0 <= event.data["score"] <= 100
    rest = post(client, f"/branches/{B}/matching/proposals/{proposal['id']}/accept", {})
    assert [r["status"] for r in rest.json_body["results"]] == ["paired"]
    again = post(client, f"/branches/{B}/matching/proposals/{proposal['id']}/accept", {"pairs": [{"mentee_id": m1}]})
    assert again.json_body["results"][0]["status"] == "already_paired"
    view = get(client, f"/branches/{B}/matching/proposals/{proposal['id']}").json_body
    assert {p["state"] for p in view["pairs"]} == {"accepted"} and view["accepted"] == 2
    outsider = post(client, f"/branches/{B}/matching/proposals/{proposal['id']}/accept",
                    {"pairs": [{"mentee_id": x}]})
    assert outsider.status_code == 400 and outsider.json_body["fields"] == {
        "pairs[0].mentee_id": "This mentee is not in the proposal."}


def test_a_pair_taken_meanwhile_is_reported_and_the_others_still_go_through(client, seeded):
    m1, m2, _x, y = _pool(client)
    proposal = propose(client, {"mode": "count"}).json_body
    spare = person(client, B, "mentee", languages={"nl": "fluent"}, slots=("mon_evening",))
    assert pair(client, B, spare, y).status_code == 201  # y taken by hand, outside the proposal
    every = post(client, f"/branches/{B}/matching/proposals/{proposal['id']}/accept", {}).json_body
    assert [(r["mentee_id"], r["status"]) for r in every["results"]] == [(m2, "paired")]  # the open pairs only
    answer = post(client, f"/branches/{B}/matching/proposals/{proposal['id']}/accept",
                  {"pairs": [{"mentee_id": m1}]})
    assert answer.json_body["results"][0]["status"] == "mentor_busy"
    assert "already in a pairing" in answer.json_body["results"][0]["message"]
    view = get(client, f"/branches/{B}/matching/proposals/{proposal['id']}").json_body
    assert view["overridden"] == 1  # y was proposed with m1, and paired otherwise


def test_pairing_by_hand_records_whether_it_followed_the_latest_proposal(client, seeded):
    m1, m2, x, _y = _pool(client)
    proposal = propose(client, {"mode": "count"}).json_body  # m1-y, m2-x
    followed = pair(client, B, m2, x)
    assert _paired_event(B, followed.json_body["id"]).data["followed"] is True
    overridden = pair(client, B, m1, person(client, B, "mentor", slots=("mon_evening",)))
    data = _paired_event(B, overridden.json_body["id"]).data
    assert data["via"] == "manual" and data["followed"] is False and data["proposal"] == proposal["id"]
    view = get(client, f"/branches/{B}/matching/proposals/{proposal['id']}").json_body
    assert (view["accepted"], view["overridden"]) == (1, 1)


def test_a_branch_admin_previews_new_weights_without_saving_them(client, seeded):
    mentee = person(client, B, "mentee", sectors=("logistics",), needs=("cv",))
    same_sector = person(client, B, "mentor", sectors=("logistics",), offers=("network",))
    helps = person(client, B, "mentor", sectors=("care",), offers=("cv",))
    before = repos_module.get().branches.get(B).config
    previews = {}
    for favoured, weights in ((same_sector, {"sector": 10, "help": 0}), (helps, {"sector": 0, "help": 10})):
        answer = post(client, f"/branches/{B}/matching/preview", {"weights": weights}, role="branch_admin")
        assert answer.status_code == 200, answer.body
        previews[favoured] = answer.json_body
    body = previews[same_sector]
    assert body["preview"]["weights"]["sector"] == 10 and body["current"]["weights"]["sector"] == 3
    assert body["pool"] == {"mentees": 1, "mentors": 2}
    changed = {favoured: p["changes"] for favoured, p in previews.items() if p["changes"]}
    assert len(changed) == 1  # the current weights propose one of the two; the other preview moves the mentee
    (favoured, changes), = changed.items()
    assert [(c["mentee"]["id"], c["after"]["id"]) for c in changes] == [(mentee, favoured)]
    assert repos_module.get().branches.get(B).config == before
    assert post(client, f"/branches/{B}/matching/preview", {"weights": {"sector": 11}},
                role="branch_admin").status_code == 400
    assert post(client, f"/branches/{B}/matching/preview", {"weights": {"charm": 1}},
                role="branch_admin").status_code == 400
    zero = {c: 0 for c in body["current"]["weights"]}
    assert post(client, f"/branches/{B}/matching/preview", {"weights": zero}, role="branch_admin").status_code == 400
    assert post(client, f"/branches/{B}/matching/preview", {"weights": {"sector": 5}}).status_code == 403


def test_proposals_of_one_branch_are_not_found_from_another(client, seeded):
    _pool(client)
    proposal = propose(client).json_body
    other = get(client, f"/branches/{OTHER}/matching/proposals/{proposal['id']}", branch=OTHER)
    assert other.status_code == 404
    accept = post(client, f"/branches/{OTHER}/matching/proposals/{proposal['id']}/accept", {}, branch=OTHER)
    assert accept.status_code == 404
    theirs = propose(client, branch=OTHER).json_body
    assert theirs["pairs"] == [] and theirs["unpaired"] == []  # nothing of Antwerp's pool


def test_a_mentor_sees_the_mentees_ranked_the_same_way_round(client, amal):
    mentor = person(client, B, "mentor", languages={"ar": "fluent"}, slots=("tue_evening",), sectors=("logistics",),
                    offers=("interview_practice", "cv"))
    other = person(client, B, "mentee", languages={"ar": "fluent"}, slots=("tue_evening",), sectors=("care",),
                   needs=("language",))
    answer = ranked(client, mentor)
    assert [r["candidate"]["id"] for r in answer["ranked"]][:2] == [amal, other]
    assert answer["person"]["role"] == "mentor" and answer["ranked"][0]["candidate"]["role"] == "mentee"
    from_mentee = {r["candidate"]["id"]: r["score"] for r in ranked(client, amal)["ranked"]}
    assert from_mentee[mentor] == answer["ranked"][0]["score"]  # one score per pair, whichever side asks
