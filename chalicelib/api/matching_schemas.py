"""Request and response models of the matching routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from chalicelib.api.duo_schemas import Id
from chalicelib.api.schemas import Out, Strict

Mode = Literal["score", "count"]
MAX_PINS = 200
MAX_EXCLUDED = 2000
# A wall-clock time in the branch's time zone, without an offset (RFC 3339's date-time requires one).
LocalDateTime = Annotated[datetime, WithJsonSchema(
    {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
     "description": "Branch-local wall time, no offset"})]


class RankQuery(Strict):
    include_blocked: bool = Field(False, description="Also list the people a hard constraint excludes, and why.")
    limit: Annotated[int, Field(ge=1, le=500)] = 50


class ReasonOut(Out):
    code: str
    params: dict[str, Any]
    text: str = Field(description="The reason in words, in the language of Accept-Language (en, nl, fr).")


class CriterionOut(Out):
    criterion: str
    name: str
    score: float = Field(description="0 to 1.")
    weight: float
    pros: list[ReasonOut]
    cons: list[ReasonOut]


class PersonRef(Out):
    id: str
    role: str
    name: str
    status: str
    ready_since: str | None = None


class RankedOut(Out):
    candidate: PersonRef
    score: int = Field(description="The weighted score, 0 to 100.")
    allowed: bool = Field(description="False: a hard constraint excludes the pair (see blocks).")
    blocks: list[ReasonOut]
    criteria: list[CriterionOut]
    suggested_first_meeting: LocalDateTime | None = Field(
        None, description="Branch-local: the first shared weekly time at least two days ahead.")


class SettingsOut(Out):
    weights: dict[str, float]
    hard: list[str]


class RankingOut(Out):
    person: PersonRef
    settings: SettingsOut
    allowed: int = Field(description="How many of the other side's ready people pass the hard constraints.")
    blocked: int
    ranked: list[RankedOut]


class PinIn(Strict):
    mentee_id: Id
    mentor_id: Id


class ProposalIn(Strict):
    mode: Mode = Field("score", description="score: the highest total score; count: the most people paired "
                                            "(then the highest score).")
    pins: list[PinIn] = Field(default_factory=list, max_length=MAX_PINS, description="Pairs the team wants.")
    exclude: list[Id] = Field(default_factory=list, max_length=MAX_EXCLUDED,
                              description="People to leave out of this proposal.")


class PairOut(Out):
    mentee: PersonRef
    mentor: PersonRef
    score: int = Field(description="As proposed, 0 to 100.")
    pinned: bool
    state: Literal["open", "accepted", "unavailable"]
    duo_id: str | None = None
    suggested_first_meeting: LocalDateTime | None = None
    blocks: list[ReasonOut]
    criteria: list[CriterionOut]


class UnpairedOut(Out):
    candidate: PersonRef | None
    role: str
    reason: ReasonOut


class ProposalOut(Out):
    id: str
    mode: Mode
    created_at: str
    total_score: float = Field(description="The sum of the proposed pairs' scores (each 0 to 1).")
    pairs: list[PairOut]
    unpaired: list[UnpairedOut]
    pins: list[list[str]]
    excluded: list[str]
    accepted: int = Field(description="Pairs of this proposal the team accepted.")
    overridden: int = Field(description="People of this proposal the team paired otherwise.")


class AcceptPairIn(Strict):
    mentee_id: Id
    first_meeting_at: datetime | None = Field(None, description="Branch-local; default: the suggested time.")


class AcceptIn(Strict):
    pairs: list[AcceptPairIn] | None = Field(None, max_length=MAX_PINS,
                                             description="The pairs to accept; omitted: every open pair.")


class AcceptResult(Out):
    mentee_id: str
    mentor_id: str
    status: str = Field(description="paired, or why not (mentor_busy, not_ready, already_paired, ...).")
    message: str
    duo_id: str | None = None


class AcceptOut(Out):
    paired: int
    results: list[AcceptResult]


class ChangeOut(Out):
    mentee: PersonRef
    before: PersonRef | None
    after: PersonRef | None


class PreviewOut(Out):
    current: SettingsOut
    preview: SettingsOut
    pool: dict[str, int]
    before: dict[str, float]
    after: dict[str, float]
    changes: list[ChangeOut]
