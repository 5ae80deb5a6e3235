"""People over the JSON API: attendance, intake, training, withdrawal, coordinators, search, caseloads."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import timedelta

import pytest

from chalicelib.domain.errors import ConflictError
from chalicelib.domain.events import Event
from chalicelib.services import clock
from chalicelib.services import repos as repos_module
from local.seed import demo_subject
from tests.conftest import bearer
from tests.integration.signup_helpers import mentor_body, plan_session, sign_up, sign_up_candidate

B, OTHER = "antwerp", "ghent"
COORD = demo_subject("coordinator", B)
ADMIN = demo_subject("branch_admin", B)
MODULES = ("welcome", "role_of_mentor", "listening", "intercultural", "job_market", "action_plan", "network",
           "closing")


_CLOCK: list = []


@pytest.fixture(autouse=True)
def ticking(frozen_clock):
    """Each change a minute after the previous one, so a trail's order is its order of events."""
    _CLOCK[:] = [frozen_clock]
    yield
    _CLOCK.clear()


def _url(cid: str, tail: str = "", branch: str = B) -> str:
    return f"/branches/{branch}/candidates/{cid}" + (f"/{tail}" if tail else "")


def get(client, cid: str, role: str = "coordinator", branch: str = B):
    return client.http.get(_url(cid, branch=branch), headers=bearer(role, branch))


def person(client, cid: str) -> dict:
    answer = get(client, cid)
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)


def post(client, cid: str, tail: str, body: dict, role: str = "coordinator", branch: str = B, **extra):
    if "version" not in body:
        body = {**body, "version": person(client, cid)["version"]}
    if _CLOCK:
        _CLOCK[0].advance(minutes=1)
    return client.http.post(_url(cid, tail, branch), headers=bearer(role, branch, **extra), body=json.dumps(body))


def ok(answer) -> dict:
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)


def refused(answer, status: int) -> dict:
    assert answer.status_code == status, answer.body
    return json.loads(answer.body)


@pytest.fixture
def session(client):
    return plan_session(client, B)["id"]


@pytest.fixture
def mentee(client, session):
    return sign_up_candidate(client, B, session)[0]


def _mentor(client, session: str, **fields) -> str:
    email = fields.pop("email", None) or f"jan.{uuid.uuid4().hex[:8]}@example.org"
    assert sign_up(client, B, mentor_body(session, email, **fields)).status_code == 201
    rows, _ = repos_module.get().candidates.list(B, role=None, status=None, limit=100, cursor=None)
    return next(c.id for c in rows if c.email == email)


@pytest.fixture
def mentor(client, session):
    return _mentor(client, session)


def _schedule(client, cid: str) -> dict:
    return ok(post(client, cid, "intake-schedule", {"at": "2026-12-01T10:00"}))  # 09:00 UTC in Antwerp


INTAKE = {"experience": "Warehouse work", "expectations": "A job in logistics", "availability": ["tue_evening"],
          "languages": [{"code": "nl", "level": "fluent"}], "sectors": ["logistics"], "notes": "Calm, punctual"}


def test_the_person_page_reads_the_whole_record(client, mentee, mentor):
    p = person(client, mentee)
    assert p["status"] == "registered" and p["version"] == 0 and p["readiness"] is None
    assert p["name"] == "Amal Benali" and p["coordinator_id"] == "" and p["duo_ids"] == []
    m = person(client, mentor)
    assert m["readiness"]["missing"] == list(MODULES) and not m["readiness"]["complete"]
    trail = ok(client.http.get(_url(mentee, "events"), headers=bearer("coordinator", B)))
    assert [e["kind"] for e in trail["items"]] == ["candidate.signed_up"]


def test_attendance_marks_the_person_and_their_registration(client, mentee, session):
    p = ok(post(client, mentee, "attendance", {"attended": True}))
    assert p["status"] == "attended" and p["version"] == 1
    regs = ok(client.http.get(f"/branches/{B}/info-sessions/{session}/registrations", headers=bearer("coordinator", B)))
    assert [r["status"] for r in regs["items"] if r["candidate_id"] == mentee] == ["attended"]
    p = ok(post(client, mentee, "attendance", {"attended": False}))  # corrected
    assert p["status"] == "no_show"
    regs = ok(client.http.get(f"/branches/{B}/info-sessions/{session}/registrations", headers=bearer("coordinator", B)))
    assert [r["status"] for r in regs["items"] if r["candidate_id"] == mentee] == ["no_show"]
    trail = ok(client.http.get(_url(mentee, "events"), headers=bearer("coordinator", B)))["items"]
    assert trail[0]["kind"] == "candidate.no_show" and trail[0]["data"]["from"] == "attended"
    assert trail[1]["kind"] == "candidate.attended" and trail[1]["actor"] == COORD


@pytest.mark.parametrize(("tail", "body", "fields"), [
    ("attendance", {"attended": "maybe"}, {"attended", "version"}),
    ("intake-schedule", {"at": "next tuesday", "version": 0}, {"at"}),
    ("intake", {"decision": "perhaps", "version": -1, "availability": ["someday"]},
     {"decision", "version", "availability.0"}),
    ("training", {"module": "Bad Code", "version": 0}, {"module", "completed_on"}),
    ("coordinator", {"coordinator_id": "a#b", "version": 0}, {"coordinator_id"}),
])
def test_bad_bodies_answer_400_with_a_message_per_field(client, mentee, tail, body, fields):
    error = refused(client.http.post(_url(mentee, tail), headers=bearer("coordinator", B), body=json.dumps(body)), 400)
    assert set(error["fields"]) == fields and all(error["fields"].values())


def test_intake_rules_checked_against_the_branch_answer_400(client, mentee, mentor):
    _schedule(client, mentee)
    error = refused(post(client, mentee, "intake", {**INTAKE, "decision": "not_suitable",
                                                     "help_needs": ["astrology"]}), 400)
    assert set(error["fields"]) == {"reason", "help_needs"}
    error = refused(post(client, mentee, "intake", {**INTAKE, "decision": "ready", "notes": "x" * 1001}), 400)
    assert set(error["fields"]) == {"notes"}
    _schedule(client, mentor)
    error = refused(post(client, mentor, "intake", {**INTAKE, "decision": "ready", "help_needs": ["cv"]}), 400)
    assert set(error["fields"]) == {"help_needs"}
    assert person(client, mentee)["status"] == "intake_scheduled"


def test_the_intake_records_what_matching_needs_by_name_in_the_trail(client, mentee, mentor):
    _schedule(client, mentee)
    p = ok(post(client, mentee, "intake", {**INTAKE, "decision": "ready", "help_needs": ["cv"],
                                           "interests": ["sport", "cooking"], "digital_skills": "basic"}))
    assert p["intake"]["interests"] == ["sport", "cooking"] and p["intake"]["digital_skills"] == "basic"
    assert p["intake"]["help_offers"] == []
    _schedule(client, mentor)
    m = ok(post(client, mentor, "intake", {**INTAKE, "decision": "ready", "help_offers": ["cv", "interview_practice"],
                                           "interests": ["music"], "digital_skills": "advanced"}))
    assert m["intake"]["help_offers"] == ["cv", "interview_practice"] and m["intake"]["interests"] == ["music"]
    assert m["intake"]["digital_skills"] == "advanced" and m["help_needs"] == []
    trail = ok(client.http.get(_url(mentor, "events"), headers=bearer("coordinator", B)))["items"]
    assert trail[0]["kind"] == "intake.recorded"
    assert {"help_offers", "interests", "digital_skills"} <= set(trail[0]["fields"])
    assert "interview_practice" not in json.dumps(trail[0]["data"]) and "advanced" not in json.dumps(trail[0]["data"])


@pytest.mark.parametrize(("role", "extra", "field", "says"), [
    ("mentee", {"help_offers": ["cv"]}, "help_offers", "mentors only"),
    ("mentor", {"help_offers": ["astrology"]}, "help_offers", "branch's help needs"),
    ("mentor", {"interests": ["astrology"]}, "interests", "interests offered"),
    ("mentee", {"interests": ["sport", "music", "cooking", "reading", "travel", "art", "film"]}, "interests",
     "at most 6"),
    ("mentee", {"interests": ["sport", "sport"]}, "interests", "once"),
    ("mentee", {"digital_skills": "expert"}, "digital_skills", "basic, everyday, advanced"),
])
def test_each_bad_matching_field_answers_400_at_its_field_and_stores_nothing(client, mentee, mentor, role, extra,
                                                                             field, says):
    cid = mentee if role == "mentee" else mentor
    before = _schedule(client, cid)
    error = refused(post(client, cid, "intake", {**INTAKE, "decision": "ready", **extra}), 400)
    assert set(error["fields"]) == {field} and says in error["fields"][field]
    after = person(client, cid)
    assert after["version"] == before["version"] and after["status"] == "intake_scheduled"
    assert not after["intake"].get("recorded_at")


def test_the_openapi_document_describes_the_new_intake_fields(client):
    doc = json.loads(client.http.get("/openapi.json").body)
    body = doc["components"]["schemas"]["IntakeIn"]["properties"]
    assert "Mentors only" in body["help_offers"]["description"]
    assert "sport" in body["interests"]["description"] and "sport" in body["interests"]["items"]["enum"]
    assert body["digital_skills"]["enum"] == ["", "basic", "everyday", "advanced"]
    assert body["digital_skills"]["description"]


def test_a_mentee_goes_from_attendance_through_intake_to_ready(client, mentee):
    ok(post(client, mentee, "attendance", {"attended": True}))
    p = _schedule(client, mentee)
    assert p["status"] == "intake_scheduled" and p["coordinator_id"] == COORD  # the caller took them on
    assert p["intake"]["scheduled_at"] == "2026-12-01T09:00:00Z"
    p = ok(post(client, mentee, "intake", {**INTAKE, "help_needs": ["cv", "network"], "decision": "ready"}))
    assert p["status"] == "ready" and p["help_needs"] == ["cv", "network"] and p["availability"] == ["tue_evening"]
    assert p["intake"]["decision"] == "ready" and p["intake"]["recorded_by"] == COORD
    assert p["languages"] == [{"code": "nl", "level": "fluent"}]
    trail = ok(client.http.get(_url(mentee, "events"), headers=bearer("coordinator", B)))["items"]
    assert [e["kind"] for e in trail] == ["intake.recorded", "intake.scheduled", "candidate.attended",
                                          "candidate.signed_up"]
    assert trail[0]["data"] == {"from": "intake_scheduled", "to": "ready", "decision": "ready", "reason": None,
                                "role": "mentee"}


def test_not_suitable_needs_a_reason_and_may_be_scheduled_again(client, mentee):
    _schedule(client, mentee)
    p = ok(post(client, mentee, "intake", {**INTAKE, "decision": "not_suitable", "reason": "timing"}))
    assert p["status"] == "not_suitable" and p["intake"]["reason"] == "timing"
    assert _schedule(client, mentee)["status"] == "intake_scheduled"


def test_a_mentor_trains_until_every_required_module_is_done(client, mentor):
    _schedule(client, mentor)
    p = ok(post(client, mentor, "intake", {**INTAKE, "decision": "ready"}))
    assert p["status"] == "training"
    day = str(clock.today() - timedelta(days=1))
    for code in MODULES[:-1]:
        p = ok(post(client, mentor, "training", {"module": code, "completed_on": day}))
        assert p["status"] == "training"
    p = ok(post(client, mentor, "training", {"module": MODULES[-1], "completed_on": day}))
    assert p["status"] == "ready" and p["readiness"]["complete"] and p["training"]["closing"] == day
    p = ok(post(client, mentor, "training", {"module": "welcome", "completed_on": None}))
    assert p["status"] == "training" and p["readiness"]["missing"] == ["welcome"]
    trail = ok(client.http.get(_url(mentor, "events"), headers=bearer("coordinator", B)))["items"]
    assert trail[0]["kind"] == "training.module_undone" and trail[0]["data"]["module"] == "welcome"
    assert trail[1]["kind"] == "training.module_done" and trail[1]["data"]["to"] == "ready"


def test_training_refusals(client, mentor, mentee):
    refused(post(client, mentor, "training", {"module": "welcome", "completed_on": str(clock.today())}), 409)
    _schedule(client, mentor)
    ok(post(client, mentor, "intake", {**INTAKE, "decision": "ready"}))
    future = str(clock.today() + timedelta(days=2))
    assert "completed_on" in refused(post(client, mentor, "training", {"module": "welcome", "completed_on": future}),
                                     400)["fields"]
    assert "module" in refused(post(client, mentor, "training", {"module": "juggling", "completed_on": None}),
                               400)["fields"]
    assert refused(post(client, mentor, "training", {"module": "welcome", "completed_on": None}), 409)["code"] == \
        "not_done"
    _schedule(client, mentee)
    ok(post(client, mentee, "intake", {**INTAKE, "decision": "ready"}))
    assert refused(post(client, mentee, "training", {"module": "welcome", "completed_on": str(clock.today())}),
                   409)["code"] == "not_a_mentor"


def test_a_wrong_step_answers_409_and_changes_nothing(client, mentee):
    before = person(client, mentee)
    error = refused(post(client, mentee, "intake", {**INTAKE, "decision": "ready"}), 409)
    assert error["code"] == "intake_not_scheduled" and "schedule the intake first" in error["message"]
    assert person(client, mentee) == before
    assert len(ok(client.http.get(_url(mentee, "events"), headers=bearer("coordinator", B)))["items"]) == 1


def test_a_stale_version_answers_409_changed_meanwhile_and_changes_nothing(client, mentee):
    stale = person(client, mentee)["version"]
    ok(post(client, mentee, "attendance", {"attended": True}))
    after = person(client, mentee)
    for tail, body in (("attendance", {"attended": False}), ("intake-schedule", {"at": "2026-12-01T10:00"}),
                       ("withdraw", {}), ("coordinator", {"coordinator_id": ADMIN})):
        error = refused(post(client, mentee, tail, {**body, "version": stale}), 409)
        assert error["code"] == "changed_meanwhile", tail
    assert person(client, mentee) == after


def test_the_store_refuses_the_loser_of_two_concurrent_steps(client, mentee):
    repos = repos_module.get()
    before = repos.candidates.get(B, mentee)
    from chalicelib.domain.candidates import CandidateStatus

    def attempt(status):
        after = dataclasses.replace(before, status=status)
        event = Event("candidate.attended", "candidate", mentee, COORD, "2026-11-24T09:00:00Z")
        return repos.candidates.step(before, after, event, leaves=["registered"], registration_status=status.value)

    attempt(CandidateStatus.ATTENDED)
    with pytest.raises(ConflictError) as caught:
        attempt(CandidateStatus.NO_SHOW)  # read the same version: its transaction is cancelled
    assert caught.value.code == "changed_meanwhile"
    assert repos.candidates.get(B, mentee).status is CandidateStatus.ATTENDED
    assert len(repos.events.for_subject(B, "candidate", mentee)[0]) == 2


def test_withdrawal_and_its_refusals(client, mentee, mentor, session):
    p = ok(post(client, mentee, "withdraw", {}))
    assert p["status"] == "withdrawn"
    regs = ok(client.http.get(f"/branches/{B}/info-sessions/{session}/registrations", headers=bearer("coordinator", B)))
    assert [r["status"] for r in regs["items"] if r["candidate_id"] == mentee] == ["cancelled"]
    assert refused(post(client, mentee, "withdraw", {}), 409)["code"] == "already_withdrawn"
    repos = repos_module.get()
    from chalicelib.store.candidates import status_actions
    from chalicelib.store.keys import candidate_key
    from chalicelib.store.models import CandidateItem

    with repos.scopes.tenant(B):  # paired by part B's pairing
        paired = status_actions(B, mentor, "paired", "2026-11-24T09:00:00Z")
        CandidateItem(*candidate_key(B, mentor)).update(actions=paired)
    assert refused(post(client, mentor, "withdraw", {}), 409)["code"] == "in_a_duo"


def test_the_responsible_coordinator_is_set_and_lists_their_caseload(client, mentee, mentor):
    p = ok(post(client, mentee, "coordinator", {"coordinator_id": ADMIN}))
    assert p["coordinator_id"] == ADMIN
    error = refused(post(client, mentor, "coordinator", {"coordinator_id": demo_subject("coordinator", OTHER)}), 400)
    assert set(error["fields"]) == {"coordinator_id"}
    rows, _ = repos_module.get().candidates.caseload(B, ADMIN)
    assert [c.id for c in rows] == [mentee]
    trail = ok(client.http.get(_url(mentee, "events"), headers=bearer("coordinator", B)))["items"]
    assert trail[0]["kind"] == "candidate.coordinator_set" and trail[0]["data"] == {"from": None, "to": ADMIN,
                                                                                           "role": "mentee"}


def test_a_branch_admin_hands_a_caseload_over(client, mentee, mentor):
    _schedule(client, mentee)
    _schedule(client, mentor)  # both now the coordinator's
    url, body = f"/branches/{B}/caseload", json.dumps({"from": COORD, "to": ADMIN})
    assert client.http.post(url, headers=bearer("coordinator", B), body=body).status_code == 403
    answer = ok(client.http.post(url, headers=bearer("branch_admin", B), body=body))
    assert answer == {"candidates": 2, "duos": 0}
    repos = repos_module.get()
    assert {c.id for c in repos.candidates.caseload(B, ADMIN)[0]} == {mentee, mentor}
    assert repos.candidates.caseload(B, COORD)[0] == []
    p = person(client, mentee)
    assert p["coordinator_id"] == ADMIN and p["version"] == 2
    trail = ok(client.http.get(_url(mentee, "events"), headers=bearer("coordinator", B)))["items"]
    assert trail[0]["kind"] == "caseload.handed_over" and trail[0]["data"] == {"from": COORD, "to": ADMIN}
    again = ok(client.http.post(url, headers=bearer("branch_admin", B), body=body))
    assert again == {"candidates": 0, "duos": 0}
    error = refused(client.http.post(url, headers=bearer("branch_admin", B),
                                     body=json.dumps({"from": COORD, "to": COORD})), 400)
    assert "to" in error["fields"]


def _search(client, q: str, branch: str = B) -> list[dict]:
    from urllib.parse import urlencode

    return ok(client.http.get(f"/branches/{branch}/search?{urlencode({'q': q})}",
                              headers=bearer("coordinator", branch)))["items"]


def test_search_finds_people_by_accentless_prefix_email_and_phone_forms(client, session):
    mentor = _mentor(client, session, name="Élodie Van den Berghe", email="elodie.vdb@example.org",
                     phone="+32 470 98 76 54")
    other = _mentor(client, session, name="Jan Peeters", phone="03 123 45 67")
    for q in ("elo", "ÉLODIE", "berg", "van berg", "elodie.vdb", "elodie.vdb@exa", "0470", "470", "+32470",
              "+32 470 98", "0470/98"):
        assert [h["id"] for h in _search(client, q)] == [mentor], q
    assert [h["id"] for h in _search(client, "031234")] == [other]
    assert _search(client, "zzz") == [] and _search(client, "") == []
    hit = _search(client, "elodie")[0]
    assert hit["duo_id"] == "" and hit["status"] == "registered" and hit["name"] == "Élodie Van den Berghe"
    assert _search(client, "elodie", branch=OTHER) == []  # another branch's people are not theirs


def test_events_hold_codes_never_personal_values(client, mentee):
    ok(post(client, mentee, "attendance", {"attended": True}))
    _schedule(client, mentee)
    ok(post(client, mentee, "intake", {**INTAKE, "decision": "not_suitable", "reason": "timing"}))
    ok(post(client, mentee, "coordinator", {"coordinator_id": ADMIN}))
    ok(post(client, mentee, "withdraw", {}))
    raw = json.dumps(ok(client.http.get(_url(mentee, "events"), headers=bearer("coordinator", B)))["items"])
    p = person(client, mentee)
    for value in (p["name"], "Amal", "Benali", p["email"], p["phone"], "Warehouse", "logistics job", "Calm"):
        assert value not in raw, value
    assert json.loads(raw)[0]["data"] == {"from": "not_suitable", "to": "withdrawn", "reason": None, "role": "mentee"}


def test_another_branchs_candidate_is_not_found_under_ones_own_branch(client, mentee):
    assert get(client, mentee, branch=OTHER).status_code == 404
    for tail, body in (("attendance", {"attended": True, "version": 0}), ("withdraw", {"version": 0}),
                       ("events", None)):
        if body is None:
            answer = client.http.get(_url(mentee, tail, OTHER), headers=bearer("coordinator", OTHER))
        else:
            answer = client.http.post(_url(mentee, tail, OTHER), headers=bearer("coordinator", OTHER),
                                      body=json.dumps(body))
        assert answer.status_code == 404, tail
    assert person(client, mentee)["version"] == 0


@pytest.mark.parametrize("role,branch", [("head_office", None), ("coordinator", OTHER), ("branch_admin", OTHER)])
def test_the_head_office_and_other_branches_are_refused(client, mentee, role, branch):
    assert client.http.get(_url(mentee), headers=bearer(role, branch)).status_code == 403
    assert client.http.post(_url(mentee, "attendance"), headers=bearer(role, branch),
                            body=json.dumps({"attended": True, "version": 0})).status_code == 403
    assert client.http.get(f"/branches/{B}/search?q=amal", headers=bearer(role, branch)).status_code == 403
