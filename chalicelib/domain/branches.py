"""A branch (tenant): identity, status and configuration, with sensible defaults per country.

Configuration is data: onboarding a branch never needs a code change. A branch's stored
configuration only holds what differs from nothing; reading always merges it over the
defaults of its country, so sections added by later releases get their defaults.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import ConflictError
from chalicelib.domain.matching import DEFAULT_HARD, DEFAULT_WEIGHTS
from chalicelib.domain.texts import N_

BRANCH_ID_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"
_BRANCH_ID = re.compile(BRANCH_ID_PATTERN)

# Languages the forms and mails are written in.
LANGUAGES = ("nl", "fr", "en")
COUNTRIES = ("BE", "FR", "NL")

# The catalogue of support services a branch may offer (domain.md: "Support along the way").
SERVICES = (
    "interview_workshop",
    "cv_review",
    "cv_workshop",
    "linkedin_workshop",
    "interview_simulation",
    "intervision",
    "speech_therapy",
    "listening_service",
    "laptop_loan",
    "it_training",
)


# The eight e-learning modules / workshops of the mentor training (domain.md, step 3).
TRAINING_MODULES = (
    "welcome", "role_of_mentor", "listening", "intercultural", "job_market", "action_plan", "network", "closing",
)
HELP_NEEDS = (
    "cv", "interview_practice", "network", "language", "digital_skills", "job_search", "orientation", "confidence",
)
END_REASONS = ("found_job", "found_training", "moved", "lost_contact", "health", "no_match", "no_time", "other")
CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"


class BranchStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


def is_branch_id(value: str) -> bool:
    return bool(_BRANCH_ID.match(value))


_COMMON_SERVICES = [
    "interview_workshop",
    "cv_review",
    "linkedin_workshop",
    "interview_simulation",
    "intervision",
    "laptop_loan",
]


def default_config(country: str) -> dict[str, Any]:
    """The configuration a new branch of ``country`` gets for everything it does not set."""
    mentee_languages: list[str] = ["nl", "en"] if country == "NL" else []
    return {
        "eligibility": {
            "mentee": {
                "min_age": 18,
                "max_age": 33,
                "requires_work_permit": True,
                "requires_migration_background": True,
                # A mentee must speak at least one of these (empty: no requirement).
                "languages_any": mentee_languages,
            },
            "mentor": {"min_age": 50, "max_age": None, "languages_any": [], "requires_six_months": True},
        },
        "signup": {
            # Consent is recorded with this version; a new notice gets a new version.
            "privacy_notice_version": "1",
            # Whether a new version needs everyone's consent again (they are mailed a link to agree).
            "reconsent_required": False,
            # The day the current notice version was set ("": the first one); the task list tells staff for 30 days.
            "privacy_notice_since": "",
            # The branch's privacy notice, per language ("": the form shows the built-in summary).
            "privacy_notice_url": {},
            # Where else to turn, per language, for someone the programme is not for ("": nothing).
            "elsewhere": {},
            # The longest free-text answer the forms take (characters).
            "max_text_length": 200,
        },
        "services": list(_COMMON_SERVICES),
        # Mentor training (step 3): a mentor is ready when every required module is done.
        "training": {"modules": [{"code": code, "name": "", "required": True} for code in TRAINING_MODULES]},
        # The lists the intake interview chooses from (step 2).
        "intake": {"help_needs": list(HELP_NEEDS)},
        # Matching (step 4): how much each criterion counts (0..10), and which are hard constraints.
        "matching": {"weights": dict(DEFAULT_WEIGHTS), "hard": list(DEFAULT_HARD)},
        # Why a duo ended (step 8).
        "closing": {"end_reasons": list(END_REASONS)},
        "info_sessions": {
            "duration_minutes": 90,
            "capacity": 20,
            "formats": ["in_person", "online"],
        },
        "allowed_origins": [],
        "retention": {
            # Candidates who never became a duo, counted from their last activity.
            "candidate_months": 24,
            # People whose duo closed, counted from the 12-month outcome.
            "after_outcome_months": 24,
        },
        "targets": {},
    }


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` over ``base``: dicts merge, everything else replaces."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "targets":
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class Branch:
    id: str
    name: str
    country: str
    time_zone: str
    languages: list[str]
    config: dict[str, Any] = field(default_factory=dict)
    status: BranchStatus = BranchStatus.ACTIVE
    created_at: str = ""
    updated_at: str = ""
    version: int = 0

    @property
    def is_active(self) -> bool:
        return self.status is BranchStatus.ACTIVE

    def effective_config(self) -> dict[str, Any]:
        return merge(default_config(self.country), self.config)

    def suspend(self) -> None:
        if self.status is BranchStatus.SUSPENDED:
            raise ConflictError(N_("The branch is suspended already."), code="already_suspended")
        self.status = BranchStatus.SUSPENDED

    def resume(self) -> None:
        if self.status is BranchStatus.ACTIVE:
            raise ConflictError(N_("The branch is active already."), code="already_active")
        self.status = BranchStatus.ACTIVE
