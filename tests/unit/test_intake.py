"""The rules of a candidate's first steps, the intake record, training readiness and search terms."""

from __future__ import annotations

import pytest

from chalicelib.domain.branches import default_config
from chalicelib.domain.candidates import CandidateRole, CandidateStatus
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.intake import (
    Decision,
    Intake,
    Step,
    matches,
    next_status,
    normalise,
    phone_forms,
    query_words,
    readiness,
    search_terms,
)

S = CandidateStatus
MENTEE, MENTOR = CandidateRole.MENTEE, CandidateRole.MENTOR
EVERY = list(S)


def _refused(status, step, role=MENTEE, **kw) -> str:
    with pytest.raises(ConflictError) as caught:
        next_status(status, step, role=role, **kw)
    assert caught.value.message.startswith("Not possible")
    return caught.value.code


@pytest.mark.parametrize("status", [S.REGISTERED, S.ATTENDED, S.NO_SHOW])
def test_attendance_is_marked_and_may_be_corrected(status):
    assert next_status(status, Step.ATTENDED, role=MENTEE) is S.ATTENDED
    assert next_status(status, Step.NO_SHOW, role=MENTOR) is S.NO_SHOW


@pytest.mark.parametrize("status", [s for s in EVERY if s not in (S.REGISTERED, S.ATTENDED, S.NO_SHOW)])
def test_attendance_is_refused_once_past_the_info_session(status):
    assert _refused(status, Step.ATTENDED) == "wrong_step"
    assert _refused(status, Step.NO_SHOW) == "wrong_step"


@pytest.mark.parametrize("status", [S.REGISTERED, S.ATTENDED, S.NO_SHOW, S.NOT_SUITABLE, S.INTAKE_SCHEDULED])
def test_an_intake_is_scheduled_or_rescheduled(status):
    assert next_status(status, Step.SCHEDULE_INTAKE, role=MENTEE) is S.INTAKE_SCHEDULED


@pytest.mark.parametrize("status", [S.TRAINING, S.READY, S.PAIRED, S.IN_DUO, S.FINISHED, S.WITHDRAWN])
def test_no_intake_is_scheduled_later_in_the_life_cycle(status):
    assert _refused(status, Step.SCHEDULE_INTAKE) == "wrong_step"


def test_intake_decisions():
    kw = {"decision": Decision.READY}
    assert next_status(S.INTAKE_SCHEDULED, Step.RECORD_INTAKE, role=MENTEE, **kw) is S.READY
    assert next_status(S.INTAKE_SCHEDULED, Step.RECORD_INTAKE, role=MENTOR, **kw) is S.TRAINING
    assert next_status(S.INTAKE_SCHEDULED, Step.RECORD_INTAKE, role=MENTOR, training_complete=True, **kw) is S.READY
    for role in (MENTEE, MENTOR):
        assert next_status(S.INTAKE_SCHEDULED, Step.RECORD_INTAKE, role=role,
                           decision=Decision.NOT_SUITABLE) is S.NOT_SUITABLE
        assert next_status(S.INTAKE_SCHEDULED, Step.RECORD_INTAKE, role=role,
                           decision=Decision.WITHDRAWN) is S.WITHDRAWN


@pytest.mark.parametrize("status", [s for s in EVERY if s is not S.INTAKE_SCHEDULED])
def test_an_intake_is_recorded_only_once_scheduled(status):
    assert _refused(status, Step.RECORD_INTAKE, decision=Decision.READY) == "intake_not_scheduled"


def test_an_intake_needs_a_decision():
    assert _refused(S.INTAKE_SCHEDULED, Step.RECORD_INTAKE) == "decision_missing"


def test_training_moves_a_mentor_between_training_and_ready():
    assert next_status(S.TRAINING, Step.TRAINING, role=MENTOR) is S.TRAINING
    assert next_status(S.TRAINING, Step.TRAINING, role=MENTOR, training_complete=True) is S.READY
    assert next_status(S.READY, Step.TRAINING, role=MENTOR, training_complete=True) is S.READY
    assert next_status(S.READY, Step.TRAINING, role=MENTOR) is S.TRAINING  # a required module undone


def test_training_is_for_mentors_in_training_or_ready():
    assert _refused(S.TRAINING, Step.TRAINING, role=MENTEE) == "not_a_mentor"
    for status in (S.REGISTERED, S.INTAKE_SCHEDULED, S.PAIRED, S.IN_DUO, S.WITHDRAWN):
        assert _refused(status, Step.TRAINING, role=MENTOR) == "not_in_training"


@pytest.mark.parametrize("status", [s for s in EVERY if s not in (S.PAIRED, S.IN_DUO, S.WITHDRAWN)])
def test_anyone_not_in_a_duo_may_withdraw(status):
    assert next_status(status, Step.WITHDRAW, role=MENTEE) is S.WITHDRAWN


def test_withdrawal_is_refused_in_a_pairing_or_duo_and_twice():
    assert _refused(S.PAIRED, Step.WITHDRAW) == "in_a_duo"
    assert _refused(S.IN_DUO, Step.WITHDRAW, role=MENTOR) == "in_a_duo"
    assert _refused(S.WITHDRAWN, Step.WITHDRAW) == "already_withdrawn"


def test_intake_record_round_trips_and_ignores_unknown_keys():
    intake = Intake(scheduled_at="2026-12-01T09:00:00Z", experience="x", help_needs=["cv"],
                    availability=["mon_evening"], languages=[{"code": "nl", "level": "fluent"}], decision="ready",
                    recorded_at="2026-12-01T10:00:00Z")
    again = Intake.from_dict({**intake.to_dict(), "unknown": 1})
    assert again == intake and again.recorded
    assert Intake.from_dict(None) == Intake() and not Intake().recorded


def test_intake_keeps_what_matching_reads_and_older_records_read_as_not_recorded():
    intake = Intake(help_offers=["cv", "network"], interests=["sport", "music"], digital_skills="everyday")
    again = Intake.from_dict(intake.to_dict())
    assert again == intake
    assert again.help_offers == ["cv", "network"] and again.interests == ["sport", "music"]
    older = Intake.from_dict({"experience": "x", "decision": "ready", "help_offers": None, "interests": None,
                              "digital_skills": None})
    assert older.help_offers == [] and older.interests == [] and older.digital_skills == ""
    assert Intake.from_dict({"experience": "x"}).interests == []


def test_readiness_follows_the_branchs_required_modules():
    modules = [{"code": "welcome", "required": True}, {"code": "listening", "required": True},
               {"code": "extra", "name": "Our own", "required": False}]
    r = readiness(modules, {"welcome": "2026-11-01"})
    assert r.done == ("welcome",) and r.missing == ("listening",) and not r.complete
    assert readiness(modules, {"welcome": "2026-11-01", "listening": "2026-11-02"}).complete
    default = default_config("BE")["training"]["modules"]
    assert len(readiness(default, {}).missing) == 8


def test_normalise_drops_accents_and_case():
    assert normalise("Çelik ÉLODIE Müller") == "celik elodie muller"


def test_terms_hold_name_words_email_local_part_and_phone_forms():
    terms = search_terms("Élodie Van den Berghe-Aït", "Elodie.VDB@Example.org", "+32 470 12 34 56")
    assert {"elodie", "van", "den", "berghe", "ait", "elodie.vdb@example.org", "elodie.vdb"} <= terms
    assert {"32470123456", "470123456", "0470123456"} <= terms


@pytest.mark.parametrize("phone", ["+32 470 12 34 56", "0470/12.34.56", "0032 470 123456"])
@pytest.mark.parametrize("query", ["0470", "470", "+32470", "+32 470 12", "0032470"])
def test_every_phone_form_finds_the_same_person(phone, query):
    assert matches(query_words(query), phone_forms(phone))


def test_queries_are_prefixes_of_words_accent_free():
    terms = search_terms("Amal Benali", "amal.b@example.org", "")
    assert matches(query_words("bÉn"), terms)
    assert matches(query_words("amal ben"), terms)
    assert matches(query_words("amal.b@ex"), terms)
    assert not matches(query_words("benx"), terms)
    assert query_words("  ") == [] and query_words("12") == ["12"]
