"""The public signup JSON API: seats, duplicates, idempotency, eligibility, consent, CORS, mails."""

from __future__ import annotations

import json

import boto3

from chalicelib.services import repos as repos_module
from tests.conftest import bearer, sent_mail
from tests.integration.signup_helpers import mentee_body, mentor_body, plan_session, sign_up


def _items() -> list[dict]:
    return boto3.client("dynamodb", region_name="eu-west-1").scan(TableName="duo-test")["Items"]


def _candidates(branch: str = "antwerp") -> list:
    rows, _ = repos_module.get().candidates.list(branch, role=None, status=None, limit=100, cursor=None)
    return rows


def test_a_mentee_signs_up_and_gets_a_confirmation_in_their_language_with_a_personal_link(client):
    session = plan_session(client, "antwerp")
    answer = sign_up(client, "antwerp", mentee_body(session["id"], "amal@example.org", language="nl"))
    assert answer.status_code == 201
    assert answer.json_body["session"]["id"] == session["id"]
    assert answer.json_body["session"]["seats_left"] == 9
    assert "candidate" not in json.dumps(answer.json_body)  # nothing that identifies the person
    [mail] = sent_mail()
    assert mail["to"] == ["amal@example.org"]
    assert "/branches/antwerp/registrations/" in mail["body"] and "token=" in mail["body"]
    assert "Kerkstraat 1" in mail["body"]


def test_a_full_session_answers_409_and_offers_the_next_sessions(client):
    small = plan_session(client, "antwerp", capacity=1)
    later = plan_session(client, "antwerp", starts_at=f"{small['local_start'][:10]}T20:00")
    assert sign_up(client, "antwerp", mentee_body(small["id"])).status_code == 201
    answer = sign_up(client, "antwerp", mentee_body(small["id"]))
    assert answer.status_code == 409
    assert answer.json_body["code"] == "session_full"
    assert [s["id"] for s in answer.json_body["next_sessions"]] == [later["id"]]
    assert len(_candidates()) == 1  # the refused signup left nothing behind


def test_a_cancelled_session_answers_409(client):
    session = plan_session(client, "antwerp")
    cancel = f"/branches/antwerp/info-sessions/{session['id']}/cancel"
    client.http.post(cancel, headers=bearer("coordinator", "antwerp"))
    answer = sign_up(client, "antwerp", mentee_body(session["id"]))
    assert (answer.status_code, answer.json_body["code"]) == (409, "session_cancelled")


def test_a_retried_request_with_the_same_idempotency_key_registers_once(client):
    session = plan_session(client, "antwerp")
    body = mentee_body(session["id"])
    answers = [sign_up(client, "antwerp", body, **{"Idempotency-Key": "click-1234567"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len(_candidates()) == 1
    assert len(sent_mail()) == 1


def test_the_same_person_signing_up_again_changes_nothing_and_is_written_to_at_the_registered_address(client):
    first = plan_session(client, "antwerp")
    other = plan_session(client, "antwerp", language="nl", capacity=5)
    assert sign_up(client, "antwerp", mentee_body(first["id"], "Amal@Example.org", name="Amal")).status_code == 201
    again = sign_up(client, "antwerp", mentee_body(other["id"], "amal@example.org", name="Someone Else"))
    assert again.status_code == 201  # looks the same as a new signup
    [candidate] = _candidates()
    assert (candidate.name, candidate.session_id) == ("Amal", first["id"])  # nothing overwritten
    assert [m["to"] for m in sent_mail()] == [["Amal@Example.org"], ["Amal@Example.org"]]
    # A mentor with the same address is another candidate.
    assert sign_up(client, "antwerp", mentor_body(other["id"], "amal@example.org")).status_code == 201
    assert len(_candidates()) == 2


def test_someone_the_programme_is_not_for_gets_a_specific_message_and_nothing_is_stored(client):
    session = plan_session(client, "antwerp")
    before = len(_items())
    answer = sign_up(client, "antwerp", mentee_body(session["id"], birth_date="1980-01-01", work_permit=False))
    assert answer.status_code == 400
    assert answer.json_body["code"] == "not_eligible"
    assert answer.json_body["fields"] == {
        "birth_date": "This programme is for people aged 18 to 33.",
        "work_permit": "This programme is for people who may work in the country.",
    }
    assert len(_items()) == before
    assert sent_mail() == []


def test_rotterdam_requires_dutch_or_english(client):
    session = plan_session(client, "rotterdam", language="en")
    arabic_only = mentee_body(session["id"], languages=[{"code": "ar", "level": "native"}])
    answer = sign_up(client, "rotterdam", arabic_only)
    assert answer.json_body["fields"] == {"languages": "This branch works with people who speak one of: nl, en."}
    english = mentee_body(session["id"], languages=[{"code": "en", "level": "fluent"}], language="en")
    assert sign_up(client, "rotterdam", english).status_code == 201


def test_the_migration_background_answer_is_not_kept_and_consent_is_recorded(client):
    session = plan_session(client, "antwerp")
    assert sign_up(client, "antwerp", mentee_body(session["id"], language="nl")).status_code == 201
    [item] = [i for i in _items() if i["sk"]["S"] == "CANDIDATE"]
    assert not any("migration" in name for name in item)
    consent = json.loads(item["consent"]["S"])
    assert consent["version"] == "1" and consent["language"] == "nl" and consent["at"].endswith("Z")


def test_no_consent_no_signup(client):
    session = plan_session(client, "antwerp")
    answer = sign_up(client, "antwerp", mentee_body(session["id"], consent=False))
    assert answer.status_code == 400 and "consent" in answer.json_body["fields"]
    assert _candidates() == []


def test_the_robot_trap_keeps_nothing_but_answers_as_usual(client):
    session = plan_session(client, "antwerp")
    answer = sign_up(client, "antwerp", mentee_body(session["id"], website="http://spam.example"))
    assert answer.status_code == 201
    assert _candidates() == [] and sent_mail() == []


def test_bad_input_gets_a_message_per_field(client):
    session = plan_session(client, "antwerp")
    body = mentee_body(session["id"], birth_date="1850-01-01", phone="call me", extra="x")
    del body["looking_for"]
    answer = sign_up(client, "antwerp", body)
    assert answer.status_code == 400
    assert set(answer.json_body["fields"]) == {"birth_date", "phone", "extra", "looking_for"}
    assert sign_up(client, "antwerp", {"role": "astronaut"}).json_body["fields"] == {
        "role": "Say whether you sign up as a mentee or a mentor."}
    markup = mentee_body(session["id"], name="<script>alert(1)</script>")
    assert sign_up(client, "antwerp", markup).status_code == 201  # stored as text, escaped on display
    assert _candidates()[0].name == "<script>alert(1)</script>"


def test_a_branch_limits_the_length_of_free_text(client):
    client.http.request("PATCH", "/branches/antwerp", headers=bearer("head_office"),
                        body=json.dumps({"config": {"signup": {"max_text_length": 40}}}))
    session = plan_session(client, "antwerp")
    answer = sign_up(client, "antwerp", mentee_body(session["id"], name="A" * 41))
    assert answer.status_code == 400 and "name" in answer.json_body["fields"]


def test_a_suspended_branch_takes_no_signups(client):
    session = plan_session(client, "antwerp")
    client.http.post("/branches/antwerp/suspend", headers=bearer("head_office"))
    answer = sign_up(client, "antwerp", mentee_body(session["id"]))
    assert (answer.status_code, answer.json_body["code"]) == (404, "branch_closed")
    assert client.http.get("/branches/antwerp/public/sessions").status_code == 404


def test_upcoming_sessions_show_free_seats_for_the_role(client):
    for_mentors = plan_session(client, "antwerp", audience="mentors")
    for_both = plan_session(client, "antwerp", audience="both", capacity=2)
    listed = client.http.get("/branches/antwerp/public/sessions?role=mentee").json_body["items"]
    assert [s["id"] for s in listed] == [for_both["id"]]
    assert listed[0]["seats_left"] == 2
    every = client.http.get("/branches/antwerp/public/sessions").json_body["items"]
    assert {s["id"] for s in every} == {for_mentors["id"], for_both["id"]}


def test_cors_only_for_the_branchs_own_websites(client):
    client.http.request("PATCH", "/branches/antwerp", headers=bearer("head_office"),
                        body=json.dumps({"config": {"allowed_origins": ["https://www.duoforajob.be"]}}))
    session = plan_session(client, "antwerp")
    ok = client.http.request("OPTIONS", "/branches/antwerp/signups", headers={"Origin": "https://www.duoforajob.be"})
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == "https://www.duoforajob.be"
    assert "Idempotency-Key" in ok.headers["Access-Control-Allow-Headers"]
    other = client.http.request("OPTIONS", "/branches/antwerp/signups", headers={"Origin": "https://evil.example"})
    assert other.status_code == 403 and "Access-Control-Allow-Origin" not in other.headers
    # Another branch's website is not this branch's.
    ghent = client.http.request("OPTIONS", "/branches/ghent/signups", headers={"Origin": "https://www.duoforajob.be"})
    assert ghent.status_code == 403
    posted = sign_up(client, "antwerp", mentee_body(session["id"]), Origin="https://www.duoforajob.be")
    assert posted.status_code == 201 and posted.headers["Access-Control-Allow-Origin"] == "https://www.duoforajob.be"
    refused = sign_up(client, "antwerp", mentee_body(session["id"]), Origin="https://evil.example")
    assert (refused.status_code, refused.json_body["code"]) == (403, "origin_not_allowed")
    assert len(_candidates()) == 1
