"""Candidates (mentees and mentors) as they sign up: the form's vocabulary and the record kept.

The lists below are the choices of the signup forms (the pages translate each code); the API takes
the same codes. Only what the programme's work needs is asked (domain.md, step 1). The
migration-background answer is used for the eligibility check and never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CandidateRole(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"


class CandidateStatus(StrEnum):
    """Where a candidate is in the life cycle; the life-cycle issue adds the later steps."""

    REGISTERED = "registered"  # signed up for an info session
    WITHDRAWN = "withdrawn"  # cancelled their registration through their personal link


# Spoken languages (ISO 639-1) offered in the forms: the branches' languages and those most spoken
# by the people the programme is for. "other" lets anyone answer.
SPOKEN_LANGUAGES = (
    "nl", "fr", "en", "ar", "tr", "ber", "es", "pt", "it", "de", "ro", "pl", "ru", "uk", "fa", "ps",
    "ti", "so", "am", "ku", "ur", "hi", "bn", "zh", "sw", "ln", "wo", "other",
)
LANGUAGE_LEVELS = ("basic", "conversational", "fluent", "native")
# Levels at which a language counts as spoken for the eligibility rules and for matching.
WORKING_LEVELS = frozenset({"conversational", "fluent", "native"})
LOOKING_FOR = ("job", "training", "internship")
SECTORS = (
    "administration", "construction", "care", "cleaning", "culture", "education", "engineering",
    "finance", "hospitality", "healthcare", "industry", "it", "logistics", "retail", "sales",
    "transport", "other",
)
EDUCATION_LEVELS = ("primary", "secondary", "vocational", "bachelor", "master_or_higher")
HEARD_FROM = ("website", "social_media", "friend_or_family", "job_centre", "organisation", "mentor", "event", "other")
MAX_LANGUAGES = 6
MAX_SECTORS = 3


@dataclass(frozen=True)
class SpokenLanguage:
    code: str
    level: str


@dataclass
class Candidate:
    """What is kept of a person who signed up; personal data, readable by their branch's staff only."""

    id: str
    branch: str
    role: CandidateRole
    status: CandidateStatus
    name: str
    email: str
    phone: str
    birth_date: str  # ISO date
    postcode: str
    city: str
    languages: list[SpokenLanguage]
    heard_from: str
    language: str  # the language they use with us (forms, mails)
    consent_version: str
    consent_language: str
    consent_at: str
    session_id: str
    created_at: str
    updated_at: str = ""
    # mentee
    looking_for: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    education_level: str = ""
    work_permit: bool | None = None
    # mentor
    profession: str = ""
    available_six_months: bool | None = None
