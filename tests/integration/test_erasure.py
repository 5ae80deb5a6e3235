"""Erasure (issue 8): a person who went through the whole life cycle is erased, and then no personal value of
theirs is anywhere in the table or its indexes; the other side keeps the duo with its ids, dates and codes;
the branch's figures, maintained from the stream and rebuilt from the events, are the same before and after;
erasing again is a no-op; an erasure interrupted after any write finishes when run again; another branch's
person with the same id is untouched."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

import app as app_module
from chalicelib.domain.duos import MENTEE_EVALUATION, MENTOR_EVALUATION
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.events import Event
from chalicelib.domain.roles import Principal, Role
from chalicelib.services import clock, people, reports
from chalicelib.services import duos as duo_service
from chalicelib.services import repos as repos_module
from chalicelib.services.links import new_link
from chalicelib.services.people import IntakeData
from chalicelib.services.personal_data import erase_person
from chalicelib.store import keys
from chalicelib.store.candidates import candidate_item, term_items
from chalicelib.store.events import event_item
from chalicelib.store.links import Link, link_item
from chalicelib.store.models import GuardItem
from chalicelib.store.personal_data import PersonalDataRepository
from local.seed import demo_subject
from tests.integration.duo_helpers import make_duo, ready_candidate
from tests.integration.signup_helpers import mentee_body, mentor_body, plan_session, sign_up

B = "antwerp"
OTHER = "ghent"
TABLE = "duo-test"
INDEXES = ("gsi1", "gsi2", "gsi3")
COORDINATOR = Principal(Role.COORDINATOR, demo_subject("coordinator", B), B, demo_subject("coordinator", B))
ACTOR = COORDINATOR.staff_id
ADMIN = demo_subject("branch_admin", B)

# Two people with values found nowhere else (each word, the phone's digits, the free texts).
MENTEE = {
    "name": "Zoltana Qwirrelby", "email": "zoltana.qwirrelby@rare-mail.example", "phone": "+32 499 87 65 43",
    "birth_date": "2002-07-19", "postcode": "QZ-7731", "city": "Quarsdorp",
}
MENTEE_TEXTS = {"experience": "Worked at the Frobnitzer bakery", "expectations": "Hopes for Glimmerwald logistics",
                "notes": "Shy but Vexbright determined"}
MENTEE_GOAL = "Apply at the Snorkeldam warehouse"
MENTOR = {
    "name": "Barnabus Threlkeld", "email": "barnabus.threlkeld@rare-mail.example", "phone": "+32 3 555 66 77",
    "birth_date": "1961-03-08", "postcode": "VX-4412", "city": "Ulmerhaven",
    "profession": "Retired Pumpernickel engineer",
}
MENTOR_TEXTS = {"experience": "Thirty years at the Krazzle port", "expectations": "Give back to Ulmerhaven youth",
                "notes": "Patient Wobblecraft storyteller"}
MENTOR_GOAL = "Visit Brindlemoor job fair together"
PHONE_FORMS = {"mentee": ("32499876543", "0499876543", "499876543"), "mentor": ("3235556677", "035556677")}


@dataclass
class Life:
    mentee: str
    mentor: str
    duo: str
    declined: str  # the mentee's first pairing, which the mentee declined
    decoy: str  # the mentor of that first pairing


def personal_values(role: str) -> list[str]:
    """Every personal value of one of the two people, as the scan looks for it (case-insensitive)."""
    person, texts, goal = (MENTEE, MENTEE_TEXTS, MENTEE_GOAL) if role == "mentee" else (MENTOR, MENTOR_TEXTS,
                                                                                         MENTOR_GOAL)
    values = [*person.values(), *person["name"].split(), person["email"].split("@")[0], *PHONE_FORMS[role],
              *texts.values(), goal]
    if role == "mentor":
        values.append("Pumpernickel")
    return values


# --- A whole life cycle ----------------------------------------------------------------------------------
def _signed_up(client, role: str, session_id: str) -> str:
    values = MENTEE if role == "mentee" else MENTOR
    body = (mentee_body if role == "mentee" else mentor_body)(session_id, **values)
    answer = sign_up(client, B, body)
    assert answer.status_code == 201, answer.body
    repos = repos_module.get()
    rows, _ = repos.candidates.list(B, role=role, status=None, limit=100, cursor=None)
    return next(c for c in rows if c.email == values["email"]).id


def _to_ready(repos, candidate_id: str, role: str) -> None:
    """Attendance, the intake (with its free texts), and for a mentor every training module."""
    c = people.mark_attendance(repos, COORDINATOR, B, candidate_id, attended=True, version=repos.candidates.get(
        B, candidate_id).version)
    c = people.schedule_intake(repos, COORDINATOR, B, candidate_id, at=clock.now() + timedelta(hours=1),
                               version=c.version)
    texts = MENTEE_TEXTS if role == "mentee" else MENTOR_TEXTS
    data = IntakeData(**texts, decision="ready", availability=["tue_evening", "sat_morning"],
                      languages=[{"code": "nl", "level": "fluent"}], interests=["cooking"],
                      help_needs=["cv"] if role == "mentee" else [], help_offers=["cv"] if role == "mentor" else [])
    c = people.record_intake(repos, COORDINATOR, B, candidate_id, data, version=c.version)
    if role == "mentor":
        modules = [m["code"] for m in repos.branches.get(B).effective_config()["training"]["modules"]]
        for module in modules:
            c = people.record_training(repos, COORDINATOR, B, candidate_id, module=module,
                                       completed_on=clock.today(), version=c.version)
    assert c.status.value == "ready"


def live(client) -> Life:
    """The mentee and the mentor sign up, come, have their intake (the mentor their training), the mentee
    declines a first pairing, then they are a duo from the first meeting to the 12-month outcome."""
    repos = repos_module.get()
    session_id = plan_session(client, B)["id"]
    mentee, mentor = _signed_up(client, "mentee", session_id), _signed_up(client, "mentor", session_id)
    for cid, role in ((mentee, "mentee"), (mentor, "mentor")):
        _to_ready(repos, cid, role)
    _, digest = new_link()  # a personal link of the mentee's, its item found by the hash on their record
    repos.candidates.add_link(B, mentee, digest)
    repos.links.add_item(link_item(Link(B, digest, "privacy", "", "", clock.iso(clock.now() + timedelta(days=9)))))
    decoy = ready_candidate(client, B, "mentor", session_id)
    hour_ago = clock.now() - timedelta(hours=1)
    first = duo_service.pair(repos, B, mentee, decoy, hour_ago, ACTOR)
    duo_service.answer(repos, B, first.id, "mentee", "no", first.version, "candidate")
    duo = duo_service.pair(repos, B, mentee, mentor, hour_ago, ACTOR)
    with pytest.raises(ConflictError):  # nobody is erased out of a pairing or a running duo
        erase_person(repos, B, mentee, ADMIN)
    d = duo_service.answer(repos, B, duo.id, "mentee", "yes", duo.version, "candidate")
    d = duo_service.answer(repos, B, duo.id, "mentor", "yes", d.version, "candidate")
    today = clock.today()
    d = duo_service.record_agreement(repos, B, duo.id, today, True, True, True, d.version, ACTOR)
    d = duo_service.log_meeting(repos, B, duo.id, today, 90, "in_person", d.version, "candidate")
    d = duo_service.add_goal(repos, B, duo.id, MENTEE_GOAL, today + timedelta(days=60), d.version, ACTOR)
    d = duo_service.add_goal(repos, B, duo.id, MENTOR_GOAL, None, d.version, ACTOR)
    d = duo_service.update_goal(repos, B, duo.id, d.goals[0]["id"], "done", None, False, d.version, ACTOR)
    d = duo_service.add_checkin(repos, B, duo.id, today, "call", d.version, ACTOR)
    d = duo_service.add_intervision(repos, B, duo.id, today, d.version, ACTOR)
    d = duo_service.add_service(repos, B, duo.id, "cv_review", today, None, d.version, ACTOR)
    d = duo_service.add_service(repos, B, duo.id, "laptop_loan", today, today + timedelta(days=30), d.version, ACTOR)
    d = duo_service.service_returned(repos, B, duo.id, d.services[-1]["id"], today, d.version, ACTOR)
    d = duo_service.close(repos, B, duo.id, today, "completed", None, d.version, ACTOR)
    d = duo_service.submit_evaluation(repos, B, duo.id, "mentee", dict.fromkeys(MENTEE_EVALUATION, True),
                                      d.version, "candidate")
    d = duo_service.submit_evaluation(repos, B, duo.id, "mentor", dict.fromkeys(MENTOR_EVALUATION, False),
                                      d.version, "candidate")
    d = duo_service.record_outcome(repos, B, duo.id, "job", d.version, ACTOR)
    assert d.status.value == "closed" and d.outcome
    return Life(mentee, mentor, duo.id, first.id, decoy)


# --- Looking everywhere ------------------------------------------------------------------------------------
def scan_all() -> list[tuple[str, dict[str, Any]]]:
    """Every item of the table and of each of its indexes (where it was found, the item)."""
    client = boto3.client("dynamodb", region_name="eu-west-1")
    found = []
    for index in (None, *INDEXES):
        kwargs = {"TableName": TABLE, **({"IndexName": index} if index else {})}
        for page in client.get_paginator("scan").paginate(**kwargs):
            found += [(index or "table", item) for item in page["Items"]]
    return found


def findings(values: list[str]) -> list[tuple[str, str, str, str]]:
    """(where, pk, sk, value) for every item holding one of ``values``."""
    out = []
    for where, item in scan_all():
        text = json.dumps(item, ensure_ascii=False).casefold()
        out += [(where, item["pk"]["S"], item["sk"]["S"], v) for v in values if v.casefold() in text]
    return out


_DELIVERED: dict[str, set[str]] = {}  # stream -> sequence numbers handed to the app already


def stream_records() -> list[dict[str, Any]]:
    """Every record of the table's stream so far (moto's), shaped as Lambda receives them."""
    dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
    streams = boto3.client("dynamodbstreams", region_name="eu-west-1",
                           config=Config(account_id_endpoint_mode="disabled"))
    arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    out: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            out += [{**r, "eventSourceARN": arn} for r in page["Records"]]
            iterator = page.get("NextShardIterator")
    return out


def deliver_stream() -> None:
    """The stream's records not delivered yet, to the app's handler in batches of 100, as Lambda does (a
    repeated delivery counts once: tests/integration/test_reports_api.py)."""
    records = stream_records()
    seen = _DELIVERED.setdefault(records[0]["eventSourceARN"] if records else "", set())
    fresh = [r for r in records if r["dynamodb"]["SequenceNumber"] not in seen]
    for i in range(0, len(fresh), 100):
        assert app_module.on_table_change({"Records": fresh[i:i + 100]}, None) == {"batchItemFailures": []}
    seen.update(r["dynamodb"]["SequenceNumber"] for r in fresh)


def figures(repos) -> dict[str, dict[str, int]]:
    return {m: {k: v for k, v in c.items() if v} for m, c in repos.aggregates.months(B).items()}


# --- What must hold after an erasure -----------------------------------------------------------------------
def assert_erased(repos, life: Life, erased: str, before: dict[str, dict[str, int]]) -> None:
    other = "mentor" if erased == "mentee" else "mentee"
    gone_id, kept_id = (life.mentee, life.mentor) if erased == "mentee" else (life.mentor, life.mentee)
    # Not one personal value of the erased person, anywhere, on the table or any index.
    assert findings(personal_values(erased)) == []
    # The other person keeps everything of theirs (they were not erased).
    assert {v for *_, v in findings(personal_values(other))} >= set(
        v for k, v in (MENTEE if other == "mentee" else MENTOR).items() if k != "profession")
    with pytest.raises(NotFoundError):
        repos.candidates.get(B, gone_id)
    assert repos.candidates.get(B, kept_id).id == kept_id
    # The duo stays for the other side, with its ids, dates and codes; the goals keep all but their titles.
    duo = repos.duos.get(B, life.duo)
    assert (duo.mentee_id, duo.mentor_id) == (life.mentee, life.mentor)
    assert getattr(duo, f"{erased}_name") == "" and getattr(duo, f"{other}_name") == (
        MENTEE if other == "mentee" else MENTOR)["name"]
    assert duo.status.value == "closed" and duo.end_kind == "completed" and duo.started_on and duo.ended_on
    assert duo.outcome["situation"] == "job" and set(duo.evaluations) == {"mentee", "mentor"}
    assert [g["title"] for g in duo.goals] == ["", ""] and [g["status"] for g in duo.goals] == ["done", "open"]
    assert [s["code"] for s in duo.services] == ["cv_review", "laptop_loan"] and duo.meeting_count == 1
    # Their events stay, with codes and dates only; the branch's figures are the same, maintained and rebuilt.
    trail, _ = repos.events.for_subject(B, "candidate", gone_id, limit=100)
    assert trail[0].kind == "candidate.erased" and {e.kind for e in trail} >= {"candidate.signed_up",
                                                                                 "intake.recorded"}
    deliver_stream()
    assert figures(repos) == before
    reports.rebuild(repos, B)
    assert figures(repos) == before
    # Erasing again changes nothing.
    again = erase_person(repos, B, gone_id, ADMIN)
    assert again.already_erased and again.deleted == again.scrubbed == 0


# --- The tests ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("erased", ["mentee", "mentor"])
def test_an_erased_person_is_nowhere_and_the_figures_stay(client, seeded, erased):
    life = live(client)
    gone_id = life.mentee if erased == "mentee" else life.mentor
    assert {v for *_, v in findings(personal_values(erased))} == set(personal_values(erased))  # the scan sees
    deliver_stream()
    before = figures(seeded)
    assert before and sum(c.get("paired", 0) for c in before.values()) == 2

    done = erase_person(seeded, B, gone_id, ADMIN)

    assert not done.already_erased and done.deleted >= 5 and done.scrubbed >= 1
    assert_erased(seeded, life, erased, before)
    if erased == "mentee":  # the guard, the registration and the personal link are gone with the record
        repos = seeded
        with repos.scopes.tenant(B):
            assert GuardItem.count(keys.candidate_email_key(B, "mentee", MENTEE["email"])[0]) == 0
        assert all(r.candidate_id != gone_id for r in repos.sessions.registrations(
            B, repos.candidates.get(B, life.mentor).session_id))
        declined = repos.duos.get(B, life.declined)  # the declined pairing's other side keeps their name
        assert declined.mentee_name == "" and declined.mentor_name != ""


def test_an_erasure_interrupted_after_any_write_finishes_when_run_again(client, seeded, monkeypatch):
    life = live(client)
    deliver_stream()
    before = figures(seeded)
    store = PersonalDataRepository
    done_before: set[tuple[str, str]] = set()  # the writes (method, arguments) that went through
    run = {"new": 0}

    class Crash(RuntimeError):
        pass

    def crashing(name):
        real = getattr(store, name)

        def write(self, *args, **kwargs):
            call = (name, repr((args, sorted(kwargs.items()))))
            if call not in done_before:  # a write not done before: the second in this run "crashes"
                if run["new"] == 1:
                    raise Crash(name)
                run["new"] += 1
            result = real(self, *args, **kwargs)
            done_before.add(call)
            return result

        return write

    for name in store.WRITES:
        monkeypatch.setattr(store, name, crashing(name))
    runs = 0
    while True:  # each run makes one write more than the run before, then crashes: every point of the way
        runs += 1
        run["new"] = 0
        try:
            done = erase_person(seeded, B, life.mentee, ADMIN)
            break
        except Crash:
            assert runs < 100
    # terms, guard, registration, link, two duos, the trail's note, the record: interrupted after each
    assert runs == len(done_before) >= 8 and not done.already_erased
    monkeypatch.undo()
    assert_erased(seeded, life, "mentee", before)


def test_erasure_in_one_branch_never_touches_another(client, seeded):
    """A person of another branch with the very same id (and their own record, terms, guard and event) stays
    exactly as it was; the branch that does not hold an id answers 404."""
    session_id = plan_session(client, B)["id"]
    answer = sign_up(client, B, mentee_body(session_id, f"twin.{uuid.uuid4().hex[:8]}@example.org"))
    assert answer.status_code == 201
    rows, _ = seeded.candidates.list(B, role="mentee", status=None, limit=100, cursor=None)
    mine = next(c for c in rows if c.email.startswith("twin."))
    twin = replace(mine, branch=OTHER, name="Twin Elsewhere", email="twin@elsewhere.example")
    with seeded.scopes.tenant(OTHER):
        candidate_item(twin, []).save()
        for term in term_items(twin):
            term.save()
        GuardItem(*keys.candidate_email_key(OTHER, "mentee", twin.email), owner=twin.id).save()
        event_item(OTHER, Event("candidate.imported", "candidate", twin.id, ACTOR, clock.now_iso(), (),
                                {"to": "registered", "role": "mentee", "row": 3})).save()
    before = [item for _, item in scan_all() if item["pk"]["S"].startswith(f"T#{OTHER}#")]

    assert not erase_person(seeded, B, mine.id, ADMIN).already_erased

    after = [item for _, item in scan_all() if item["pk"]["S"].startswith(f"T#{OTHER}#")]
    assert sorted(map(json.dumps, after)) == sorted(map(json.dumps, before))
    assert seeded.candidates.get(OTHER, twin.id).name == "Twin Elsewhere"
    with pytest.raises(NotFoundError):
        erase_person(seeded, "lille", mine.id, ADMIN)


def test_erasing_a_registered_person_gives_their_seat_back(client, seeded):
    session = plan_session(client, B, capacity=3)
    answer = sign_up(client, B, mentor_body(session["id"]))
    assert answer.status_code == 201
    assert seeded.sessions.get(B, session["id"]).seats_taken == 1
    person = seeded.sessions.registrations(B, session["id"])[0].candidate_id

    erase_person(seeded, B, person, ADMIN)

    assert seeded.sessions.get(B, session["id"]).seats_taken == 0
    assert seeded.sessions.registrations(B, session["id"]) == []
    assert erase_person(seeded, B, person, ADMIN).already_erased
    assert seeded.sessions.get(B, session["id"]).seats_taken == 0  # given back once


def test_a_person_in_a_running_duo_is_not_erased(client, seeded):
    duo = seeded.duos.get(B, make_duo(client, B))
    with pytest.raises(ConflictError) as refused:
        erase_person(seeded, B, duo.mentor_id, ADMIN)
    assert refused.value.code == "in_a_duo"
    assert seeded.candidates.get(B, duo.mentor_id).name


def test_events_keep_codes_and_dates_only(client, seeded):
    """A reason that is not one of the product's codes (it may be free text) and an import's row number go;
    what the reports count from stays, so the figures do not move."""
    session_id = plan_session(client, B)["id"]
    person = _signed_up(client, "mentee", session_id)
    c = seeded.candidates.get(B, person)
    people.withdraw(seeded, COORDINATOR, B, person, version=c.version, reason="Quarsdorp")
    with seeded.scopes.tenant(B):
        event_item(B, Event("candidate.imported", "candidate", person, ACTOR, clock.now_iso(), (),
                            {"to": "ready", "role": "mentee", "row": 7})).save()
    deliver_stream()
    before = figures(seeded)

    done = erase_person(seeded, B, person, ADMIN)

    assert done.scrubbed == 2
    trail = {e.kind: e.data for e in seeded.events.for_subject(B, "candidate", person, limit=50)[0]}
    assert trail["candidate.withdrawn"] == {"role": "mentee", "from": "registered", "to": "withdrawn"}
    assert trail["candidate.imported"] == {"to": "ready", "role": "mentee"}
    assert trail["candidate.signed_up"] == {"to": "registered", "role": "mentee", "heard_from": "website"}
    assert findings(["Quarsdorp", MENTEE["name"], MENTEE["email"]]) == []
    deliver_stream()
    assert figures(seeded) == before
    reports.rebuild(seeded, B)
    assert figures(seeded) == before


def test_a_change_during_the_erasure_is_erased_too(client, seeded, monkeypatch):
    """A step that writes the person while they are being erased (here: a correction of the name, with its new
    search term, as one version step) does not leave that new value behind."""
    from chalicelib.store.models import CandidateItem, TermItem

    person = _signed_up(client, "mentee", plan_session(client, B)["id"])
    real = PersonalDataRepository.delete_guard
    changed = []

    def correction_meanwhile(self, branch, role, email, candidate_id):
        if not changed:
            changed.append(True)
            pk, sk = keys.candidate_key(B, person)
            with seeded.scopes.tenant(B):
                TermItem(pk, keys.term_key(B, person, "quixotella")[1], gsi1pk=keys.search_list_key(B),
                         gsi1sk=f"quixotella#{person}", candidate_id=person).save()
                CandidateItem(pk, sk).update(actions=[CandidateItem.name.set("Quixotella Qwirrelby"),
                                                      CandidateItem.version.add(1)])
        return real(self, branch, role, email, candidate_id)

    monkeypatch.setattr(PersonalDataRepository, "delete_guard", correction_meanwhile)

    done = erase_person(seeded, B, person, ADMIN)

    assert changed and not done.already_erased
    assert findings(["Quixotella", *personal_values("mentee")[:6]]) == []
