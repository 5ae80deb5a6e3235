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
    """Where a candidate is in the life cycle (the transitions are in ``domain/intake.py``)."""

    REGISTERED = "registered"  # signed up for an info session
    ATTENDED = "attended"  # came to the info session: an intake is to be scheduled
    NO_SHOW = "no_show"  # did not come
    INTAKE_SCHEDULED = "intake_scheduled"
    TRAINING = "training"  # a mentor found suitable, following the training
    READY = "ready"  # in the pool: may be paired
    NOT_SUITABLE = "not_suitable"  # not now, with a reason
    PAIRED = "paired"  # in a pairing: first meeting, 24-hour answers, agreement to sign
    IN_DUO = "in_duo"  # the agreement is signed
    FINISHED = "finished"  # a mentee whose duo has closed
    WITHDRAWN = "withdrawn"  # left the programme (their personal link, or told their coordinator)


# Statuses a candidate leaves only by a new step: counted over a recent window, not all history.
SETTLED_STATUSES = frozenset({CandidateStatus.NOT_SUITABLE, CandidateStatus.FINISHED, CandidateStatus.WITHDRAWN})


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
# Weekly availability, as the intake records it and matching compares it.
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS = ("morning", "afternoon", "evening")
AVAILABILITY = tuple(f"{day}_{part}" for day in DAYS for part in DAY_PARTS)
# What the intake records for matching (both roles): interests to talk about, and how much at ease a person
# is with computers and phones (a mentor more at ease can help a mentee who is less).
INTERESTS = ("sport", "music", "cooking", "reading", "travel", "technology", "art", "nature", "games", "volunteering",
             "film", "fashion")
MAX_INTERESTS = 6
DIGITAL_LEVELS = ("basic", "everyday", "advanced")


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
    # the life cycle (issue 5)
    version: int = 0
    status_since: str = ""  # when the current status began (UTC ISO)
    coordinator_id: str = ""  # the responsible coordinator's staff id ("" none yet)
    intake: dict | None = None  # domain.intake.Intake.to_dict()
    training: dict[str, str] = field(default_factory=dict)  # module code -> date completed
    help_needs: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    duo_id: str = ""  # the current pairing or duo
    duo_ids: list[str] = field(default_factory=list)
    declined_with: list[str] = field(default_factory=list)  # candidates never to be paired with again
    # processing restricted at the person's request (GDPR art. 18): {"at", "by"}; None: not restricted
    restricted: dict | None = None
