"""Bodies and answers of the people routes (attendance, intake, training, coordinators, search, caseload)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from chalicelib.api.schemas import Out, PageQuery, SpokenLanguageIn, Strict
from chalicelib.domain.branches import CODE_PATTERN
from chalicelib.domain.candidates import (
    AVAILABILITY,
    DIGITAL_LEVELS,
    INTERESTS,
    MAX_INTERESTS,
    MAX_LANGUAGES,
    MAX_SECTORS,
    SECTORS,
)
from chalicelib.domain.intake import NOT_SUITABLE_REASONS

Version = Annotated[int, Field(ge=0, description="The version of the record the caller last read.")]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
StaffId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]
FreeText = Annotated[str, Field(max_length=5000)]  # the branch's limit is checked by the service
# Codes the service checks against their list (one clear message at the field); the schema documents the list.
Interest = Annotated[str, Field(max_length=40, json_schema_extra={"enum": list(INTERESTS)})]


class AttendanceIn(Strict):
    attended: bool
    version: Version


class IntakeScheduleIn(Strict):
    at: datetime = Field(description="When the intake interview takes place (the branch's local time if naive).")
    version: Version


class IntakeIn(Strict):
    experience: FreeText = ""
    expectations: FreeText = ""
    help_needs: list[Code] = Field(default_factory=list, max_length=40, description="Mentees only.")
    availability: list[Literal[AVAILABILITY]] = Field(default_factory=list, max_length=21)  # type: ignore[valid-type]
    languages: list[SpokenLanguageIn] = Field(default_factory=list, max_length=MAX_LANGUAGES)
    sectors: list[Literal[SECTORS]] = Field(default_factory=list, max_length=MAX_SECTORS)  # type: ignore[valid-type]
    help_offers: list[Code] = Field(
        default_factory=list, max_length=40,
        description="Mentors only: what they can help with, chosen from the branch's help needs "
                    "(config.intake.help_needs, the list mentees' needs come from).")
    interests: list[Interest] = Field(
        default_factory=list, max_length=40,
        description=f"Both roles: at most {MAX_INTERESTS} interests, each once, among {', '.join(INTERESTS)}.")
    digital_skills: Annotated[str, Field(max_length=20, json_schema_extra={"enum": ["", *DIGITAL_LEVELS]})] = Field(
        "", description="Both roles: how much at ease with computers and phones: "
                        f"{', '.join(DIGITAL_LEVELS)} (empty: not recorded).")
    notes: FreeText = Field("", description="Personality notes.")
    decision: Literal["ready", "not_suitable", "withdrawn"]
    reason: Literal[NOT_SUITABLE_REASONS] | None = Field(  # type: ignore[valid-type]
        None, description="Required for not_suitable.")
    version: Version


class TrainingIn(Strict):
    module: Code
    completed_on: date | None = Field(description="null undoes the module.")
    version: Version


class WithdrawIn(Strict):
    version: Version


class CoordinatorIn(Strict):
    coordinator_id: StaffId
    version: Version


class CaseloadIn(Strict):
    from_: StaffId = Field(alias="from")
    to: StaffId


class EventsQuery(PageQuery):
    pass


class SearchQuery(Strict):
    q: Annotated[str, Field(max_length=100)] = ""
    limit: Annotated[int, Field(ge=1, le=50)] = 20


class LanguageOut(Out):
    code: str
    level: str


class ReadinessOut(Out):
    modules: list[str]
    required: list[str]
    done: list[str]
    missing: list[str]
    complete: bool


class PersonOut(Out):
    id: str
    role: str
    status: str
    status_since: str
    version: int
    name: str
    email: str
    phone: str
    birth_date: str
    postcode: str
    city: str
    language: str
    languages: list[LanguageOut]
    session_id: str
    looking_for: list[str]
    sectors: list[str]
    education_level: str
    work_permit: bool | None
    profession: str
    available_six_months: bool | None
    heard_from: str
    coordinator_id: str
    intake: dict | None
    training: dict[str, str]
    help_needs: list[str]
    availability: list[str]
    duo_id: str
    duo_ids: list[str]
    declined_with: list[str]
    created_at: str
    updated_at: str
    readiness: ReadinessOut | None
    restricted: dict | None = Field(None, description="Processing restricted at the person's request (GDPR art. "
                                                      "18): {at, by}; null when not.")


class EventOut(Out):
    id: str
    kind: str
    actor: str
    at: str
    fields: list[str]
    data: dict


class EventPage(Out):
    items: list[EventOut]
    next: str | None = None


class SearchHit(Out):
    id: str
    name: str
    email: str
    phone: str
    role: str
    status: str
    coordinator_id: str
    duo_id: str


class SearchResult(Out):
    items: list[SearchHit]


class CaseloadOut(Out):
    candidates: int
    duos: int

