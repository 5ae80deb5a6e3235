"""Who the programme is for, per branch: the rules of ``config.eligibility`` applied to a signup.

A refusal names the rule and its parameters, so the page and the API can tell the candidate, in
their language, exactly which rule they do not meet. Checked on the server, before anything is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.domain.candidates import WORKING_LEVELS, CandidateRole, SpokenLanguage

# Rule -> the form field the candidate's answer came from.
RULE_FIELDS = {
    "age": "birth_date",
    "work_permit": "work_permit",
    "migration_background": "migration_background",
    "languages": "languages",
    "six_months": "available_six_months",
}


@dataclass(frozen=True)
class Refusal:
    rule: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def field(self) -> str:
        return RULE_FIELDS[self.rule]


@dataclass(frozen=True)
class Answers:
    """What the eligibility rules look at; the migration-background answer goes no further than this."""

    role: CandidateRole
    birth_date: date
    languages: list[SpokenLanguage]
    work_permit: bool | None = None
    migration_background: bool | None = None
    available_six_months: bool | None = None


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def refusals(rules: dict[str, Any], answers: Answers, today: date) -> list[Refusal]:
    """Every rule of ``rules`` (the role's section of ``config.eligibility``) that ``answers`` break."""
    out: list[Refusal] = []
    low, high = rules.get("min_age"), rules.get("max_age")
    age = age_on(answers.birth_date, today)
    if (low is not None and age < low) or (high is not None and age > high):
        out.append(Refusal("age", {"min": low, "max": high}))
    if answers.role is CandidateRole.MENTEE:
        if rules.get("requires_work_permit") and answers.work_permit is not True:
            out.append(Refusal("work_permit"))
        if rules.get("requires_migration_background") and answers.migration_background is not True:
            out.append(Refusal("migration_background"))
    mentor = answers.role is CandidateRole.MENTOR
    if mentor and rules.get("requires_six_months", True) and answers.available_six_months is not True:
        out.append(Refusal("six_months"))
    wanted = rules.get("languages_any") or []
    spoken = {lang.code for lang in answers.languages if lang.level in WORKING_LEVELS}
    if wanted and not spoken.intersection(wanted):
        out.append(Refusal("languages", {"any": list(wanted)}))
    return out
