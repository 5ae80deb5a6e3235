"""Ready mentees and mentors with what their intake recorded (languages, weekly times, sectors, help needs
or offers, interests, digital skills), for the matching tests: signed up through the API, then given their
intake's record through the store, the way a finished intake leaves it."""

from __future__ import annotations

from typing import Any

from chalicelib.services import repos as repos_module
from chalicelib.store import keys
from chalicelib.store.models import CandidateItem
from tests.integration.duo_helpers import ready_candidate


def person(client, branch: str, role: str, *, languages: dict[str, str] | None = None,
           slots: tuple[str, ...] = ("tue_evening",), sectors: tuple[str, ...] = ("logistics",),
           needs: tuple[str, ...] = (), offers: tuple[str, ...] = (), interests: tuple[str, ...] = (),
           digital: str = "", postcode: str = "2000", session_id: str | None = None, **signup: Any) -> str:
    """A ready ``role`` of ``branch`` with this intake; their id."""
    candidate_id = ready_candidate(client, branch, role, session_id, postcode=postcode, **signup)
    languages = languages or {"nl": "fluent"}
    intake = {"decision": "ready", "recorded_at": "2026-11-01T10:00:00Z", "recorded_by": "staff-test",
              "availability": list(slots), "sectors": list(sectors), "help_needs": list(needs),
              "help_offers": list(offers), "interests": list(interests), "digital_skills": digital,
              "languages": [{"code": c, "level": lv} for c, lv in languages.items()]}
    repos = repos_module.get()
    with repos.scopes.tenant(branch):
        CandidateItem(*keys.candidate_key(branch, candidate_id)).update(actions=[
            CandidateItem.languages.set([{"code": c, "level": lv} for c, lv in languages.items()]),
            CandidateItem.availability.set(list(slots)),
            CandidateItem.sectors.set(list(sectors)),
            CandidateItem.help_needs.set(list(needs)),
            CandidateItem.intake.set(intake),
        ])
    return candidate_id
