"""Request and response models of signup and info sessions: the public forms, sessions, registrations and the
candidates of a session. Apart from ``schemas`` so that a route that serves none of them does not build them
(``SignupIn``, a tagged union, is built when this module is imported)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, RootModel, field_validator

from chalicelib.api.schemas import Email, Language, Out, PageQuery, SpokenLanguageIn, Strict, Text
from chalicelib.domain.candidates import (
    EDUCATION_LEVELS,
    HEARD_FROM,
    LOOKING_FOR,
    MAX_LANGUAGES,
    MAX_SECTORS,
    SECTORS,
)
from chalicelib.domain.texts import N_

# --- Signup (public): one body for the JSON API and, translated from the form, for the pages ---
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _SignupBase(Strict):
    session_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]
    name: Text
    email: Email
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ()./-]{6,20}$")]
    birth_date: date
    postcode: Annotated[str, Field(pattern=r"^[A-Za-z0-9 -]{3,10}$")]
    city: Annotated[str, Field(min_length=1, max_length=80)]
    languages: list[SpokenLanguageIn] = Field(min_length=1, max_length=MAX_LANGUAGES)
    heard_from: Literal[HEARD_FROM]  # type: ignore[valid-type]
    consent: Literal[True] = Field(description="The candidate agrees to the branch's privacy notice.")
    language: Language | None = Field(None, description="The language we write to them in (default: the branch's).")
    website: Annotated[str, Field(max_length=200)] = Field("", description="Leave empty (a trap for robots).")

    @field_validator("name", "city")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError(N_("Use letters, digits and punctuation only."))
        return value

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value < date(1900, 1, 1) or value > date.today():
            raise ValueError(N_("This date of birth is not possible."))
        return value

    @field_validator("languages")
    @classmethod
    def _each_language_once(cls, value: list[SpokenLanguageIn]) -> list[SpokenLanguageIn]:
        if len({lang.code for lang in value}) != len(value):
            raise ValueError(N_("Name each language once."))
        return value


class MenteeSignup(_SignupBase):
    role: Literal["mentee"]
    looking_for: list[Literal[LOOKING_FOR]] = Field(min_length=1, max_length=3)  # type: ignore[valid-type]
    sectors: list[Literal[SECTORS]] = Field(default_factory=list, max_length=MAX_SECTORS)  # type: ignore[valid-type]
    education_level: Literal[EDUCATION_LEVELS]  # type: ignore[valid-type]
    work_permit: bool
    migration_background: bool = Field(description="Self-declared; used for the eligibility check, never stored.")


class MentorSignup(_SignupBase):
    role: Literal["mentor"]
    profession: Annotated[str, Field(min_length=1, max_length=120)]
    sectors: list[Literal[SECTORS]] = Field(min_length=1, max_length=MAX_SECTORS)  # type: ignore[valid-type]
    available_six_months: bool


SignupIn = RootModel[Annotated[MenteeSignup | MentorSignup, Field(discriminator="role")]]


class SessionPublic(Out):
    id: str
    starts_at: str = Field(description="UTC, ISO 8601.")
    local_start: str = Field(description="In the branch's time zone, ISO 8601 with offset.")
    ends_at: str
    format: Literal["in_person", "online"]
    address: str
    link: str
    language: Language
    audience: Literal["mentees", "mentors", "both"]
    seats_left: int


class SessionList(Out):
    items: list[SessionPublic]


class RoleQuery(Strict):
    role: Literal["mentee", "mentor"] | None = None


class SignupReceiptOut(Out):
    status: Literal["received"] = "received"
    session: SessionPublic
    message: str


# --- Info sessions and candidates (staff) ---
class InfoSessionIn(Strict):
    starts_at: datetime = Field(description="Local time of the branch (2026-12-03T18:30) or with an offset.")
    duration_minutes: Annotated[int, Field(ge=15, le=480)] = None  # type: ignore[assignment]
    format: Literal["in_person", "online"]
    address: Annotated[str, Field(max_length=200)] = ""
    link: Annotated[str, Field(max_length=300, pattern=r"^(https://\S+)?$")] = ""
    language: Language
    audience: Literal["mentees", "mentors", "both"] = "both"
    capacity: Annotated[int, Field(ge=1, le=1000)] = None  # type: ignore[assignment]


class InfoSessionPatch(Strict):
    starts_at: datetime = None  # type: ignore[assignment]
    duration_minutes: Annotated[int, Field(ge=15, le=480)] = None  # type: ignore[assignment]
    format: Literal["in_person", "online"] = None  # type: ignore[assignment]
    address: Annotated[str, Field(max_length=200)] = None  # type: ignore[assignment]
    link: Annotated[str, Field(max_length=300, pattern=r"^(https://\S+)?$")] = None  # type: ignore[assignment]
    language: Language = None  # type: ignore[assignment]
    audience: Literal["mentees", "mentors", "both"] = None  # type: ignore[assignment]
    capacity: Annotated[int, Field(ge=1, le=1000)] = None  # type: ignore[assignment]


class InfoSessionOut(SessionPublic):
    capacity: int
    seats_taken: int
    status: Literal["scheduled", "cancelled"]
    duration_minutes: int
    created_at: str
    updated_at: str
    notified: int = Field(0, description="Registrants told by mail of this change.")


class InfoSessionPage(Out):
    items: list[InfoSessionOut]
    next: str | None = None


class SessionsQuery(PageQuery):
    include_past: bool = False


class RegistrationOut(Out):
    candidate_id: str
    name: str
    email: str
    role: Literal["mentee", "mentor"]
    language: Language
    status: Literal["registered", "cancelled", "attended", "no_show"]
    registered_at: str


class RegistrationList(Out):
    items: list[RegistrationOut]


class CandidateSummary(Out):
    id: str
    name: str
    email: str
    phone: str
    role: Literal["mentee", "mentor"]
    status: str
    city: str
    session_id: str
    created_at: str


class CandidatePage(Out):
    items: list[CandidateSummary]
    next: str | None = None


class CandidatesQuery(PageQuery):
    role: Literal["mentee", "mentor"] | None = None
    status: Literal["registered", "withdrawn"] | None = None
