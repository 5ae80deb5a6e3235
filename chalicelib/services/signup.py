"""Public signup: a candidate registers for an info session of an active branch.

Eligibility is checked before anything is kept (and the migration-background answer goes no further
than the check). The candidate, their registration, their seat, the one-per-email guard and the
request's idempotency record are written in one transaction (see ``store/candidates.py``). The
answer to someone already registered looks the same as to a newcomer; their mail goes to the
address on record, with a personal link.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus, SpokenLanguage
from chalicelib.domain.eligibility import Answers, Refusal, refusals
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.sessions import InfoSession, SessionStatus
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services import notify
from chalicelib.services.branches import get_public_branch
from chalicelib.services.clock import now as clock_now
from chalicelib.services.links import matches, new_link
from chalicelib.services.repos import Repos
from chalicelib.services.sessions import next_sessions
from chalicelib.store.sessions import iso


class NotEligibleError(InvalidInputError):
    """The candidate does not fit the branch's rules; nothing of theirs was kept."""

    code = "not_eligible"

    def __init__(self, found: list[Refusal], elsewhere: dict[str, str]) -> None:
        fields = {r.field: _ENGLISH[r.rule](r.params) for r in found}
        super().__init__("The programme of this branch is not for you, as far as your answers tell.", fields)
        self.refusals = found
        self.elsewhere = elsewhere


class SessionFullError(ConflictError):
    """The session has no seat left (or is cancelled, or has started); ``next_sessions`` are open."""

    code = "session_full"

    def __init__(self, message: str, code: str, next_sessions: list[InfoSession]) -> None:
        super().__init__(message, {"session_id": message}, code)
        self.next_sessions = next_sessions


# The JSON API's messages; the pages show their own, translated (chalicelib/web/labels.py).
_ENGLISH = {
    "age": lambda p: f"This programme is for people aged {p['min']}"
    + (f" to {p['max']}." if p["max"] else " or over."),
    "work_permit": lambda p: "This programme is for people who may work in the country.",
    "migration_background": lambda p: "This programme is for young people with a migration background.",
    "languages": lambda p: f"This branch works with people who speak one of: {', '.join(p['any'])}.",
    "six_months": lambda p: "Mentors commit to six months.",
}


@dataclass
class Receipt:
    branch: Branch
    session: InfoSession
    language: str


@dataclass
class RegistrationView:
    """What a candidate sees through their personal link."""

    branch: Branch
    candidate_id: str
    candidate_name: str
    role: CandidateRole
    language: str
    status: str
    session: InfoSession
    other_sessions: list[InfoSession] = field(default_factory=list)


def open_branch(repos: Repos, branch_id: str) -> Branch:
    return get_public_branch(repos, branch_id)


def open_sessions(repos: Repos, branch: Branch, role: CandidateRole | None) -> list[InfoSession]:
    return next_sessions(repos, branch, role, clock_now())


def _today(branch: Branch, now: datetime) -> Any:
    return now.astimezone(ZoneInfo(branch.time_zone)).date()


def _check_form(branch: Branch, form: Any, language: str) -> None:
    fields: dict[str, str] = {}
    if language not in branch.languages:
        fields["language"] = N_("Choose one of the branch's languages: %(values)s.", values=", ".join(branch.languages))
    limit = branch.effective_config()["signup"]["max_text_length"]
    for name in ("name", "city", "profession"):
        if len(getattr(form, name, "") or "") > limit:
            fields[name] = N_("Use at most %(count)s characters.", count=limit)
    if fields:
        raise InvalidInputError(N_("Some fields are not valid."), fields)


def _unavailable(repos: Repos, branch: Branch, session: InfoSession, role: CandidateRole, now: datetime) -> Exception:
    others = [s for s in next_sessions(repos, branch, role, now) if s.id != session.id][:5]
    if session.status is SessionStatus.CANCELLED:
        return SessionFullError(N_("This info session is cancelled."), "session_cancelled", others)
    if session.starts_at <= now:
        return SessionFullError(N_("This info session has started already."), "session_started", others)
    return SessionFullError(N_("This info session is full."), "session_full", others)


def _candidate(branch: Branch, form: Any, language: str, now: datetime) -> Candidate:
    stamp = iso(now)
    mentee = form.role == "mentee"
    return Candidate(
        id=str(uuid.uuid4()),
        branch=branch.id,
        role=CandidateRole(form.role),
        status=CandidateStatus.REGISTERED,
        name=form.name,
        email=form.email.strip(),
        phone=form.phone,
        birth_date=form.birth_date.isoformat(),
        postcode=form.postcode,
        city=form.city,
        languages=[SpokenLanguage(lang.code, lang.level) for lang in form.languages],
        heard_from=form.heard_from,
        language=language,
        consent_version=branch.effective_config()["signup"]["privacy_notice_version"],
        consent_language=language,
        consent_at=stamp,
        session_id=form.session_id,
        created_at=stamp,
        looking_for=list(form.looking_for) if mentee else [],
        sectors=list(form.sectors),
        education_level=form.education_level if mentee else "",
        work_permit=form.work_permit if mentee else None,
        profession="" if mentee else form.profession,
        available_six_months=None if mentee else form.available_six_months,
    )


def sign_up(repos: Repos, branch_id: str, body: Any, *, idempotency_key: str | None = None) -> Receipt:
    """Register ``body`` (``SignupIn``) for its session. Raises NotEligibleError, SessionFullError, ..."""
    form = body.root if hasattr(body, "root") else body
    branch = open_branch(repos, branch_id)
    now = clock_now()
    language = form.language or branch.languages[0]
    _check_form(branch, form, language)
    role = CandidateRole(form.role)
    answers = Answers(
        role=role,
        birth_date=form.birth_date,
        languages=[SpokenLanguage(lang.code, lang.level) for lang in form.languages],
        work_permit=getattr(form, "work_permit", None),
        migration_background=getattr(form, "migration_background", None),
        available_six_months=getattr(form, "available_six_months", None),
    )
    config = branch.effective_config()
    found = refusals(config["eligibility"][role.value], answers, _today(branch, now))
    if found:
        metrics.add_metric(name="SignupNotEligible", unit="Count", value=1)
        raise NotEligibleError(found, dict(config["signup"]["elsewhere"]))
    try:
        session = repos.sessions.get(branch.id, form.session_id)
    except NotFoundError:
        raise InvalidInputError(
            N_("This info session does not exist."), {"session_id": N_("Choose one of the sessions offered.")}
        ) from None
    if not session.admits(role):
        message = N_("This info session is for someone else.")
        raise InvalidInputError(message, {"session_id": N_("This session is not for you.")})
    # The answer shows the session as it is after this signup, whatever happened (see the module's doc).
    receipt = Receipt(branch, dataclasses.replace(session, seats_taken=session.seats_taken + 1), language)
    if form.website:  # the trap for robots: answer as usual, keep nothing
        metrics.add_metric(name="SignupTrapped", unit="Count", value=1)
        return receipt
    candidate = _candidate(branch, form, language, now)
    token, digest = new_link()
    outcome = repos.candidates.sign_up(candidate, digest, idempotency_key, now)
    if outcome.kind == "seat":
        raise _unavailable(repos, branch, repos.sessions.get(branch.id, session.id), role, now)
    if outcome.kind == "replay":
        return receipt
    if outcome.kind == "duplicate":
        _remind_registered(repos, branch, outcome.owner)
        return receipt
    metrics.add_metric(name="Signup", unit="Count", value=1)
    logger.info("signed up", extra={"role": role.value})
    notify.send(
        repos, "confirmation", candidate.email, language, branch=branch, session=session, name=candidate.name,
        manage_url=notify.manage_url(branch.id, candidate.id, token, language), privacy=(branch.id, candidate.id),
    )
    return receipt


def _remind_registered(repos: Repos, branch: Branch, candidate_id: str) -> None:
    """Someone signs up again with the address we have: write to that address, with their link."""
    metrics.add_metric(name="SignupDuplicate", unit="Count", value=1)
    if not candidate_id:
        return
    existing = repos.candidates.get(branch.id, candidate_id)
    token, digest = new_link()
    repos.candidates.add_link(branch.id, existing.id, digest)
    try:
        session: InfoSession | None = repos.sessions.get(branch.id, existing.session_id)
    except NotFoundError:
        session = None
    notify.send(
        repos, "already_registered", existing.email, existing.language, branch=branch, session=session,
        name=existing.name, manage_url=notify.manage_url(branch.id, existing.id, token, existing.language),
        privacy=(branch.id, existing.id),
    )


def registration(repos: Repos, branch_id: str, candidate_id: str, token: str) -> RegistrationView:
    """The registration behind a personal link; an unknown id and a wrong token get the same 404."""
    branch = open_branch(repos, branch_id)
    if not token or not matches(token, repos.candidates.link_hashes(branch.id, candidate_id)):
        raise NotFoundError(N_("This link is not valid (any more)."), code="link_not_valid")
    candidate = repos.candidates.get(branch.id, candidate_id)
    session = repos.sessions.get(branch.id, candidate.session_id)
    others = [s for s in open_sessions(repos, branch, candidate.role) if s.id != session.id]
    return RegistrationView(
        branch, candidate.id, candidate.name, candidate.role, candidate.language, candidate.status.value,
        session, others,
    )


def cancel_registration(repos: Repos, branch_id: str, candidate_id: str, token: str) -> RegistrationView:
    view = registration(repos, branch_id, candidate_id, token)
    if view.status != CandidateStatus.REGISTERED.value:
        raise ConflictError(N_("This registration is cancelled already."), code="already_cancelled")
    candidate = repos.candidates.get(branch_id, candidate_id)
    repos.candidates.move(candidate, None, clock_now())
    notify.send(
        repos, "registration_cancelled", candidate.email, view.language, branch=view.branch, session=view.session,
        name=view.candidate_name, signup_url=notify.signup_url(branch_id, view.language),
        privacy=(branch_id, candidate_id),
    )
    return dataclasses.replace(view, status=CandidateStatus.WITHDRAWN.value)


def change_registration(
    repos: Repos, branch_id: str, candidate_id: str, token: str, session_id: str
) -> RegistrationView:
    view = registration(repos, branch_id, candidate_id, token)
    if view.status != CandidateStatus.REGISTERED.value:
        raise ConflictError(N_("This registration is cancelled; sign up again."), code="already_cancelled")
    if session_id == view.session.id:
        return view
    if session_id not in {s.id for s in view.other_sessions}:
        message = N_("Choose one of the sessions offered.")
        raise InvalidInputError(message, {"session_id": message})
    candidate = repos.candidates.get(branch_id, candidate_id)
    repos.candidates.move(candidate, session_id, clock_now())
    changed = registration(repos, branch_id, candidate_id, token)
    notify.send(
        repos, "confirmation", candidate.email, view.language, branch=view.branch, session=changed.session,
        name=candidate.name, manage_url=notify.manage_url(branch_id, candidate_id, token, view.language),
        privacy=(branch_id, candidate_id),
    )
    return changed
