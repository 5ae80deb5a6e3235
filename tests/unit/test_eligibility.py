"""Who the programme is for: the rules of a branch's configuration applied to a signup."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.branches import default_config
from chalicelib.domain.candidates import CandidateRole, SpokenLanguage
from chalicelib.domain.eligibility import Answers, age_on, refusals
from chalicelib.domain.sessions import InfoSession, SessionStatus

TODAY = date(2026, 11, 24)
MENTEE_RULES = default_config("BE")["eligibility"]["mentee"]
MENTOR_RULES = default_config("BE")["eligibility"]["mentor"]


def mentee(birth: date, **kw) -> Answers:
    base = {"languages": [SpokenLanguage("ar", "native")], "work_permit": True, "migration_background": True}
    return Answers(role=CandidateRole.MENTEE, birth_date=birth, **{**base, **kw})


def rules_broken(rules, answers) -> list[str]:
    return [r.rule for r in refusals(rules, answers, TODAY)]


def test_age_counts_birthdays_not_years():
    assert age_on(date(2008, 11, 25), TODAY) == 17
    assert age_on(date(2008, 11, 24), TODAY) == 18


def test_mentees_are_18_to_33_inclusive():
    assert rules_broken(MENTEE_RULES, mentee(date(2008, 11, 24))) == []  # 18 today
    assert rules_broken(MENTEE_RULES, mentee(date(2008, 11, 25))) == ["age"]  # 18 tomorrow
    assert rules_broken(MENTEE_RULES, mentee(date(1992, 11, 25))) == []  # still 33
    assert rules_broken(MENTEE_RULES, mentee(date(1992, 11, 24))) == ["age"]  # 34 today


def test_work_permission_and_the_migration_background_are_required_of_mentees_only():
    assert rules_broken(MENTEE_RULES, mentee(date(2000, 1, 1), work_permit=False, migration_background=False)) == [
        "work_permit", "migration_background"]
    mentor = Answers(CandidateRole.MENTOR, date(1960, 1, 1), [SpokenLanguage("fr", "native")],
                     available_six_months=True)
    assert rules_broken(MENTOR_RULES, mentor) == []


def test_mentors_are_50_or_over_and_commit_to_six_months():
    young = Answers(CandidateRole.MENTOR, date(1990, 1, 1), [], available_six_months=False)
    assert rules_broken(MENTOR_RULES, young) == ["age", "six_months"]
    refusal = refusals(MENTOR_RULES, young, TODAY)[0]
    assert refusal.params == {"min": 50, "max": None} and refusal.field == "birth_date"


def test_required_languages_count_only_at_a_working_level():
    rules = default_config("NL")["eligibility"]["mentee"]
    basic_dutch = mentee(date(2000, 1, 1), languages=[SpokenLanguage("nl", "basic"), SpokenLanguage("ar", "native")])
    assert rules_broken(rules, basic_dutch) == ["languages"]
    english = mentee(date(2000, 1, 1), languages=[SpokenLanguage("en", "conversational")])
    assert rules_broken(rules, english) == []


def test_a_session_is_open_while_scheduled_in_the_future_with_a_seat():
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    session = InfoSession("s", "antwerp", now + timedelta(days=1), 90, "online", "nl", "mentees", 2,
                          link="https://x.example", seats_taken=1)
    assert session.is_open(now) and session.admits(CandidateRole.MENTEE)
    assert not session.admits(CandidateRole.MENTOR)
    assert not session.is_open(now + timedelta(days=2))
    session.seats_taken = 2
    assert not session.is_open(now)
    session.seats_taken, session.status = 0, SessionStatus.CANCELLED
    assert not session.is_open(now)
    assert session.problems(now) == {}
    session.capacity = 0
    session.seats_taken = 1
    assert set(session.problems(now)) == {"capacity"}
