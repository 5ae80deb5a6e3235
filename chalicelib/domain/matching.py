"""Matching: which mentor suits which mentee, and why (decision support: people decide).

Pure Python, no NumPy: hard constraints filter a pair, a weighted sum of criterion scores in [0, 1] ranks
the rest, and every score carries its reasons as codes the console puts into words. Nothing protected
(migration background, nationality, origin, religion, gender, age) is ever read: a ``Profile`` holds only
what the criteria use. The whole pool's proposal (NumPy and LAPJV) is in ``domain/assignment.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from typing import Any

from chalicelib.domain.candidates import AVAILABILITY, DAYS, Candidate

# The criteria a branch weighs, in the order the console shows them.
CRITERIA = ("sector", "languages", "availability", "help", "interests", "digital", "location")
DEFAULT_WEIGHTS = {"sector": 3, "languages": 2, "availability": 2, "help": 3, "interests": 1, "digital": 1,
                   "location": 1}
DEFAULT_HARD: tuple[str, ...] = ()  # criteria a branch makes hard constraints (beyond the built-in ones)
MAX_WEIGHT = 10
LANGUAGE_SCORE = {"conversational": 0.5, "fluent": 0.8, "native": 1.0}  # the working levels (WORKING_LEVELS)
DIGITAL_RANK = {"basic": 0, "everyday": 1, "advanced": 2}
SLOT_TIMES = {"morning": (10, 0), "afternoon": (14, 0), "evening": (18, 30)}
UNKNOWN = 0.5  # a criterion whose data is missing on either side
FULL_TIMES = 3  # shared weekly slots for a full availability score
FULL_INTERESTS = 2  # shared interests for a full interests score
# Built-in hard constraints that a criterion's zero already means: "required" is not repeated for them.
_BUILT_IN = {"languages": "no_shared_language", "availability": "no_shared_time"}
# The order the weighted criteria are added in (assess() here, the pool's matrix in domain/assignment.py: the
# same additions give the same floats). Those with few distinct values come first, so that the pool's scoring
# looks them up in one table.
SUM_ORDER = ("sector", "location", "interests", "digital", "languages", "availability", "help")
assert sorted(SUM_ORDER) == sorted(CRITERIA)
_DAY_INDEX = {day: i for i, day in enumerate(DAYS)}
Scorer = Callable[["Profile", "Profile"], tuple[float, list["Reason"], list["Reason"]]]


@dataclass(frozen=True)
class Settings:
    """A branch's weights (criterion -> 0..MAX_WEIGHT) and its own hard criteria."""

    weights: dict[str, float]
    hard: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> Settings:
        """``config``: the branch's effective configuration; its ``matching`` section merges over the defaults."""
        section = (config or {}).get("matching") or {}
        given = section.get("weights") or {}
        weights = {c: float(given.get(c, DEFAULT_WEIGHTS[c])) for c in CRITERIA}
        hard = section.get("hard", DEFAULT_HARD) or ()
        return cls(weights, frozenset(c for c in hard if c in CRITERIA))

    @classmethod
    def default(cls) -> Settings:
        return cls.from_config({})

    def weight(self, criterion: str) -> float:
        return float(self.weights.get(criterion, 0) or 0)

    @cached_property
    def _plan(self) -> tuple[tuple[str, float, bool, Scorer], ...]:
        """The criteria assess() evaluates, in order: (criterion, weight, a hard rule?, its scorer)."""
        plan = []
        for criterion in CRITERIA:
            weight, hard = self.weight(criterion), criterion in self.hard and criterion not in _BUILT_IN
            if weight > 0 or hard:
                plan.append((criterion, weight, hard, _SCORERS[criterion]))
        return tuple(plan)

    @cached_property
    def total_weight(self) -> float:
        """The sum of the weights (added in SUM_ORDER)."""
        total = 0.0
        for criterion in SUM_ORDER:
            weight = self.weight(criterion)
            if weight > 0:
                total += weight
        return total


@dataclass(frozen=True)
class Profile:
    """What matching may see of a person: the criteria's data and nothing protected (no name, age, gender,
    nationality, origin, religion, migration background, contact details or notes)."""

    id: str
    role: str  # "mentee" | "mentor"
    ready: bool = True
    ready_since: str = ""
    languages: dict[str, str] = field(default_factory=dict)  # code -> level, working levels only
    sectors: frozenset[str] = frozenset()
    availability: frozenset[str] = frozenset()  # AVAILABILITY codes
    needs: frozenset[str] = frozenset()  # a mentee's help needs
    offers: frozenset[str] = frozenset()  # what a mentor can help with
    interests: frozenset[str] = frozenset()
    digital: str = ""  # "" or a DIGITAL_RANK key
    area: str = ""  # the postcode's first two characters, uppercased ("" unknown)
    declined: frozenset[str] = frozenset()  # ids never to be paired with again


def _codes(values: Any) -> frozenset[str]:
    return frozenset(v for v in values or () if isinstance(v, str) and v)


def _language(entry: Any) -> tuple[str, str]:
    if isinstance(entry, dict):
        return str(entry.get("code", "")), str(entry.get("level", ""))
    return str(getattr(entry, "code", "")), str(getattr(entry, "level", ""))


def profile(c: Candidate) -> Profile:
    """The matching profile of a candidate: reads the criteria's fields only (never birth date, name,
    contact details, city, how they heard of us, notes or anything else)."""
    intake = c.intake if isinstance(c.intake, dict) else {}
    languages: dict[str, str] = {}
    for entry in c.languages or ():
        code, level = _language(entry)
        if code and level in LANGUAGE_SCORE and LANGUAGE_SCORE[level] > LANGUAGE_SCORE.get(languages.get(code, ""), 0):
            languages[code] = level
    digital = intake.get("digital_skills") or ""
    postcode = "".join(str(c.postcode or "").split()).upper()
    return Profile(
        id=c.id,
        role=str(c.role),
        ready=c.status == "ready",
        ready_since=c.status_since or "",
        languages=languages,
        sectors=_codes(c.sectors),
        availability=frozenset(s for s in _codes(c.availability) if s in AVAILABILITY),
        needs=_codes(c.help_needs),
        offers=_codes(intake.get("help_offers")),
        interests=_codes(intake.get("interests")),
        digital=digital if digital in DIGITAL_RANK else "",
        area=postcode[:2] if len(postcode) >= 2 else "",
        declined=_codes(c.declined_with),
    )


@dataclass(frozen=True)
class Reason:
    """Why, as a code the console puts into words; params hold codes or lists of codes."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    score: float  # in [0, 1]
    weight: float
    pros: tuple[Reason, ...] = ()
    cons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Assessment:
    mentee_id: str
    mentor_id: str
    allowed: bool  # no hard constraint blocks the pair
    blocks: tuple[Reason, ...]
    criteria: tuple[CriterionScore, ...]  # the criteria with a weight, in CRITERIA order
    score: float  # the weighted mean of the criteria, in [0, 1]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


_NOT_RECORDED = Reason("not_recorded", {})


def _sorted(codes: Any) -> list[str]:
    return sorted(codes)


def _sector(a: Profile, b: Profile) -> tuple[float, list[Reason], list[Reason]]:
    if not a.sectors or not b.sectors:
        return UNKNOWN, [], [_NOT_RECORDED]
    shared = a.sectors & b.sectors
    if shared:
        return 1.0, [Reason("same_sector", {"sectors": _sorted(shared)})], []
    return 0.0, [], [Reason("different_sector", {"mentee": _sorted(a.sectors), "mentor": _sorted(b.sectors)})]


def _languages(a: Profile, b: Profile) -> tuple[float, list[Reason], list[Reason]]:
    if not a.languages or not b.languages:
        return UNKNOWN, [], [_NOT_RECORDED]
    both = {code: min(LANGUAGE_SCORE[a.languages[code]], LANGUAGE_SCORE[b.languages[code]])
            for code in a.languages.keys() & b.languages.keys()}
    if not both:
        return 0.0, [], [Reason("no_shared_language", {})]
    best = max(both.values())
    codes = sorted(both, key=lambda code: (-both[code], code))
    cons = [Reason("conversational_only", {"languages": codes})] if best == LANGUAGE_SCORE["conversational"] else []
    return best, [Reason("shared_languages", {"languages": codes})], cons


def _availability(a: Profile, b: Profile) -> tuple[float, list[Reason], list[Reason]]:
    if not a.availability or not b.availability:
        return UNKNOWN, [], [_NOT_RECORDED]
    slots = shared_slots(a, b)
    if not slots:
        return 0.0, [], [Reason("no_shared_time", {})]
    pros = [Reason("shared_times", {"slots": slots})]
    cons = [Reason("few_shared_times", {"slots": slots})] if len(slots) < FULL_TIMES else []
    return min(len(slots), FULL_TIMES) / FULL_TIMES, pros, cons


def _help(a: Profile, b: Profile) -> tuple[float, list[Reason], list[Reason]]:
    if not a.needs or not b.offers:
        return UNKNOWN, [], [_NOT_RECORDED]
    covered, uncovered = a.needs & b.offers, a.needs - b.offers
    pros = [Reason("can_help_with", {"needs": _sorted(covered)})] if covered else []
    cons = [Reason("cannot_help_with", {"needs": _sorted(uncovered)})] if uncovered else []
    return len(covered) / len(a.needs), pros, cons


def _interests(a: Profile, b: Profile) -> tuple[float, list[Reason], list[Reason]]:
    if not a.interests or not b.interests:
        return UNKNOWN, [], [_NOT_RECORDED]
    shared = a.interests & b.interests
    if not shared:
        return 0.0, [], [Reason("no_shared_interests", {})]
    return min(len(shared), FULL_INTERESTS) / FULL_INTERESTS, [Reason("shared_interests",
                                                                       {"interests": _sorted(shared)})], []


def digital_score(mentee_rank: int, mentor_rank: int) -> float:
    """The mentor at least as much at ease -> 1, one level less -> 0.5, two levels less -> 0."""
    d = mentor_rank - mentee_rank
    return 1.0 if d >= 0 else (0.5 if d == -1 else 0.0)


def _digital(a: Profile, b: Profile) -> tuple[float, list[Reason], list[Reason]]:
    if not a.digital or not b.digital:
        return UNKNOWN, [], [_NOT_RECORDED]
    d = DIGITAL_RANK[b.digital] - DIGITAL_RANK[a.digital]
    score = digital_score(DIGITAL_RANK[a.digital], DIGITAL_RANK[b.digital])
    if d >= 1:
        return score, [Reason("digital_support", {"mentee": a.digital, "mentor": b.digital})], []
    if d == 0:
        return score, [Reason("digital_match", {"level": a.digital})], []
    return score, [], [Reason("mentor_less_digital", {"mentee": a.digital, "mentor": b.digital})]


def _location(a: Profile, b: Profile) -> tuple[float, list[Reason], list[Reason]]:
    if not a.area or not b.area:
        return UNKNOWN, [], [_NOT_RECORDED]
    if a.area == b.area:
        return 1.0, [Reason("same_area", {"area": a.area})], []
    return 0.0, [], [Reason("different_area", {"mentee": a.area, "mentor": b.area})]


_SLOT_ORDER = {slot: k for k, slot in enumerate(AVAILABILITY)}
_SCORERS = {"sector": _sector, "languages": _languages, "availability": _availability, "help": _help,
            "interests": _interests, "digital": _digital, "location": _location}


def assess(mentee: Profile, mentor: Profile, settings: Settings) -> Assessment:
    """The pair's hard-constraint blocks, each weighted criterion's score with its reasons, and the score."""
    blocks: list[Reason] = []
    if not mentee.ready:
        blocks.append(Reason("not_ready", {"role": "mentee"}))
    if not mentor.ready:
        blocks.append(Reason("not_ready", {"role": "mentor"}))
    if mentor.id in mentee.declined or mentee.id in mentor.declined:
        blocks.append(Reason("declined_before", {}))
    if not mentee.languages.keys() & mentor.languages.keys():
        blocks.append(Reason("no_shared_language", {}))
    if not mentee.availability & mentor.availability:
        blocks.append(Reason("no_shared_time", {}))
    criteria: list[CriterionScore] = []
    parts: dict[str, float] = {}
    for criterion, weight, hard, scorer in settings._plan:
        score, pros, cons = scorer(mentee, mentor)
        if hard and score == 0:
            blocks.append(Reason("required", {"criterion": criterion}))
        if weight > 0:
            criteria.append(CriterionScore(criterion, score, weight, tuple(pros), tuple(cons)))
            parts[criterion] = weight * score
    total = 0.0
    for criterion in SUM_ORDER:
        if criterion in parts:
            total += parts[criterion]
    weights = settings.total_weight
    return Assessment(mentee.id, mentor.id, not blocks, tuple(blocks), tuple(criteria),
                      total / weights if weights else 0.0)


def rank(person: Profile, others: Sequence[Profile], settings: Settings) -> list[Assessment]:
    """``person``'s possible partners (the other role), allowed first by score (highest first), then the one
    waiting longest (ready_since, unknown last), then id; the blocked ones after, in the same order."""
    rows: list[tuple[Assessment, Profile]] = []
    for other in others:
        if other.role == person.role or other.id == person.id:
            continue
        pair = assess(person, other, settings) if person.role == "mentee" else assess(other, person, settings)
        rows.append((pair, other))
    rows.sort(key=lambda r: (not r[0].allowed, -r[0].score, r[1].ready_since == "", r[1].ready_since, r[1].id))
    return [pair for pair, _ in rows]


def shared_slots(a: Profile, b: Profile) -> list[str]:
    """The weekly slots both are free, in AVAILABILITY order (Monday morning first)."""
    return sorted(a.availability & b.availability, key=_SLOT_ORDER.__getitem__)


def suggest_first_meeting(slots: Sequence[str], now_local: datetime, min_days: int = 2) -> datetime:
    """The earliest occurrence of one of ``slots`` (at SLOT_TIMES) at least ``min_days`` after ``now_local``;
    without a (known) slot, the first weekday at 14:00 that far ahead. Local time in, local time out."""
    earliest = now_local + timedelta(days=min_days)
    wanted: list[tuple[int, tuple[int, int]]] = []
    for slot in slots:
        day, _, part = slot.partition("_")
        if day in _DAY_INDEX and part in SLOT_TIMES:
            wanted.append((_DAY_INDEX[day], SLOT_TIMES[part]))
    if not wanted:
        wanted = [(day, SLOT_TIMES["afternoon"]) for day in range(5)]
    options = []
    for offset in range(8):  # a week on from the earliest day covers every weekday, whatever the time of day
        day = earliest.date() + timedelta(days=offset)
        for weekday, (hour, minute) in wanted:
            if day.weekday() == weekday:
                moment = datetime.combine(day, time(hour, minute), tzinfo=now_local.tzinfo)
                if moment >= earliest:
                    options.append(moment)
    return min(options)
