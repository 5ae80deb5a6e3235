"""Matching (domain/matching.py): each criterion's score and reasons, the hard constraints, the branch's weights,
the ranking, the first meeting's suggestion, and that nothing protected enters a score or a reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus, SpokenLanguage
from chalicelib.domain.matching import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    Assessment,
    CriterionScore,
    Profile,
    Reason,
    Settings,
    assess,
    profile,
    rank,
    shared_slots,
    suggest_first_meeting,
)

NOT_RECORDED = Reason("not_recorded", {})
ALL = Settings(dict.fromkeys(CRITERIA, 1.0))


def mentee(**fields) -> Profile:
    base = {"languages": {"nl": "native"}, "availability": frozenset({"mon_evening"})}
    return Profile(id=fields.pop("id", "m1"), role="mentee", **(base | fields))


def mentor(**fields) -> Profile:
    base = {"languages": {"nl": "native"}, "availability": frozenset({"mon_evening"})}
    return Profile(id=fields.pop("id", "t1"), role="mentor", **(base | fields))


def scored(criterion: str, a: Profile, b: Profile) -> CriterionScore:
    (found,) = [c for c in assess(a, b, ALL).criteria if c.criterion == criterion]
    return found


def codes(reasons) -> list[str]:
    return [r.code for r in reasons]


# --- Settings and profiles -------------------------------------------------------------------------------------


def test_settings_merge_the_branch_over_the_defaults():
    assert Settings.from_config({}).weights == {c: float(w) for c, w in DEFAULT_WEIGHTS.items()}
    assert Settings.from_config({}).hard == frozenset()
    conf = Settings.from_config({"matching": {"weights": {"sector": 0, "location": 7}, "hard": ["sector", "bogus"]}})
    assert conf.weights["sector"] == 0.0 and conf.weights["location"] == 7.0
    assert conf.weights["help"] == float(DEFAULT_WEIGHTS["help"])
    assert conf.hard == frozenset({"sector"})


def candidate(cid: str = "c1", role: CandidateRole = CandidateRole.MENTEE, **fields) -> Candidate:
    base = dict(
        id=cid, branch="ghent", role=role, status=CandidateStatus.READY, name="Amina Test", email="a@example.org",
        phone="+32470000000", birth_date="1999-04-01", postcode="9000", city="Gent",
        languages=[SpokenLanguage("nl", "fluent"), SpokenLanguage("ar", "native"), SpokenLanguage("fr", "basic")],
        heard_from="website", language="nl", consent_version="1", consent_language="nl",
        consent_at="2026-01-01T00:00:00Z", session_id="s1", created_at="2026-01-01T00:00:00Z",
        status_since="2026-02-01T10:00:00Z", sectors=["care", "logistics"], help_needs=["cv", "network"],
        availability=["mon_evening", "tue_morning", "nonsense"], declined_with=["c9"],
        intake={"help_offers": ["cv"], "interests": ["music", "sport"], "digital_skills": "everyday"},
    )
    return Candidate(**(base | fields))


def test_a_profile_holds_the_criteria_data_only():
    p = profile(candidate(postcode=" 9000 "))
    assert p == Profile(
        id="c1", role="mentee", ready=True, ready_since="2026-02-01T10:00:00Z",
        languages={"nl": "fluent", "ar": "native"}, sectors=frozenset({"care", "logistics"}),
        availability=frozenset({"mon_evening", "tue_morning"}), needs=frozenset({"cv", "network"}),
        offers=frozenset({"cv"}), interests=frozenset({"music", "sport"}), digital="everyday", area="90",
        declined=frozenset({"c9"}),
    )
    assert profile(candidate(postcode="1011 ab")).area == "10"
    assert profile(candidate(postcode="")).area == ""
    assert profile(candidate(status=CandidateStatus.TRAINING)).ready is False


def test_a_profile_reads_an_intake_without_the_new_fields():
    p = profile(candidate(intake=None, status_since=""))
    assert (p.offers, p.interests, p.digital, p.ready_since) == (frozenset(), frozenset(), "", "")
    assert profile(candidate(intake={"digital_skills": "wizard"})).digital == ""
    best = profile(candidate(languages=[SpokenLanguage("nl", "conversational"), SpokenLanguage("nl", "native")]))
    assert best.languages == {"nl": "native"}


# --- Each criterion ------------------------------------------------------------------------------------------


def test_sector():
    same = scored("sector", mentee(sectors=frozenset({"care", "it"})), mentor(sectors=frozenset({"it", "retail"})))
    assert (same.score, same.pros, same.cons) == (1.0, (Reason("same_sector", {"sectors": ["it"]}),), ())
    other = scored("sector", mentee(sectors=frozenset({"care"})), mentor(sectors=frozenset({"retail", "it"})))
    assert other.score == 0.0 and other.pros == ()
    assert other.cons == (Reason("different_sector", {"mentee": ["care"], "mentor": ["it", "retail"]}),)
    unknown = scored("sector", mentee(sectors=frozenset({"care"})), mentor())
    assert (unknown.score, unknown.pros, unknown.cons) == (0.5, (), (NOT_RECORDED,))


@pytest.mark.parametrize(("a", "b", "score", "cons"), [
    ({"nl": "native"}, {"nl": "native"}, 1.0, []),
    ({"nl": "fluent", "ar": "native"}, {"nl": "native", "ar": "fluent"}, 0.8, []),
    ({"nl": "native", "fr": "conversational"}, {"nl": "conversational", "fr": "native"}, 0.5, ["conversational_only"]),
])
def test_languages_take_the_best_shared_working_level(a, b, score, cons):
    found = scored("languages", mentee(languages=a), mentor(languages=b))
    assert found.score == score and codes(found.cons) == cons
    assert found.pros == (Reason("shared_languages", {"languages": sorted(a.keys() & b.keys())}),)


def test_languages_list_the_best_shared_first():
    found = scored("languages", mentee(languages={"nl": "conversational", "tr": "native"}),
                   mentor(languages={"nl": "native", "tr": "native"}))
    assert found.pros == (Reason("shared_languages", {"languages": ["tr", "nl"]}),)
    assert found.cons == ()


def test_no_shared_language_scores_zero_and_blocks():
    pair = assess(mentee(languages={"ar": "native"}), mentor(languages={"nl": "native"}), ALL)
    (found,) = [c for c in pair.criteria if c.criterion == "languages"]
    assert found.score == 0.0 and codes(found.cons) == ["no_shared_language"]
    assert not pair.allowed and pair.blocks == (Reason("no_shared_language", {}),)
    unknown = assess(mentee(languages={}), mentor(), ALL)
    assert next(c for c in unknown.criteria if c.criterion == "languages").cons == (NOT_RECORDED,)
    assert codes(unknown.blocks) == ["no_shared_language"]  # the hard rule needs a language both speak


@pytest.mark.parametrize(("slots", "score", "cons"), [
    ({"mon_evening"}, 1 / 3, ["few_shared_times"]),
    ({"mon_evening", "tue_morning"}, 2 / 3, ["few_shared_times"]),
    ({"mon_evening", "tue_morning", "sun_afternoon"}, 1.0, []),
    ({"mon_evening", "tue_morning", "sun_afternoon", "fri_morning"}, 1.0, []),
])
def test_availability(slots, score, cons):
    everything = frozenset({"mon_evening", "tue_morning", "sun_afternoon", "fri_morning", "sat_morning"})
    found = scored("availability", mentee(availability=frozenset(slots) | {"wed_evening"}),
                   mentor(availability=everything))
    shared = [s for s in ("mon_evening", "tue_morning", "fri_morning", "sun_afternoon") if s in slots]
    assert found.score == score and codes(found.cons) == cons
    assert found.pros == (Reason("shared_times", {"slots": shared}),)
    if cons:
        assert found.cons[0].params == {"slots": shared}


def test_no_shared_time_blocks():
    pair = assess(mentee(availability=frozenset({"sat_morning"})), mentor(), ALL)
    assert codes(pair.blocks) == ["no_shared_time"]
    (found,) = [c for c in pair.criteria if c.criterion == "availability"]
    assert found.score == 0.0 and codes(found.cons) == ["no_shared_time"]
    assert codes(assess(mentee(availability=frozenset()), mentor(), ALL).blocks) == ["no_shared_time"]


def test_help():
    found = scored("help", mentee(needs=frozenset({"cv", "network", "interview_practice"})),
                   mentor(offers=frozenset({"cv", "interview_practice", "language"})))
    assert found.score == 2 / 3
    assert found.pros == (Reason("can_help_with", {"needs": ["cv", "interview_practice"]}),)
    assert found.cons == (Reason("cannot_help_with", {"needs": ["network"]}),)
    full = scored("help", mentee(needs=frozenset({"cv"})), mentor(offers=frozenset({"cv", "network"})))
    assert (full.score, full.cons) == (1.0, ())
    none = scored("help", mentee(needs=frozenset({"cv"})), mentor(offers=frozenset({"network"})))
    assert (none.score, none.pros, codes(none.cons)) == (0.0, (), ["cannot_help_with"])
    for a, b in ((mentee(), mentor(offers=frozenset({"cv"}))), (mentee(needs=frozenset({"cv"})), mentor())):
        unknown = scored("help", a, b)
        assert (unknown.score, unknown.pros, unknown.cons) == (0.5, (), (NOT_RECORDED,))


@pytest.mark.parametrize(("shared", "score"), [(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.0)])
def test_interests(shared, score):
    mine = [*["music", "sport", "cooking"][:shared], "film"]
    found = scored("interests", mentee(interests=frozenset(mine)),
                   mentor(interests=frozenset({"music", "sport", "cooking", "art"})))
    assert found.score == score
    if shared:
        assert found.pros == (Reason("shared_interests", {"interests": sorted(mine[:shared])}),) and found.cons == ()
    else:
        assert found.pros == () and found.cons == (Reason("no_shared_interests", {}),)
    assert scored("interests", mentee(), mentor(interests=frozenset({"art"}))).cons == (NOT_RECORDED,)


@pytest.mark.parametrize(("a", "b", "score", "pros", "cons"), [
    ("basic", "advanced", 1.0, [Reason("digital_support", {"mentee": "basic", "mentor": "advanced"})], []),
    ("basic", "everyday", 1.0, [Reason("digital_support", {"mentee": "basic", "mentor": "everyday"})], []),
    ("everyday", "everyday", 1.0, [Reason("digital_match", {"level": "everyday"})], []),
    ("advanced", "everyday", 0.5, [], [Reason("mentor_less_digital", {"mentee": "advanced", "mentor": "everyday"})]),
    ("advanced", "basic", 0.0, [], [Reason("mentor_less_digital", {"mentee": "advanced", "mentor": "basic"})]),
    ("", "basic", 0.5, [], [NOT_RECORDED]),
    ("basic", "", 0.5, [], [NOT_RECORDED]),
])
def test_digital(a, b, score, pros, cons):
    found = scored("digital", mentee(digital=a), mentor(digital=b))
    assert (found.score, list(found.pros), list(found.cons)) == (score, pros, cons)


def test_location():
    same = scored("location", mentee(area="90"), mentor(area="90"))
    assert (same.score, same.pros, same.cons) == (1.0, (Reason("same_area", {"area": "90"}),), ())
    other = scored("location", mentee(area="90"), mentor(area="10"))
    assert (other.score, other.cons) == (0.0, (Reason("different_area", {"mentee": "90", "mentor": "10"}),))
    assert scored("location", mentee(area="90"), mentor()).cons == (NOT_RECORDED,)


# --- Hard constraints, weights, the score --------------------------------------------------------------------


def test_blocks():
    assert assess(mentee(), mentor(), ALL).allowed
    assert assess(mentee(ready=False), mentor(ready=False), ALL).blocks == (
        Reason("not_ready", {"role": "mentee"}), Reason("not_ready", {"role": "mentor"}))
    for a, b in ((mentee(declined=frozenset({"t1"})), mentor()), (mentee(), mentor(declined=frozenset({"m1"})))):
        pair = assess(a, b, ALL)
        assert not pair.allowed and pair.blocks == (Reason("declined_before", {}),)
    assert codes(assess(mentee(languages={"ar": "native"}, availability=frozenset()), mentor(ready=False),
                        ALL).blocks) == ["not_ready", "no_shared_language", "no_shared_time"]


def test_the_score_is_the_weighted_mean():
    a = mentee(sectors=frozenset({"care"}), area="90")
    b = mentor(sectors=frozenset({"care"}), area="10")
    conf = Settings({"sector": 3.0, "location": 1.0})
    pair = assess(a, b, conf)
    assert [(c.criterion, c.score, c.weight) for c in pair.criteria] == [("sector", 1.0, 3.0), ("location", 0.0, 1.0)]
    assert pair.score == 0.75 and pair.percent == 75
    assert assess(a, b, Settings(dict.fromkeys(CRITERIA, 0.0))).score == 0.0


def test_a_weight_of_zero_removes_a_criterion():
    a, b = mentee(area="90", sectors=frozenset({"it"})), mentor(area="10", sectors=frozenset({"it"}))
    with_location = assess(a, b, Settings({"sector": 1.0, "location": 1.0}))
    without = assess(a, b, Settings({"sector": 1.0, "location": 0.0}))
    assert with_location.score == 0.5 and without.score == 1.0
    assert [c.criterion for c in without.criteria] == ["sector"]
    assert assess(a, b, Settings(dict.fromkeys(CRITERIA, 1.0) | {"location": 0.0})).criteria[-1].criterion == "digital"


def test_the_branch_hard_criteria_block_when_they_score_zero():
    a, b = mentee(sectors=frozenset({"care"})), mentor(sectors=frozenset({"it"}))
    conf = Settings(dict.fromkeys(CRITERIA, 1.0), frozenset({"sector"}))
    pair = assess(a, b, conf)
    assert not pair.allowed and pair.blocks == (Reason("required", {"criterion": "sector"}),)
    assert assess(replace(a, sectors=frozenset({"it"})), b, conf).allowed
    assert assess(replace(a, sectors=frozenset()), b, conf).allowed  # not recorded: 0.5, not a zero
    # hard with no weight: still a rule, not a score
    weightless = Settings({"location": 1.0}, frozenset({"sector"}))
    pair = assess(a, b, weightless)
    assert codes(pair.blocks) == ["required"] and [c.criterion for c in pair.criteria] == ["location"]
    # the built-in rules are not repeated as "required"
    conf = Settings(dict.fromkeys(CRITERIA, 1.0), frozenset({"languages", "availability"}))
    pair = assess(mentee(languages={"ar": "native"}, availability=frozenset()), mentor(), conf)
    assert codes(pair.blocks) == ["no_shared_language", "no_shared_time"]


def test_digital_as_a_hard_criterion():
    conf = Settings({"digital": 1.0}, frozenset({"digital"}))
    assert codes(assess(mentee(digital="advanced"), mentor(digital="basic"), conf).blocks) == ["required"]
    assert assess(mentee(digital="advanced"), mentor(digital="everyday"), conf).allowed


# --- Ranking -------------------------------------------------------------------------------------------------


def test_rank_orders_allowed_by_score_then_waiting_time_then_id_and_blocked_last():
    me = mentee(sectors=frozenset({"care"}))
    others = [
        mentor(id="t1", sectors=frozenset({"it"}), ready_since="2026-01-01"),
        mentor(id="t2", sectors=frozenset({"care"}), ready_since="2026-03-01"),
        mentor(id="t3", sectors=frozenset({"care"}), ready_since="2026-02-01"),
        mentor(id="t4", sectors=frozenset({"care"}), ready_since=""),
        mentor(id="t0", sectors=frozenset({"care"}), ready_since="2026-02-01"),
        mentor(id="t5", sectors=frozenset({"care"}), ready=False),
        mentor(id="t6", sectors=frozenset({"it"}), languages={"ar": "native"}),
        mentee(id="m2", sectors=frozenset({"care"})),  # the same role: not a partner
        me,
    ]
    ranked = rank(me, others, ALL)
    assert [a.mentor_id for a in ranked] == ["t0", "t3", "t2", "t4", "t1", "t5", "t6"]
    assert all(isinstance(a, Assessment) and a.mentee_id == "m1" for a in ranked)
    assert [a.allowed for a in ranked] == [True] * 5 + [False] * 2


def test_rank_for_a_mentor_assesses_the_mentees():
    me = mentor(sectors=frozenset({"care"}))
    ranked = rank(me, [mentee(id="m1"), mentee(id="m2", sectors=frozenset({"care"}))], ALL)
    assert [(a.mentee_id, a.mentor_id) for a in ranked] == [("m2", "t1"), ("m1", "t1")]
    assert ranked[0] == assess(mentee(id="m2", sectors=frozenset({"care"})), me, ALL)


# --- Shared slots and the first meeting ------------------------------------------------------------------------


def test_shared_slots_come_in_week_order():
    a = mentee(availability=frozenset({"sun_evening", "mon_evening", "tue_morning", "wed_morning"}))
    b = mentor(availability=frozenset({"tue_morning", "sun_evening", "mon_evening"}))
    assert shared_slots(a, b) == ["mon_evening", "tue_morning", "sun_evening"]


MONDAY_9 = datetime(2026, 11, 23, 9, 0)  # a Monday


@pytest.mark.parametrize(("slots", "now", "expected"), [
    # later today, but not two days ahead: next week's
    (["mon_evening"], MONDAY_9, datetime(2026, 11, 30, 18, 30)),
    # Wednesday 10:00 is two days and one hour ahead
    (["wed_morning", "fri_evening"], MONDAY_9, datetime(2026, 11, 25, 10, 0)),
    # exactly two days ahead counts
    (["wed_morning"], datetime(2026, 11, 23, 10, 0), datetime(2026, 11, 25, 10, 0)),
    (["wed_morning"], datetime(2026, 11, 23, 10, 1), datetime(2026, 12, 2, 10, 0)),
    # the week wraps: Saturday -> Monday
    (["mon_morning"], datetime(2026, 11, 28, 9, 0), datetime(2026, 11, 30, 10, 0)),
    # Sunday evening -> a week on Monday (Monday morning is less than two days ahead)
    (["mon_morning", "sun_morning"], datetime(2026, 11, 29, 20, 0), datetime(2026, 12, 6, 10, 0)),
    # the earliest of several
    (["sun_afternoon", "thu_afternoon", "tue_evening"], MONDAY_9, datetime(2026, 11, 26, 14, 0)),
    # no slot (or none known): the first weekday at 14:00 two days ahead
    ([], MONDAY_9, datetime(2026, 11, 25, 14, 0)),
    (["someday_noon"], MONDAY_9, datetime(2026, 11, 25, 14, 0)),
    ([], datetime(2026, 11, 26, 15, 0), datetime(2026, 11, 30, 14, 0)),  # Thursday 15:00 -> Monday (skips weekend)
])
def test_suggest_first_meeting(slots, now, expected):
    assert suggest_first_meeting(slots, now) == expected


def test_suggest_first_meeting_takes_a_minimum_of_days():
    assert suggest_first_meeting(["mon_evening"], MONDAY_9, min_days=0) == datetime(2026, 11, 23, 18, 30)


# --- No protected attribute ----------------------------------------------------------------------------------


def _people(variant: int) -> tuple[Candidate, Candidate]:
    """The same mentee and mentor, differing only in what matching must never see."""
    protected = [
        {"name": "Amina El Idrissi", "birth_date": "2001-05-04", "city": "Gent", "heard_from": "job_centre",
         "email": "amina@example.org", "phone": "+32470111111", "language": "nl", "consent_language": "nl",
         "consent_version": "1", "education_level": "secondary", "work_permit": True,
         "extra": {"nationality": "MA", "religion": "islam", "gender": "female", "migration_background": True,
                   "origin": "Morocco", "age": 25, "notes": "quiet", "experience": "warehouse"}},
        {"name": "Jan Peeters", "birth_date": "1970-01-01", "city": "Sint-Amandsberg", "heard_from": "friend_or_family",
         "email": "jan@example.org", "phone": "0470222222", "language": "fr", "consent_language": "fr",
         "consent_version": "2", "education_level": "master_or_higher", "work_permit": False,
         "extra": {"nationality": "BE", "religion": "none", "gender": "male", "migration_background": False,
                   "origin": "Belgium", "age": 56, "notes": "talkative", "experience": "teacher"}},
    ][variant]
    extra = protected.pop("extra")
    shared_intake = {"interests": ["music"], "digital_skills": "basic"}
    a = candidate("m1", CandidateRole.MENTEE, **protected,
                  intake={**extra, **shared_intake, "expectations": extra["notes"]})
    b = candidate("t1", CandidateRole.MENTOR, **protected, help_needs=[], declined_with=[],
                  intake={**extra, **shared_intake, "help_offers": ["cv", "interview_practice"],
                          "digital_skills": "advanced"})
    return a, b


def test_protected_attributes_change_no_score_and_no_reason():
    first, second = _people(0), _people(1)
    assert profile(first[0]) == profile(second[0]) and profile(first[1]) == profile(second[1])
    for conf in (ALL, Settings.default(), Settings(dict.fromkeys(CRITERIA, 2.0), frozenset({"sector", "help"}))):
        expected = assess(profile(first[0]), profile(first[1]), conf)
        assert expected.allowed and expected.criteria
        for mentee_variant in (first[0], second[0]):
            for mentor_variant in (first[1], second[1]):
                pair = assess(profile(mentee_variant), profile(mentor_variant), conf)
                assert pair == expected  # every score, weight and reason
                text = repr(pair)
                for value in ("Amina", "Jan", "2001", "1970", "MA", "islam", "female", "male", "Morocco", "Gent"):
                    assert value not in text
