"""Request and response models: they validate requests and generate ``/openapi.json``.

Unknown fields are refused. The configuration models are partial on purpose: onboarding and
updates send only what differs from the country's defaults, and responses carry the merged
result, so one set of models serves both.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator

from chalicelib.domain.branches import BRANCH_ID_PATTERN, CODE_PATTERN, SERVICES
from chalicelib.domain.candidates import (
    LANGUAGE_LEVELS,
    SPOKEN_LANGUAGES,
)
from chalicelib.domain.matching import CRITERIA, MAX_WEIGHT
from chalicelib.domain.texts import N_

Language = Literal["nl", "fr", "en"]
Country = Literal["BE", "FR", "NL"]
Service = Literal[SERVICES]  # type: ignore[valid-type]
StaffRoleName = Literal["coordinator", "branch_admin"]
Age = Annotated[int, Field(ge=14, le=120)]
Email = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
_ORIGIN = re.compile(r"^(https://[a-z0-9.-]+|http://(localhost|127\.0\.0\.1))(:\d{1,5})?$")


class Strict(BaseModel):
    """Input models: unknown fields are refused. A field typed without ``| None`` may be left
    out but not sent as null (only a null that means something, like "no maximum age", is taken).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class MenteeEligibility(Strict):
    min_age: Age = None  # type: ignore[assignment]
    max_age: Age | None = Field(None, description="null: no maximum.")
    requires_work_permit: bool = None  # type: ignore[assignment]
    requires_migration_background: bool = None  # type: ignore[assignment]
    languages_any: list[Language] = Field(None, description="The mentee speaks at least one of these.")


class MentorEligibility(Strict):
    min_age: Age = None  # type: ignore[assignment]
    max_age: Age | None = Field(None, description="null: no maximum.")
    languages_any: list[Language] = None  # type: ignore[assignment]
    requires_six_months: bool = None  # type: ignore[assignment]


class Eligibility(Strict):
    mentee: MenteeEligibility = None  # type: ignore[assignment]
    mentor: MentorEligibility = None  # type: ignore[assignment]


class InfoSessionDefaults(Strict):
    duration_minutes: Annotated[int, Field(ge=15, le=480)] = None  # type: ignore[assignment]
    capacity: Annotated[int, Field(ge=1, le=1000)] = None  # type: ignore[assignment]
    formats: list[Literal["in_person", "online"]] = Field(None, min_length=1)


PerLanguageText = dict[Language, Annotated[str, Field(max_length=500)]]


class SignupSettings(Strict):
    privacy_notice_version: Annotated[str, Field(min_length=1, max_length=20)] = None  # type: ignore[assignment]
    reconsent_required: bool = Field(None, description="A new notice version needs everyone's consent again.")
    privacy_notice_since: Annotated[str, Field(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = Field(
        None, description="The day the current notice version was set (kept by the service when the version changes)."
    )
    privacy_notice_url: dict[Language, Annotated[str, Field(max_length=300, pattern=r"^(https://\S+)?$")]] = Field(
        None, description="The privacy notice per language (https)."
    )
    elsewhere: PerLanguageText = Field(
        None, description="Where else to turn, per language, shown to someone the programme is not for."
    )
    max_text_length: Annotated[int, Field(ge=40, le=1000)] = None  # type: ignore[assignment]


class Retention(Strict):
    candidate_months: Annotated[int, Field(ge=1, le=120)] = None  # type: ignore[assignment]
    after_outcome_months: Annotated[int, Field(ge=1, le=120)] = None  # type: ignore[assignment]


class Target(Strict):
    duos: Annotated[int, Field(ge=0, le=100000)] | None = None
    mentees: Annotated[int, Field(ge=0, le=100000)] | None = None
    mentors: Annotated[int, Field(ge=0, le=100000)] | None = None


Code = Annotated[str, Field(pattern=CODE_PATTERN)]


class TrainingModule(Strict):
    code: Code
    name: Annotated[str, Field(max_length=80)] = Field("", description="Shown instead of the code's built-in label.")
    required: bool = True


class TrainingSettings(Strict):
    modules: list[TrainingModule] = Field(None, max_length=30, description="The mentor training, in order.")

    @field_validator("modules")
    @classmethod
    def _unique_modules(cls, value: list[TrainingModule] | None) -> list[TrainingModule] | None:
        codes = [m.code for m in value or []]
        if len(set(codes)) != len(codes):
            raise ValueError(N_("Each module code may appear once."))
        return value


def _unique_codes(value: list[str] | None) -> list[str] | None:
    return list(dict.fromkeys(value)) if value is not None else None


class IntakeSettings(Strict):
    help_needs: list[Code] = Field(None, max_length=40, description="What a mentee may need help with.")
    _unique = field_validator("help_needs")(_unique_codes)


class ClosingSettings(Strict):
    end_reasons: list[Code] = Field(None, min_length=1, max_length=40, description="Why a duo may end.")
    _unique = field_validator("end_reasons")(_unique_codes)


def _weight(value: Any) -> int | float:
    """A criterion's weight: a number from 0 to MAX_WEIGHT (not a boolean, not a string); 3.0 is kept as 3."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_WEIGHT:
        raise ValueError(N_("Give a number from 0 to %(max)s.", max=MAX_WEIGHT))
    return int(value) if float(value).is_integer() else float(value)


Weight = Annotated[float, PlainValidator(_weight),
                   WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_WEIGHT})]
Criterion = Literal[CRITERIA]  # type: ignore[valid-type]


class MatchingSettings(Strict):
    weights: dict[str, Weight] = Field(
        None, json_schema_extra={"propertyNames": {"enum": list(CRITERIA)}},
        description=f"How much each criterion counts in a pair's score, from 0 (not at all) to {MAX_WEIGHT}. "
                    f"Criteria: {', '.join(CRITERIA)}. Criteria left out keep their weight; at least one weight "
                    "must be above 0.")
    hard: list[Criterion] = Field(
        None, max_length=len(CRITERIA),
        description="Criteria that are hard constraints: a pair scoring 0 on one of them is never proposed "
                    "(beyond the built-in ones: both ready, a shared language, a shared time, not refused before).")

    @field_validator("weights", mode="before")
    @classmethod
    def _known_criteria(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = [str(k)[:40] for k in value if k not in CRITERIA]
            if unknown:
                raise ValueError(N_("Unknown criterion '%(criterion)s': the criteria are %(criteria)s.",
                                    criterion=unknown[0], criteria=", ".join(CRITERIA)))
        return value

    @field_validator("hard")
    @classmethod
    def _each_once(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError(N_("Name each criterion once."))
        return value


class BranchConfig(Strict):
    eligibility: Eligibility = None  # type: ignore[assignment]
    services: list[Service] = Field(None, description="Support services the branch offers.")
    training: TrainingSettings = None  # type: ignore[assignment]
    intake: IntakeSettings = None  # type: ignore[assignment]
    closing: ClosingSettings = None  # type: ignore[assignment]
    matching: MatchingSettings = None  # type: ignore[assignment]
    info_sessions: InfoSessionDefaults = None  # type: ignore[assignment]
    signup: SignupSettings = None  # type: ignore[assignment]
    allowed_origins: list[str] = Field(
        None, max_length=20, description="Websites allowed to post the branch's forms (https origins)."
    )
    retention: Retention = None  # type: ignore[assignment]
    targets: dict[Annotated[str, Field(pattern=r"^20\d\d$")], Target] = Field(
        None, description="Yearly targets, by year."
    )

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str] | None) -> list[str] | None:
        for origin in value or []:
            if not _ORIGIN.match(origin):
                raise ValueError(N_("'%(origin)s' is not an https origin such as https://www.duoforajob.be",
                                    origin=origin[:60]))
        return value

    @field_validator("services")
    @classmethod
    def _unique_services(cls, value: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(value)) if value is not None else None


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(N_("Use a time zone name such as Europe/Brussels.")) from None
    return value


def _languages(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError(N_("Name each language once."))
    return value


class BranchCreate(Strict):
    id: str = Field(pattern=BRANCH_ID_PATTERN, description="Lowercase slug, e.g. aalst.")
    name: Name
    country: Country
    time_zone: str = Field(max_length=64, description="IANA time zone, e.g. Europe/Brussels.")
    languages: list[Language] = Field(min_length=1, max_length=3)
    config: BranchConfig | None = None
    admin_email: Email | None = Field(None, description="The first branch admin, who gets an invitation.")
    admin_name: Name | None = None

    _tz = field_validator("time_zone")(_time_zone)
    _langs = field_validator("languages")(_languages)


class BranchUpdate(Strict):
    name: Name = None  # type: ignore[assignment]
    time_zone: str = Field(None, max_length=64)
    languages: list[Language] = Field(None, min_length=1, max_length=3)
    config: BranchConfig = None  # type: ignore[assignment]

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _time_zone(value) if value is not None else None

    @field_validator("languages")
    @classmethod
    def _langs(cls, value: list[str] | None) -> list[str] | None:
        return _languages(value) if value is not None else None


class Out(BaseModel):
    """Response models: built on first use, so a cold start pays only for the routes it serves."""

    model_config = ConfigDict(defer_build=True)


class BranchOut(Out):
    id: str
    name: str
    country: Country
    time_zone: str
    languages: list[Language]
    status: Literal["active", "suspended"]
    config: BranchConfig
    created_at: str
    updated_at: str
    version: int


class StaffOut(Out):
    id: str
    email: str
    name: str
    role: StaffRoleName
    status: Literal["invited", "active"]
    created_at: str


class BranchOnboarded(BranchOut):
    admin: StaffOut | None = None
    warnings: list[str] = Field(default_factory=list)


class BranchSummary(Out):
    id: str
    name: str
    country: Country
    status: Literal["active", "suspended"]
    created_at: str
    staff_count: int


class BranchPage(Out):
    items: list[BranchSummary]
    next: str | None = Field(None, description="Pass as ?cursor= for the next page.")


class PublicBranch(Out):
    id: str
    name: str
    country: Country
    languages: list[Language]
    services: list[Service]


class StaffInvite(Strict):
    email: Email
    role: StaffRoleName
    name: Name | None = None


class StaffRoleChange(Strict):
    role: StaffRoleName


class StaffList(Out):
    items: list[StaffOut]


class PageQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    cursor: str | None = Field(None, max_length=2048)


class Me(Out):
    role: Literal["coordinator", "branch_admin", "head_office"]
    branch: str | None
    subject: str


class Error(Out):
    code: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class OpenAPIDocument(Out):
    model_config = ConfigDict(extra="allow", defer_build=True)

    openapi: str
    info: dict[str, str]
    paths: dict[str, dict]


SpokenLanguageCode = Literal[SPOKEN_LANGUAGES]  # type: ignore[valid-type]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class SpokenLanguageIn(Strict):
    code: SpokenLanguageCode
    level: Literal[LANGUAGE_LEVELS]  # type: ignore[valid-type]
