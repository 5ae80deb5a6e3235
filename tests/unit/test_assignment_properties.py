"""The whole pool's proposal (domain/assignment.py): its laws, checked by Hypothesis on random pools, and the
pins, modes and unpaired reasons on small hand-made ones."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import assignment
from chalicelib.domain.assignment import Mode, Pin, greedy, matrix, propose, solve
from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.matching import CRITERIA, LANGUAGE_SCORE, Profile, Reason, Settings, assess

LANGS = ("nl", "fr", "ar", "en")
SECTORS = ("care", "it", "retail", "logistics")
SLOTS = ("mon_morning", "mon_evening", "tue_afternoon", "wed_morning", "sat_morning")
NEEDS = ("cv", "network", "interview_practice", "language")
INTERESTS = ("sport", "music", "cooking")
EXAMPLES = settings(max_examples=200, deadline=None)


def _subset(values: tuple[str, ...]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(values))


@st.composite
def people(draw: st.DrawFn, role: str, count: st.SearchStrategy[int], others: int = 5) -> list[Profile]:
    """Random profiles of one role (a few declining someone of the other role, ids m0../t0..)."""
    prefix, other = ("m", "t") if role == "mentee" else ("t", "m")
    out = []
    for k in range(draw(count)):
        out.append(Profile(
            id=f"{prefix}{k}", role=role,
            ready=draw(st.sampled_from((True, True, True, False))),
            ready_since=draw(st.sampled_from(("", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"))),
            languages=draw(st.dictionaries(st.sampled_from(LANGS), st.sampled_from(tuple(LANGUAGE_SCORE)), max_size=3)),
            sectors=draw(_subset(SECTORS)), availability=draw(_subset(SLOTS)), needs=draw(_subset(NEEDS)),
            offers=draw(_subset(NEEDS)), interests=draw(_subset(INTERESTS)),
            digital=draw(st.sampled_from(("", "basic", "everyday", "advanced"))),
            area=draw(st.sampled_from(("", "10", "90", "59"))),
            declined=draw(st.frozensets(st.sampled_from([f"{other}{i}" for i in range(others)]), max_size=1)),
        ))
    return out


weights = st.fixed_dictionaries({c: st.sampled_from((0, 0, 1, 2, 3, 10)) for c in CRITERIA}).filter(
    lambda w: any(w.values()))
branch_settings = st.builds(lambda w, h: Settings({c: float(v) for c, v in w.items()}, frozenset(h)),
                            weights, st.frozensets(st.sampled_from(CRITERIA), max_size=2))
pools = st.tuples(people("mentee", st.integers(0, 7), 7), people("mentor", st.integers(0, 7), 7), branch_settings)


@EXAMPLES
@given(pools)
def test_matrix_equals_assess_for_every_pair(pool):
    mentees, mentors, conf = pool
    scores, allowed = matrix(mentees, mentors, conf)
    assert scores.shape == allowed.shape == (len(mentees), len(mentors))
    assert scores.dtype == np.float64 and allowed.dtype == bool
    for i, a in enumerate(mentees):
        for j, b in enumerate(mentors):
            pair = assess(a, b, conf)
            assert abs(scores[i, j] - pair.score) <= 1e-9
            assert bool(allowed[i, j]) is pair.allowed
            assert 0.0 <= pair.score <= 1.0


def _check_proposal(result, mentees, mentors, pins=(), excluded=()):
    used = [p.mentee_id for p in result.pairs] + [p.mentor_id for p in result.pairs]
    assert len(used) == len(set(used)), "a person is used twice"
    assert all(p.allowed and not p.blocks for p in result.pairs), "a blocked pair"
    assert not set(used) & set(excluded), "an excluded person is paired"
    chosen = {(p.mentee_id, p.mentor_id) for p in result.pairs}
    assert all((pin.mentee_id, pin.mentor_id) in chosen for pin in pins), "a pin is broken"
    assert [(p.mentee_id, p.mentor_id) for p in result.pairs[:len(pins)]] == [(p.mentee_id, p.mentor_id) for p in pins]
    assert result.pinned == frozenset(p.mentee_id for p in pins)
    everyone = {p.id for p in (*mentees, *mentors)}
    assert set(used) | {u.id for u in result.unpaired} == everyone
    assert not set(used) & {u.id for u in result.unpaired}
    assert abs(result.total - sum(p.score for p in result.pairs)) <= 1e-9


@st.composite
def pools_with_requests(draw: st.DrawFn):
    mentees, mentors, conf = draw(pools)
    excluded = draw(st.frozensets(st.sampled_from([p.id for p in (*mentees, *mentors)] or ["nobody"]), max_size=3))
    pins = []
    free_a = [p for p in mentees if p.id not in excluded]
    free_b = [p for p in mentors if p.id not in excluded]
    for _ in range(draw(st.integers(0, 2))):
        options = [(a, b) for a in free_a for b in free_b if assess(a, b, conf).allowed]
        if not options:
            break
        a, b = draw(st.sampled_from(options))
        pins.append(Pin(a.id, b.id))
        free_a.remove(a)
        free_b.remove(b)
    return mentees, mentors, conf, pins, sorted(excluded)


@EXAMPLES
@given(pools_with_requests(), st.sampled_from(Mode))
def test_a_proposal_keeps_the_rules(request, mode):
    mentees, mentors, conf, pins, excluded = request
    result = propose(mentees, mentors, conf, mode, pins=pins, excluded=excluded)
    assert result.mode is mode
    _check_proposal(result, mentees, mentors, pins, excluded)
    for u in result.unpaired:
        if u.id in excluded:
            assert u.reason.code == "excluded"


@EXAMPLES
@given(pools)
def test_score_mode_scores_at_least_greedy_and_count_mode_pairs_at_least_as_many(pool):
    mentees, mentors, conf = pool
    scores, allowed = matrix(mentees, mentors, conf)
    base = greedy(scores, allowed)
    best = propose(mentees, mentors, conf, Mode.SCORE)
    assert best.total >= sum(scores[i, j] for i, j in base) - 1e-9
    most = propose(mentees, mentors, conf, Mode.COUNT)
    assert len(most.pairs) >= len(greedy(scores, allowed, Mode.COUNT))
    assert len(most.pairs) >= len(base)
    assert len(most.pairs) >= len(best.pairs)


def _brute_force(scores: np.ndarray, allowed: np.ndarray) -> tuple[float, tuple[int, float]]:
    """The best total score, and the best (pairs, total), over every set of allowed pairs."""
    n, m = scores.shape
    best_total, best_count = 0.0, (0, 0.0)
    rows = range(n)
    for k in range(1, min(n, m) + 1):
        for chosen_rows in itertools.combinations(rows, k):
            for cols in itertools.permutations(range(m), k):
                if all(allowed[i, j] for i, j in zip(chosen_rows, cols, strict=True)):
                    total = float(sum(scores[i, j] for i, j in zip(chosen_rows, cols, strict=True)))
                    best_total = max(best_total, total)
                    best_count = max(best_count, (k, total))
    return best_total, best_count


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5).flatmap(lambda n: st.integers(0, 5).flatmap(lambda m: st.tuples(
    st.lists(st.lists(st.sampled_from((0.0, 0.25, 0.5, 0.6, 0.75, 1.0)), min_size=m, max_size=m), min_size=n,
             max_size=n),
    st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=n, max_size=n),
    st.just((n, m))))))
def test_solve_finds_the_brute_force_optimum(case):
    raw_scores, raw_allowed, shape = case
    scores = np.array(raw_scores, dtype=float).reshape(shape)
    allowed = np.array(raw_allowed, dtype=bool).reshape(shape)
    best_total, (best_count, best_count_total) = _brute_force(scores, allowed)
    for mode in Mode:
        pairs = solve(scores, allowed, mode)
        assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)
        assert all(allowed[i, j] for i, j in pairs)
        total = float(sum(scores[i, j] for i, j in pairs))
        if mode is Mode.SCORE:
            assert abs(total - best_total) <= 1e-9
        else:
            assert len(pairs) == best_count
            assert abs(total - best_count_total) <= 1e-9


# --- Plain cases -------------------------------------------------------------------------------------------


def person(pid: str, role: str, **fields) -> Profile:
    base = {"languages": {"nl": "native"}, "availability": frozenset({"mon_evening"}), "sectors": frozenset({"care"})}
    return Profile(id=pid, role=role, **(base | fields))


DEFAULT = Settings.default()


def test_an_empty_side_gives_an_empty_proposal():
    alone = [person("m1", "mentee")]
    for mentees, mentors in (([], []), (alone, []), ([], [person("t1", "mentor")])):
        result = propose(mentees, mentors, DEFAULT)
        assert result.pairs == () and result.total == 0.0
        assert all(u.reason.code == "no_possible_partner" and u.reason.params["blocks"] == [] for u in result.unpaired)
    assert solve(np.zeros((0, 3)), np.zeros((0, 3), dtype=bool)) == []
    assert greedy(np.zeros((2, 0)), np.zeros((2, 0), dtype=bool)) == []


def test_pins_are_checked():
    mentees = [person("m1", "mentee"), person("m2", "mentee"), person("m3", "mentee", languages={"ar": "fluent"})]
    mentors = [person("t1", "mentor"), person("t2", "mentor", declined=frozenset({"m2"}))]
    with pytest.raises(InvalidInputError) as twice:
        propose(mentees, mentors, DEFAULT, pins=[Pin("m1", "t1"), Pin("m2", "t1")])
    assert "twice" in twice.value.fields["pins"]
    with pytest.raises(InvalidInputError) as twice_mentee:
        propose(mentees, mentors, DEFAULT, pins=[Pin("m1", "t1"), Pin("m1", "t2")])
    assert set(twice_mentee.value.fields) == {"pins"}
    with pytest.raises(InvalidInputError) as unknown:
        propose(mentees, mentors, DEFAULT, pins=[Pin("m9", "t1")])
    assert "m9" in unknown.value.fields["pins"]
    with pytest.raises(InvalidInputError):
        propose(mentees, mentors, DEFAULT, pins=[Pin("t1", "m1")])  # the roles the wrong way round
    with pytest.raises(InvalidInputError):
        propose(mentees, mentors, DEFAULT, pins=[Pin("m1", "t1")], excluded=["t1"])
    with pytest.raises(ConflictError) as declined:
        propose(mentees, mentors, DEFAULT, pins=[Pin("m2", "t2")])
    assert declined.value.code == "pin_not_allowed" and "declined" in declined.value.message
    with pytest.raises(ConflictError) as language:
        propose(mentees, mentors, DEFAULT, pins=[Pin("m3", "t1")])
    assert language.value.code == "pin_not_allowed" and "language" in language.value.message


def test_a_pin_is_kept_even_when_the_optimum_would_pair_otherwise():
    mentees = [person("m1", "mentee"), person("m2", "mentee", sectors=frozenset({"it"}))]
    mentors = [person("t1", "mentor"), person("t2", "mentor", sectors=frozenset({"it"}))]
    free = propose(mentees, mentors, DEFAULT)
    assert {(p.mentee_id, p.mentor_id) for p in free.pairs} == {("m1", "t1"), ("m2", "t2")}
    pinned = propose(mentees, mentors, DEFAULT, pins=[Pin("m1", "t2")])
    assert [(p.mentee_id, p.mentor_id) for p in pinned.pairs] == [("m1", "t2"), ("m2", "t1")]
    assert pinned.pinned == frozenset({"m1"})
    assert pinned.total < free.total


def test_score_and_count_modes_differ_when_the_best_pair_blocks_a_second():
    # m1-t1 is the best pair, but t1 is the only mentor m2 can have (m2 shares no time with t2); m1 can also have
    # t2, less well. Highest total: m1-t1 alone (1.0 > 0.x + 0.y); most paired: m1-t2 and m2-t1.
    conf = Settings({"sector": 1.0}, frozenset())
    mentees = [person("m1", "mentee"),
               person("m2", "mentee", sectors=frozenset({"it"}), availability=frozenset({"sat_morning"}))]
    mentors = [person("t1", "mentor", availability=frozenset({"mon_evening", "sat_morning"})),
               person("t2", "mentor", sectors=frozenset({"it"}))]
    best = propose(mentees, mentors, conf, Mode.SCORE)
    most = propose(mentees, mentors, conf, Mode.COUNT)
    assert [(p.mentee_id, p.mentor_id) for p in best.pairs] == [("m1", "t1")] and best.total == 1.0
    assert {(p.mentee_id, p.mentor_id) for p in most.pairs} == {("m1", "t2"), ("m2", "t1")} and most.total == 0.0
    assert {u.id: u.reason.code for u in best.unpaired} == {"m2": "partners_taken", "t2": "partners_taken"}
    assert most.unpaired == ()


def test_pairs_come_by_score_and_each_is_explained():
    mentees = [person("m1", "mentee"), person("m2", "mentee", sectors=frozenset({"it"}))]
    mentors = [person("t1", "mentor", sectors=frozenset({"retail"})), person("t2", "mentor")]
    result = propose(mentees, mentors, DEFAULT)
    assert [p.score for p in result.pairs] == sorted((p.score for p in result.pairs), reverse=True)
    first = result.pairs[0]
    assert (first.mentee_id, first.mentor_id) == ("m1", "t2")
    assert first == assess(mentees[0], mentors[1], DEFAULT)
    assert [c.criterion for c in first.criteria] == [c for c in CRITERIA if DEFAULT.weight(c) > 0]


def test_unpaired_reasons():
    conf = Settings(dict.fromkeys(CRITERIA, 1.0), frozenset({"sector"}))
    mentees = [
        person("m1", "mentee"),
        person("m2", "mentee"),  # m1 and m2 have one possible partner, t1: one of them gets it
        person("m3", "mentee", languages={"ar": "fluent"}, availability=frozenset({"sun_morning"})),
        person("m4", "mentee", sectors=frozenset({"it"})),  # the branch requires the same sector
        person("m5", "mentee"),
    ]
    mentors = [person("t1", "mentor", declined=frozenset({"m3"})), person("t2", "mentor", ready=False)]
    result = propose(mentees, mentors, conf, excluded=["m5"])
    reasons = {u.id: u.reason for u in result.unpaired}
    (pair,) = result.pairs
    assert pair.mentee_id in ("m1", "m2") and pair.mentor_id == "t1"
    left = "m2" if pair.mentee_id == "m1" else "m1"
    assert set(reasons) == {left, "m3", "m4", "m5", "t2"}
    assert reasons[left] == Reason("partners_taken", {})
    assert reasons["m3"].code == "no_possible_partner"
    # m3: no shared language and no shared time with both mentors, declined by t1, t2 not ready
    assert reasons["m3"].params["blocks"] == ["no_shared_language", "no_shared_time", "not_ready", "declined_before"]
    assert reasons["m4"].code == "no_possible_partner"
    assert reasons["m4"].params == {"blocks": ["required", "not_ready"], "criteria": ["sector"]}
    assert reasons["m5"].code == "excluded"
    # t2: not ready for any of m1-m4 (m5 is left out); m3 and m4 are blocked for more (ties in BLOCK_CODES order)
    assert reasons["t2"].params == {"blocks": ["not_ready", "no_shared_language", "no_shared_time", "required"],
                                    "criteria": ["sector"]}
    assert [u.id for u in result.unpaired][-1] == "t2"  # mentees first, then mentors


def test_score_mode_pairs_leftover_people_whose_pair_scores_zero():
    conf = Settings({"sector": 1.0}, frozenset())
    mentees = [person("m1", "mentee", sectors=frozenset({"it"}))]
    mentors = [person("t1", "mentor")]
    result = propose(mentees, mentors, conf)
    assert [(p.mentee_id, p.mentor_id, p.score) for p in result.pairs] == [("m1", "t1", 0.0)]
    assert result.unpaired == ()


def test_matrix_is_not_a_loop_over_pairs(monkeypatch):
    calls = []
    monkeypatch.setattr(assignment, "assess", lambda *a: calls.append(a))
    mentees = [person(f"m{i}", "mentee") for i in range(30)]
    mentors = [person(f"t{i}", "mentor") for i in range(30)]
    scores, allowed = matrix(mentees, mentors, DEFAULT)
    assert scores.shape == (30, 30) and allowed.all() and calls == []
