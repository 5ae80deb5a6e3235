"""The duo's rules, pure: pairing, answers, agreement, follow-up, closing, evaluations, outcome, phase, flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain import duos as rules
from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus
from chalicelib.domain.duos import DuoStatus, Phase
from chalicelib.domain.errors import ConflictError, InvalidInputError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def person(cid: str, role: str, status: str = "ready", **kw) -> Candidate:
    return Candidate(id=cid, branch="ghent", role=CandidateRole(role), status=CandidateStatus(status), name=cid,
                     email=f"{cid}@example.org", phone="", birth_date="2000-01-01", postcode="9000", city="Gent",
                     languages=[], heard_from="website", language="nl", consent_version="1", consent_language="nl",
                     consent_at="", session_id="s", created_at="", **kw)


def new(meeting=NOW - timedelta(hours=1)):
    return rules.pair("d1", person("me", "mentee"), person("mo", "mentor"), meeting, NOW, "staff")[0]


def active(signed=date(2026, 11, 24)):
    duo = new()
    rules.answer(duo, "mentee", "yes", NOW, "x")
    rules.answer(duo, "mentor", "yes", NOW, "x")
    rules.record_agreement(duo, signed, True, True, True, date(2026, 11, 24), "x")
    return duo


@pytest.mark.parametrize("mentee,mentor,code", [
    (person("me", "mentee"), person("mo", "mentor", "paired"), "mentor_busy"),
    (person("me", "mentee"), person("mo", "mentor", "in_duo"), "mentor_busy"),
    (person("me", "mentee", "in_duo"), person("mo", "mentor"), "mentee_busy"),
    (person("me", "mentee"), person("mo", "mentor", "training"), "not_ready"),
    (person("me", "mentee"), person("mo", "mentee"), "wrong_role"),
    (person("me", "mentee", declined_with=["mo"]), person("mo", "mentor"), "declined_before"),
    (person("me", "mentee"), person("me", "mentor"), "same_person"),
])
def test_pairing_refusals(mentee, mentor, code):
    with pytest.raises(ConflictError) as caught:
        rules.pair("d", mentee, mentor, NOW, NOW, "s")
    assert caught.value.code == code


def test_pairing_moves_both_to_paired():
    duo, step = rules.pair("d1", person("me", "mentee"), person("mo", "mentor"), NOW, NOW, "staff")
    assert rules.phase(duo) is Phase.FIRST_MEETING and [m.to_status for m in step.moves] == ["paired", "paired"]


def test_a_no_declines_and_puts_both_back():
    duo = new()
    step = rules.answer(duo, "mentor", "no", NOW, "x")
    assert duo.status is DuoStatus.DECLINED and {m.to_status for m in step.moves} == {"ready"}
    assert {m.declined_with for m in step.moves} == {"me", "mo"}
    with pytest.raises(ConflictError) as caught:
        rules.record_agreement(duo, date(2026, 11, 24), True, True, True, date(2026, 11, 24), "x")
    assert caught.value.code == "not_two_yeses"


def test_answer_overdue_after_24_hours_only_while_pending():
    duo = new(NOW)
    assert not rules.answer_overdue(duo, NOW + timedelta(hours=24))
    assert rules.answer_overdue(duo, NOW + timedelta(hours=24, seconds=1))
    rules.answer(duo, "mentee", "yes", NOW + timedelta(hours=1), "x")
    rules.answer(duo, "mentor", "yes", NOW + timedelta(hours=1), "x")
    assert not rules.answer_overdue(duo, NOW + timedelta(days=3))


def test_agreement_starts_six_months():
    duo = active()
    assert duo.planned_end == "2027-05-24" and rules.phase(duo) is Phase.ACTIVE
    assert rules.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_agreement_dates():
    duo = new()
    rules.answer(duo, "mentee", "yes", NOW, "x")
    rules.answer(duo, "mentor", "yes", NOW, "x")
    with pytest.raises(InvalidInputError):
        rules.record_agreement(duo, date(2026, 11, 25), True, True, True, date(2026, 11, 24), "x")
    with pytest.raises(InvalidInputError):
        rules.record_agreement(duo, date(2026, 11, 23), True, True, True, date(2026, 11, 24), "x")


def test_no_recent_meeting_after_14_days():
    duo = active()
    assert not rules.no_recent_meeting(duo, NOW + timedelta(days=13))
    assert rules.no_recent_meeting(duo, NOW + timedelta(days=14))
    rules.log_meeting(duo, date(2026, 12, 5), 60, "online", date(2026, 12, 5))
    assert not rules.no_recent_meeting(duo, NOW + timedelta(days=14))


def test_closing_twice_and_steps_after_closing():
    duo = active()
    rules.close(duo, date(2026, 11, 24), "completed", None, ["moved"], date(2026, 11, 24))
    with pytest.raises(ConflictError) as caught:
        rules.close(duo, date(2026, 11, 24), "completed", None, ["moved"], date(2026, 11, 24))
    assert caught.value.code == "already_closed"
    with pytest.raises(ConflictError):
        rules.log_meeting(duo, date(2026, 11, 24), 30, "online", date(2026, 11, 24))
    assert rules.missing_intervisions(duo, date(2026, 11, 24)) and rules.evaluation_due(duo)


def test_follow_up_until_evaluations_outcome_and_laptop():
    duo = active()
    today = date(2026, 11, 24)
    rules.add_service(duo, "s1", "laptop_loan", today, date(2027, 1, 1), ["laptop_loan"], today)
    assert rules.laptops_due(duo, datetime(2026, 12, 26, tzinfo=UTC)) and not rules.laptops_due(duo, NOW)
    rules.close(duo, date(2026, 12, 1), "stopped", "moved", ["moved"], date(2026, 12, 1))
    rules.submit_evaluation(duo, "mentee", dict.fromkeys(rules.MENTEE_EVALUATION, True), NOW, "x")
    rules.submit_evaluation(duo, "mentor", dict.fromkeys(rules.MENTOR_EVALUATION, False), NOW, "x")
    assert not rules.outcome_due(duo, datetime(2027, 11, 23, tzinfo=UTC))
    assert rules.outcome_due(duo, datetime(2027, 11, 24, tzinfo=UTC))
    rules.record_outcome(duo, "job", NOW, "x")
    assert rules.phase(duo) is Phase.FOLLOW_UP  # the laptop is still out
    rules.service_returned(duo, "s1", date(2026, 12, 1), date(2026, 12, 1))
    assert rules.phase(duo) is Phase.DONE


def test_stopped_needs_a_reason_from_the_list():
    duo = active()
    with pytest.raises(InvalidInputError) as caught:
        rules.close(duo, date(2026, 11, 24), "stopped", None, ["moved"], date(2026, 11, 24))
    assert "reason" in caught.value.fields
    with pytest.raises(InvalidInputError):
        rules.close(duo, date(2026, 11, 24), "stopped", "bored", ["moved"], date(2026, 11, 24))
