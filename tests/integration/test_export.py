"""A person's copy of their data (issue 8): every value they gave and every event of theirs, their duos from
their side only (none of the other person's personal values), nothing of another branch; plain JSON."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from chalicelib.domain.errors import NotFoundError
from chalicelib.services.personal_data import export_person
from chalicelib.store.candidates import candidate_item
from tests.integration.signup_helpers import mentee_body, plan_session, sign_up
from tests.integration.test_erasure import (
    MENTEE,
    MENTEE_GOAL,
    MENTEE_TEXTS,
    MENTOR,
    MENTOR_GOAL,
    MENTOR_TEXTS,
    B,
    live,
    personal_values,
)

OTHER = "ghent"
ELSEWHERE = {"name": "Ophelia Stormcastle", "email": "ophelia@stormcastle.example", "phone": "+32 472 00 11 22",
             "postcode": "ZZ-0001", "city": "Elsewhereville"}


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False).casefold()


def test_the_export_holds_everything_the_person_gave_and_nothing_of_anyone_else(client, seeded):
    life = live(client)
    mentee = seeded.candidates.get(B, life.mentee)
    with seeded.scopes.tenant(OTHER):  # the same id in another branch, with other values
        candidate_item(replace(mentee, branch=OTHER, **ELSEWHERE), []).save()

    copy = export_person(seeded, B, life.mentee)

    text = json.dumps(copy, ensure_ascii=False)  # JSON as it is: no datetimes, no sets
    assert json.loads(text) == copy
    assert copy["format"] == "duo.person-export/1" and copy["branch"] == {"id": B, "name": "Antwerp"}
    person = copy["person"]
    assert {k: person[k] for k in MENTEE} == MENTEE
    assert {k: person["intake"][k] for k in MENTEE_TEXTS} == MENTEE_TEXTS
    assert person["role"] == "mentee" and person["consent"]["version"] and person["looking_for"] == ["job"]
    assert person["languages"] and person["availability"] == ["tue_evening", "sat_morning"]
    assert [r["status"] for r in copy["registrations"]] == ["attended"] and copy["registrations"][0]["starts_at"]
    # Their events, all of them, each said as by them, by staff or by the system (no staff ids).
    own, _ = seeded.events.for_subject(B, "candidate", life.mentee, limit=100)
    assert sorted(e["kind"] for e in copy["events"]) == sorted(e.kind for e in own)
    assert {e["by"] for e in copy["events"]} == {"you", "staff"}
    assert life.mentee not in {e["by"] for e in copy["events"]}
    # Their duos: the declined pairing and the duo, from their side; the action plan is theirs (titles).
    duos = {d["id"]: d for d in copy["duos"]}
    assert set(duos) == {life.declined, life.duo}
    duo = duos[life.duo]
    assert duo["as"] == "mentee" and duo["status"] == "closed" and duo["outcome"]["situation"] == "job"
    assert [g["title"] for g in duo["goals"]] == [MENTEE_GOAL, MENTOR_GOAL] and duo["meetings"] == 1
    assert set(duo["evaluation"]) >= {"gained_confidence", "submitted_at"} and duos[life.declined]["answer"] == "no"
    # Nothing of the mentor (nor of the person's namesake in another branch), not even their ids' owners.
    lowered = _text(copy)
    for value in [*(v for k, v in MENTOR.items()), *MENTOR_TEXTS.values(), *ELSEWHERE.values()]:
        assert value.casefold() not in lowered, value
    assert life.mentor not in text and life.decoy not in text


def test_the_mentors_copy_has_no_mentee_data(client, seeded):
    life = live(client)

    copy = export_person(seeded, B, life.mentor)

    assert {k: copy["person"][k] for k in MENTOR} == MENTOR
    duo = copy["duos"][0]
    assert duo["as"] == "mentor" and duo["outcome"] is None  # the mentee's situation is the mentee's
    assert all("title" not in g for g in duo["goals"]) and set(duo["evaluation"]) >= {"would_mentor_again"}
    lowered = _text(copy)
    for value in personal_values("mentee"):
        assert value.casefold() not in lowered, value
    assert life.mentee not in lowered


def test_no_copy_of_someone_the_branch_does_not_hold(client, seeded):
    answer = sign_up(client, B, mentee_body(plan_session(client, B)["id"]))
    assert answer.status_code == 201
    rows, _ = seeded.candidates.list(B, role="mentee", status=None, limit=10, cursor=None)
    assert export_person(seeded, B, rows[0].id)["person"]["id"] == rows[0].id
    for branch, candidate_id in ((OTHER, rows[0].id), (B, "no-such-person")):
        with pytest.raises(NotFoundError):
            export_person(seeded, branch, candidate_id)
