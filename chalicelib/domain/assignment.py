"""The whole pool's proposal: every pair scored at once (NumPy), then an optimal assignment (LAPJV).

``matrix`` computes, for n mentees and m mentors, the same scores and hard constraints as
``matching.assess`` does pair by pair, from per-person 0/1 feature rows and matrix products (no Python
loop over the pairs). ``solve`` finds an optimal set of pairs with ``lap.lapjv`` (imported there, so that
importing this module costs NumPy only): the highest total score, or the most people paired and then the
highest total. ``propose`` adds what the team asked (pins, people left out), explains the chosen pairs
with ``assess`` and says why each unpaired person is unpaired. ``greedy`` is the baseline it is measured
against (best remaining pair first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.matching import (
    CRITERIA,
    DIGITAL_RANK,
    FULL_INTERESTS,
    FULL_TIMES,
    LANGUAGE_SCORE,
    SUM_ORDER,
    UNKNOWN,
    Assessment,
    Profile,
    Reason,
    Settings,
    assess,
    digital_score,
)
from chalicelib.domain.texts import N_

# Built-in hard constraints, in the order assess() lists them (and a tie among unpaired reasons is broken).
BLOCK_CODES = ("not_ready", "declined_before", "no_shared_language", "no_shared_time", "required")
_BUILT_IN = ("languages", "availability")  # criteria whose zero is a built-in block already
_BLOCK_TEXT = {
    "not_ready": "one of them is not ready",
    "declined_before": "they declined each other before",
    "no_shared_language": "they share no language at a working level",
    "no_shared_time": "they share no weekly time",
    "required": "a criterion the branch requires is not met",
}


class Mode(StrEnum):
    SCORE = "score"  # the highest total score
    COUNT = "count"  # the most people paired (then the highest total score)


@dataclass(frozen=True)
class Pin:
    mentee_id: str
    mentor_id: str


@dataclass(frozen=True)
class Unpaired:
    id: str
    role: str  # "mentee" | "mentor"
    reason: Reason  # excluded{} | no_possible_partner{blocks} | partners_taken{}


@dataclass(frozen=True)
class Proposal:
    mode: Mode
    pairs: tuple[Assessment, ...]  # the pins first, then by score (highest first)
    pinned: frozenset[str]  # mentee ids of the pinned pairs
    unpaired: tuple[Unpaired, ...]  # mentees first, each side in the pool's order
    total: float  # the sum of the pairs' scores


# --- Scoring every pair at once ---------------------------------------------------------------------------
#
# Each criterion of a pair is a small integer state (how many codes they share, capped; a level; a difference)
# computed for all n x m pairs at once: a person's codes are the bits of one integer, so "shared" is a
# broadcast AND and "how many" its bit count (a matrix product when a vocabulary has more than 64 codes). A
# state whose data is missing on either side is moved past the known ones. The pair's score is then the sum
# of each criterion's ``weight * value[state]`` (a table lookup), in the order assess() adds them, divided
# by the sum of the weights: the very same floating-point operations as assess(), so the same scores.

_BITS = 64


def _masks(a_sets: Sequence[Iterable[str]], b_sets: Sequence[Iterable[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Each person's codes: the bits of one unsigned integer (<= 64 codes in all), else 0/1 rows (float32)."""
    vocabulary = {c: k for k, c in enumerate(sorted({c for s in (*a_sets, *b_sets) for c in s}))}
    if len(vocabulary) > _BITS:
        def rows(sets: Sequence[Iterable[str]]) -> np.ndarray:
            out = np.zeros((len(sets), len(vocabulary)), dtype=np.float32)
            for i, codes in enumerate(sets):
                out[i, [vocabulary[c] for c in codes]] = 1.0
            return out
        return rows(a_sets), rows(b_sets)
    dtype = next(d for d in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(d).bits >= len(vocabulary))
    bit = {c: 1 << k for c, k in vocabulary.items()}.__getitem__  # the codes of a set are distinct: sum = OR
    return tuple(np.array([sum(map(bit, codes)) for codes in sets], dtype=dtype)
                 for sets in (a_sets, b_sets))  # type: ignore[return-value]


def _count(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many codes each pair shares (n x m, unsigned)."""
    if a.ndim == 2:
        return np.rint(a @ b.T).astype(np.uint16)
    return np.bitwise_count(a[:, None] & b[None, :])


def _any(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each pair shares a code (n x m, bool)."""
    if a.ndim == 2:
        return (a @ b.T) > 0
    return (a[:, None] & b[None, :]) != 0


def _has(masks: np.ndarray) -> np.ndarray:
    return masks.any(axis=1) if masks.ndim == 2 else masks != 0


def _flags(values: Iterable[bool]) -> np.ndarray:
    return np.fromiter(values, dtype=bool)


@dataclass
class _Criterion:
    """One criterion for every pair: ``state`` (n x m unsigned) indexes ``values``."""

    state: np.ndarray
    values: np.ndarray  # float64 per state; the states past the known ones are UNKNOWN

    @classmethod
    def of(cls, state: np.ndarray, values: Sequence[float], known_a: np.ndarray, known_b: np.ndarray) -> _Criterion:
        size = len(values)
        dtype = next(d for d in (np.uint8, np.uint16, np.uint32) if 2 * size <= np.iinfo(d).max + 1)
        state = state.astype(dtype, copy=False)
        past_a = np.where(known_a, 0, size).astype(dtype)
        past_b = np.where(known_b, 0, size).astype(dtype)
        state = state + (past_a[:, None] | past_b[None, :])  # each is 0 or size: their OR is size when either is
        return cls(state, np.array([*values, *[UNKNOWN] * size], dtype=float))

    def zero(self) -> np.ndarray:
        return np.take(self.values == 0, self.state, mode="clip")


def _criteria(mentees: Sequence[Profile], mentors: Sequence[Profile], needed: set[str]) -> tuple[
        dict[str, _Criterion], np.ndarray, np.ndarray]:
    """Each needed criterion, and the pairs sharing no language and no time (built-in hard constraints)."""
    out: dict[str, _Criterion] = {}
    # languages: min(x, y) >= t exactly when both speak the code at level t or better, so the best shared level
    # is the number of thresholds (ascending) at which the pair shares a code: one AND per level.
    levels = sorted(set(LANGUAGE_SCORE.values()))
    state = np.zeros((len(mentees), len(mentors)), dtype=np.uint8)
    for level in levels:
        a, b = _masks([[c for c, lv in p.languages.items() if LANGUAGE_SCORE[lv] >= level] for p in mentees],
                      [[c for c, lv in p.languages.items() if LANGUAGE_SCORE[lv] >= level] for p in mentors])
        state += _any(a, b)
    no_language = state == 0
    if "languages" in needed:
        out["languages"] = _Criterion.of(state, [0.0, *levels], _flags(bool(p.languages) for p in mentees),
                                         _flags(bool(p.languages) for p in mentors))
    a, b = _masks([p.availability for p in mentees], [p.availability for p in mentors])
    slots = _count(a, b)
    no_time = slots == 0
    if "availability" in needed:
        out["availability"] = _Criterion.of(np.minimum(slots, FULL_TIMES),
                                            [k / FULL_TIMES for k in range(FULL_TIMES + 1)], _has(a), _has(b))
    if "sector" in needed:
        a, b = _masks([p.sectors for p in mentees], [p.sectors for p in mentors])
        out["sector"] = _Criterion.of(_any(a, b), [0.0, 1.0], _has(a), _has(b))
    if "help" in needed:
        # state = covered * R + N (N: the mentee's number of needs, R > N): value covered / N, as assess() divides
        a, b = _masks([p.needs for p in mentees], [p.offers for p in mentors])
        counts = np.array([len(p.needs) for p in mentees], dtype=np.int64)
        r = int(counts.max(initial=0)) + 1
        state = _count(a, b).astype(np.uint32) * r + counts.astype(np.uint32)[:, None]
        values = [(k // r) / (k % r) if k % r else 0.0 for k in range(r * r)]
        out["help"] = _Criterion.of(state, values, _has(a), _has(b))
    if "interests" in needed:
        a, b = _masks([p.interests for p in mentees], [p.interests for p in mentors])
        out["interests"] = _Criterion.of(np.minimum(_count(a, b), FULL_INTERESTS),
                                         [k / FULL_INTERESTS for k in range(FULL_INTERESTS + 1)], _has(a), _has(b))
    if "digital" in needed:
        # state = mentor's rank - mentee's rank + top (0 .. 2 * top)
        top = max(DIGITAL_RANK.values())
        ra = np.array([DIGITAL_RANK.get(p.digital, 0) for p in mentees], dtype=np.uint8)
        rb = np.array([DIGITAL_RANK.get(p.digital, 0) for p in mentors], dtype=np.uint8)
        state = (rb + top)[None, :] - ra[:, None]
        out["digital"] = _Criterion.of(state, [digital_score(top, k) for k in range(2 * top + 1)],
                                       _flags(bool(p.digital) for p in mentees),
                                       _flags(bool(p.digital) for p in mentors))
    if "location" in needed:
        areas = {area: k for k, area in enumerate(sorted({p.area for p in (*mentees, *mentors)}))}
        ia = np.array([areas[p.area] for p in mentees], dtype=np.int64)
        ib = np.array([areas[p.area] for p in mentors], dtype=np.int64)
        out["location"] = _Criterion.of(ia[:, None] == ib[None, :], [0.0, 1.0],
                                        _flags(bool(p.area) for p in mentees), _flags(bool(p.area) for p in mentors))
    return out, no_language, no_time


_TABLE = 1 << 16  # the largest table of a combined lookup


def _weighted_sum(parts: list[tuple[_Criterion, float]], shape: tuple[int, int]) -> np.ndarray:
    """sum(weight * value[state]) over ``parts``, added in their order as assess() adds them (0.0 + a + b + ...):
    the longest first parts whose combined table is small are looked up at once (a mixed-radix code into the
    table of their running sums, the same additions), each further part on its own."""
    table = np.zeros(1)
    code: np.ndarray | None = None
    k = 0
    while k < len(parts) and table.size * parts[k][0].values.size <= _TABLE:
        criterion, weight = parts[k]
        size = criterion.values.size
        table = (table[:, None] + (weight * criterion.values)[None, :]).ravel()
        if code is None:
            code = criterion.state.astype(np.uint16)
        else:
            code *= np.uint16(size)
            code += criterion.state
        k += 1
    total = np.zeros(shape) if code is None else np.take(table, code, mode="clip")
    for criterion, weight in parts[k:]:
        total += np.take(weight * criterion.values, criterion.state, mode="clip")
    return total


@dataclass
class _Pool:
    """Every pair's score and hard constraints (n x m arrays)."""

    scores: np.ndarray  # float64, the weighted mean
    allowed: np.ndarray  # bool
    blocks: dict[str, np.ndarray]  # block code -> bool (n x m): that constraint blocks the pair
    required: dict[str, np.ndarray]  # each of the branch's hard criteria -> bool (n x m): it scores 0


def _pool(mentees: Sequence[Profile], mentors: Sequence[Profile], settings: Settings) -> _Pool:
    n, m = len(mentees), len(mentors)
    weights = {c: settings.weight(c) for c in CRITERIA}
    hard = [c for c in CRITERIA if c in settings.hard and c not in _BUILT_IN]
    criteria, no_language, no_time = _criteria(mentees, mentors, {c for c in CRITERIA if weights[c] > 0} | set(hard))

    scores = _weighted_sum([(criteria[c], weights[c]) for c in SUM_ORDER if weights[c] > 0], (n, m))
    if settings.total_weight:
        scores /= settings.total_weight

    declined = np.zeros((n, m), dtype=bool)
    mentee_index = {p.id: i for i, p in enumerate(mentees)}
    mentor_index = {p.id: j for j, p in enumerate(mentors)}
    for i, p in enumerate(mentees):
        for other in p.declined:
            if other in mentor_index:
                declined[i, mentor_index[other]] = True
    for j, p in enumerate(mentors):
        for other in p.declined:
            if other in mentee_index:
                declined[mentee_index[other], j] = True
    required_by = {c: criteria[c].zero() for c in hard}
    required = np.zeros((n, m), dtype=bool)
    for value in required_by.values():
        required |= value
    ready = _flags(p.ready for p in mentees)[:, None] & _flags(p.ready for p in mentors)[None, :]
    blocks = {"not_ready": ~ready, "declined_before": declined, "no_shared_language": no_language,
              "no_shared_time": no_time, "required": required}
    blocked = ~ready | declined | no_language | no_time | required
    return _Pool(scores, ~blocked, blocks, required_by)


def matrix(mentees: Sequence[Profile], mentors: Sequence[Profile], settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Every pair's score (float64, n x m) and whether it is allowed (bool, n x m): assess() for all pairs."""
    pool = _pool(mentees, mentors, settings)
    return pool.scores, pool.allowed


# --- Assignment -----------------------------------------------------------------------------------------------


def solve(scores: np.ndarray, allowed: np.ndarray, mode: Mode = Mode.SCORE) -> list[tuple[int, int]]:
    """An optimal set of allowed pairs (row, column): SCORE, the highest total score; COUNT, the most pairs
    and among those the highest total. Scores are in [0, 1]."""
    import lap  # LAPJV: loaded by the first proposal only

    n, m = scores.shape
    if n == 0 or m == 0 or not allowed.any():
        return []
    # A forbidden pair costs what leaving both unpaired costs (0): the optimum is a maximum-weight matching of
    # the allowed pairs. COUNT: each pair is worth more than any total of scores (at most min(n, m)).
    cost = np.where(allowed, scores + float(min(n, m) + 1) if mode is Mode.COUNT else scores, 0.0)
    np.negative(cost, out=cost)
    _, x, _ = lap.lapjv(cost, extend_cost=n != m)
    rows = np.flatnonzero(x >= 0)
    cols = x[rows]
    keep = allowed[rows, cols]
    pairs = list(zip(rows[keep].tolist(), cols[keep].tolist(), strict=True))
    if mode is Mode.SCORE:
        pairs += _fill(scores, allowed, pairs)
    return pairs


def _fill(scores: np.ndarray, allowed: np.ndarray, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Allowed pairs among the people an optimal SCORE solution left over (they score 0, or the solution
    would not be optimal): pairing them changes no total, and nobody stays unpaired beside a free partner."""
    rows = np.ones(allowed.shape[0], dtype=bool)
    cols = np.ones(allowed.shape[1], dtype=bool)
    for i, j in pairs:
        rows[i] = cols[j] = False
    left = allowed & rows[:, None] & cols[None, :]
    if not left.any():
        return []
    return _greedy(np.where(left, scores, 0.0), left, Mode.SCORE)


def greedy(scores: np.ndarray, allowed: np.ndarray, mode: Mode = Mode.SCORE) -> list[tuple[int, int]]:
    """The baseline: the best remaining allowed pair first (COUNT: the pair whose two people have the fewest
    allowed partners first, then the best score)."""
    if scores.size == 0:
        return []
    return _greedy(scores, allowed, mode)


def _greedy(scores: np.ndarray, allowed: np.ndarray, mode: Mode) -> list[tuple[int, int]]:
    rows, cols = np.nonzero(allowed)
    values = scores[rows, cols]
    if mode is Mode.COUNT:
        degree = allowed.sum(axis=1)[rows] + allowed.sum(axis=0)[cols]
        order = np.lexsort((cols, rows, -values, degree))
    else:
        order = np.lexsort((cols, rows, -values))
    used_rows = np.zeros(allowed.shape[0], dtype=bool)
    used_cols = np.zeros(allowed.shape[1], dtype=bool)
    limit = min(allowed.shape)
    pairs: list[tuple[int, int]] = []
    for k in order:
        i, j = rows[k], cols[k]
        if not used_rows[i] and not used_cols[j]:
            used_rows[i] = used_cols[j] = True
            pairs.append((int(i), int(j)))
            if len(pairs) == limit:
                break
    return pairs


# --- The proposal ----------------------------------------------------------------------------------------------


def _check_pins(pins: Sequence[Pin], mentees: dict[str, Profile], mentors: dict[str, Profile],
                excluded: set[str]) -> None:
    seen: set[str] = set()
    for pin in pins:
        for person in (pin.mentee_id, pin.mentor_id):
            if person in seen:
                raise InvalidInputError(N_("A person is pinned twice."), {"pins": N_("%(person)s is named twice",
                                                                                      person=person)})
            seen.add(person)
        if pin.mentee_id not in mentees:
            raise InvalidInputError(N_("A pinned mentee is not in the ready pool."),
                                    {"pins": N_("%(mentee_id)s is not a ready mentee of this branch",
                                                 mentee_id=pin.mentee_id)})
        if pin.mentor_id not in mentors:
            raise InvalidInputError(N_("A pinned mentor is not in the ready pool."),
                                    {"pins": N_("%(mentor_id)s is not a ready mentor of this branch",
                                                 mentor_id=pin.mentor_id)})
        for person in (pin.mentee_id, pin.mentor_id):
            if person in excluded:
                raise InvalidInputError(N_("A pinned person is also left out."),
                                        {"pins": N_("%(person)s is also excluded", person=person)})


def _why_unpaired(pool: _Pool, axis: int, people: list[int]) -> list[Reason]:
    """Why each of ``people`` (indexes of one side: rows, axis=1; columns, axis=0) is unpaired:
    no_possible_partner{blocks} when no pair of theirs is allowed (the block codes most frequent first; with
    "required", ``criteria`` names the branch's hard criteria that blocked), else partners_taken{}."""
    if not people:
        return []
    index = np.array(people, dtype=np.intp)

    def side(value: np.ndarray) -> np.ndarray:  # their rows (or columns), as rows
        return value[index] if axis == 1 else value[:, index].T

    possible = side(pool.allowed).any(axis=1)
    counts = {code: side(value).sum(axis=1) for code, value in pool.blocks.items()}
    required = {c: side(value).any(axis=1) for c, value in pool.required.items()}
    reasons: list[Reason] = []
    for k, ok in enumerate(possible):
        if ok:
            reasons.append(Reason("partners_taken", {}))
            continue
        found = sorted((-int(counts[code][k]), n, code) for n, code in enumerate(BLOCK_CODES) if counts[code][k])
        params: dict = {"blocks": [code for _, _, code in found]}
        if "required" in params["blocks"]:
            params["criteria"] = [c for c in CRITERIA if c in required and required[c][k]]
        reasons.append(Reason("no_possible_partner", params))
    return reasons


def _block_text(pair: Assessment) -> str:
    first = pair.blocks[0]
    if first.code == "required":
        return f"the branch requires the criterion {first.params.get('criterion', '')}"
    return _BLOCK_TEXT.get(first.code, first.code)


def propose(mentees: Sequence[Profile], mentors: Sequence[Profile], settings: Settings, mode: Mode = Mode.SCORE,
            pins: Sequence[Pin] = (), excluded: Iterable[str] = ()) -> Proposal:
    """The pool's proposal: the pins kept, the excluded left out, an optimal set of pairs for the rest
    (``mode``), each pair explained, and why each person left is unpaired."""
    mode = Mode(mode)
    excluded = set(excluded)
    by_mentee = {p.id: p for p in mentees}
    by_mentor = {p.id: p for p in mentors}
    _check_pins(pins, by_mentee, by_mentor, excluded)
    pinned_pairs: list[Assessment] = []
    for pin in pins:
        pair = assess(by_mentee[pin.mentee_id], by_mentor[pin.mentor_id], settings)
        if not pair.allowed:
            raise ConflictError(N_("This pin is not possible: %(values)s.",
                                    values=_block_text(pair)), code="pin_not_allowed")
        pinned_pairs.append(pair)
    taken = {p.mentee_id for p in pins} | {p.mentor_id for p in pins}
    a_side = [p for p in mentees if p.id not in excluded]  # people a pin does not take part in the pool's
    b_side = [p for p in mentors if p.id not in excluded]  # reasons (partners taken), not in the solve
    pool = _pool(a_side, b_side, settings)
    if taken:
        rows = np.flatnonzero([p.id not in taken for p in a_side])
        cols = np.flatnonzero([p.id not in taken for p in b_side])
        sub = np.ix_(rows, cols)
        chosen = [(int(rows[i]), int(cols[j])) for i, j in solve(pool.scores[sub], pool.allowed[sub], mode)]
    else:
        chosen = solve(pool.scores, pool.allowed, mode)
    values = pool.scores[[i for i, _ in chosen], [j for _, j in chosen]].tolist()
    order = sorted(range(len(chosen)), key=lambda k: (-values[k], a_side[chosen[k][0]].id))
    pairs = pinned_pairs + [assess(a_side[chosen[k][0]], b_side[chosen[k][1]], settings) for k in order]

    paired = taken | {a_side[i].id for i, _ in chosen} | {b_side[j].id for _, j in chosen}
    unpaired: list[Unpaired] = []
    for people, side, role, axis in ((mentees, a_side, "mentee", 1), (mentors, b_side, "mentor", 0)):
        left = [k for k, p in enumerate(side) if p.id not in paired]
        reasons = dict(zip((side[k].id for k in left), _why_unpaired(pool, axis, left), strict=True))
        unpaired += [Unpaired(p.id, role, Reason("excluded", {}) if p.id in excluded else reasons[p.id])
                     for p in people if p.id not in paired]
    return Proposal(mode, tuple(pairs), frozenset(p.mentee_id for p in pins), tuple(unpaired),
                    float(sum(p.score for p in pairs)))


