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
    UNKNOWN,
    Assessment,
    Profile,
    Reason,
    Settings,
    assess,
)

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


def _rows(sets: Sequence[Iterable[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """A 0/1 matrix: one row per person, one column per code of ``vocabulary``."""
    out = np.zeros((len(sets), max(len(vocabulary), 1)))
    for i, codes in enumerate(sets):
        for code in codes:
            out[i, vocabulary[code]] = 1.0
    return out


def _shared(a_sets: Sequence[Iterable[str]], b_sets: Sequence[Iterable[str]]) -> tuple[np.ndarray, np.ndarray]:
    """How many codes each pair shares (n x m), and whether both sides have any (n x m bool)."""
    vocabulary = {code: i for i, code in enumerate(sorted({c for s in (*a_sets, *b_sets) for c in s}))}
    a, b = _rows(a_sets, vocabulary), _rows(b_sets, vocabulary)
    return a @ b.T, _both(a.sum(axis=1) > 0, b.sum(axis=1) > 0)


def _languages(mentees: Sequence[Profile], mentors: Sequence[Profile]) -> tuple[np.ndarray, np.ndarray]:
    """The best shared working level (min of both sides' LANGUAGE_SCORE, 0 when none) and known-ness.

    min(x, y) >= t exactly when x >= t and y >= t, so the best level is the highest threshold t at which the
    two "speaks at t or better" rows share a code: one matrix product per level."""
    vocabulary = {c: i for i, c in enumerate(sorted({c for p in (*mentees, *mentors) for c in p.languages}))}
    best = np.zeros((len(mentees), len(mentors)))
    for level in sorted(set(LANGUAGE_SCORE.values())):  # lowest first: higher levels overwrite
        at = [lang for lang, s in LANGUAGE_SCORE.items() if s >= level]
        a = _rows([[c for c, lv in p.languages.items() if lv in at] for p in mentees], vocabulary)
        b = _rows([[c for c, lv in p.languages.items() if lv in at] for p in mentors], vocabulary)
        best[(a @ b.T) > 0] = level
    return best, _both([bool(p.languages) for p in mentees], [bool(p.languages) for p in mentors])


def _both(a: Sequence[bool], b: Sequence[bool]) -> np.ndarray:
    """n x m: a[i] and b[j]."""
    return np.array(a, dtype=bool)[:, None] & np.array(b, dtype=bool)[None, :]


@dataclass
class _Pool:
    """Every pair's criterion scores and hard constraints (n x m arrays)."""

    scores: np.ndarray  # float64, the weighted mean
    allowed: np.ndarray  # bool
    blocks: dict[str, np.ndarray]  # block code -> bool (n x m): that constraint blocks the pair
    required: dict[str, np.ndarray]  # each of the branch's hard criteria -> bool (n x m): it scores 0


def _pool(mentees: Sequence[Profile], mentors: Sequence[Profile], settings: Settings) -> _Pool:
    n, m = len(mentees), len(mentors)
    criteria: dict[str, np.ndarray] = {}

    def unknown_or(value: np.ndarray, known: np.ndarray) -> np.ndarray:
        return np.where(known, value, UNKNOWN)

    weights = {c: settings.weight(c) for c in CRITERIA}
    hard = [c for c in CRITERIA if c in settings.hard and c not in _BUILT_IN]
    needed = {c for c in CRITERIA if weights[c] > 0} | set(hard)

    best, known = _languages(mentees, mentors)
    no_language = best == 0
    if "languages" in needed:
        criteria["languages"] = unknown_or(best, known)
    slots, known = _shared([p.availability for p in mentees], [p.availability for p in mentors])
    no_time = slots == 0
    if "availability" in needed:
        criteria["availability"] = unknown_or(np.minimum(slots, FULL_TIMES) / FULL_TIMES, known)
    if "sector" in needed:
        shared, known = _shared([p.sectors for p in mentees], [p.sectors for p in mentors])
        criteria["sector"] = unknown_or((shared > 0).astype(float), known)
    if "help" in needed:
        covered, known = _shared([p.needs for p in mentees], [p.offers for p in mentors])
        counts = np.array([max(len(p.needs), 1) for p in mentees], dtype=float)[:, None]
        criteria["help"] = unknown_or(covered / counts, known)
    if "interests" in needed:
        shared, known = _shared([p.interests for p in mentees], [p.interests for p in mentors])
        criteria["interests"] = unknown_or(np.minimum(shared, FULL_INTERESTS) / FULL_INTERESTS, known)
    if "digital" in needed:
        a = np.array([DIGITAL_RANK.get(p.digital, -9) for p in mentees], dtype=int)[:, None]
        b = np.array([DIGITAL_RANK.get(p.digital, -9) for p in mentors], dtype=int)[None, :]
        d = b - a
        value = np.where(d >= 0, 1.0, np.where(d == -1, 0.5, 0.0))
        criteria["digital"] = unknown_or(value, (a >= 0) & (b >= 0))
    if "location" in needed:
        areas = {area: i for i, area in enumerate(sorted({p.area for p in (*mentees, *mentors)}))}
        a = np.array([areas[p.area] for p in mentees], dtype=int)[:, None]
        b = np.array([areas[p.area] for p in mentors], dtype=int)[None, :]
        known = _both([bool(p.area) for p in mentees], [bool(p.area) for p in mentors])
        criteria["location"] = unknown_or((a == b).astype(float), known)

    total = np.zeros((n, m))
    weight_sum = 0.0
    for c in CRITERIA:  # the same order of additions as assess(): the same floats
        if weights[c] > 0:
            total += weights[c] * criteria[c]
            weight_sum += weights[c]
    scores = total / weight_sum if weight_sum else total

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
    required_by = {c: criteria[c] == 0 for c in hard}
    required = np.zeros((n, m), dtype=bool)
    for value in required_by.values():
        required |= value
    blocks = {"not_ready": ~_both([p.ready for p in mentees], [p.ready for p in mentors]), "declined_before": declined,
              "no_shared_language": no_language, "no_shared_time": no_time, "required": required}
    blocked = np.zeros((n, m), dtype=bool)
    for value in blocks.values():
        blocked |= value
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
    bonus = float(min(n, m) + 1) if mode is Mode.COUNT else 0.0
    cost = np.where(allowed, -(bonus + scores), 0.0)
    _, x, _ = lap.lapjv(cost, extend_cost=True)
    pairs = [(i, int(j)) for i, j in enumerate(x) if j >= 0 and allowed[i, j]]
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
                raise InvalidInputError("A person is pinned twice.", {"pins": f"{person} is named twice"})
            seen.add(person)
        if pin.mentee_id not in mentees:
            raise InvalidInputError("A pinned mentee is not in the ready pool.",
                                    {"pins": f"{pin.mentee_id} is not a ready mentee of this branch"})
        if pin.mentor_id not in mentors:
            raise InvalidInputError("A pinned mentor is not in the ready pool.",
                                    {"pins": f"{pin.mentor_id} is not a ready mentor of this branch"})
        for person in (pin.mentee_id, pin.mentor_id):
            if person in excluded:
                raise InvalidInputError("A pinned person is also left out.", {"pins": f"{person} is also excluded"})


def _why_unpaired(pool: _Pool, axis: int) -> list[Reason]:
    """For each person of one side (rows: axis=1, columns: axis=0): no_possible_partner{blocks} when no pair
    is allowed (the block codes most frequent first; with "required", ``criteria`` names the branch's hard
    criteria that blocked), else partners_taken{} (read only for those who end unpaired)."""
    possible = pool.allowed.any(axis=axis)
    counts = {code: value.sum(axis=axis) for code, value in pool.blocks.items()}
    required = {c: value.any(axis=axis) for c, value in pool.required.items()}
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
            raise ConflictError(f"This pin is not possible: {_block_text(pair)}.", code="pin_not_allowed")
        pinned_pairs.append(pair)
    taken = {p.mentee_id for p in pins} | {p.mentor_id for p in pins}
    a_side = [p for p in mentees if p.id not in excluded]  # people a pin does not take part in the pool's
    b_side = [p for p in mentors if p.id not in excluded]  # reasons (partners taken), not in the solve
    pool = _pool(a_side, b_side, settings)
    free_a = np.array([p.id not in taken for p in a_side], dtype=bool)
    free_b = np.array([p.id not in taken for p in b_side], dtype=bool)
    rows, cols = np.flatnonzero(free_a), np.flatnonzero(free_b)
    sub = np.ix_(rows, cols)
    chosen = [(int(rows[i]), int(cols[j])) for i, j in solve(pool.scores[sub], pool.allowed[sub], mode)]
    chosen.sort(key=lambda ij: (-pool.scores[ij], a_side[ij[0]].id))
    pairs = pinned_pairs + [assess(a_side[i], b_side[j], settings) for i, j in chosen]

    paired = taken | {a_side[i].id for i, _ in chosen} | {b_side[j].id for _, j in chosen}
    unpaired: list[Unpaired] = []
    for people, side, role, axis in ((mentees, a_side, "mentee", 1), (mentors, b_side, "mentor", 0)):
        reasons = dict(zip((p.id for p in side), _why_unpaired(pool, axis), strict=True))
        unpaired += [Unpaired(p.id, role, Reason("excluded", {}) if p.id in excluded else reasons[p.id])
                     for p in people if p.id not in paired]
    return Proposal(mode, tuple(pairs), frozenset(p.mentee_id for p in pins), tuple(unpaired),
                    float(sum(p.score for p in pairs)))


