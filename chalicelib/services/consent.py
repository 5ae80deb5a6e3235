"""Consent: versioned per branch (``signup.privacy_notice_version``) and language; withdrawn in one click
from the person's privacy page; asked again when the branch publishes a new privacy notice (staff call
``ask_new_consent``). ``signup.reconsent_required`` says whether the new version needs everyone's consent: the
privacy page of someone who agreed to an older version then asks them to agree (else it offers it).

Withdrawal, step by step (each step can run again: a second withdrawal finishes what a first one left):
1. the candidate's ``consent`` gets ``withdrawn_at`` and ``via`` (one small transaction with its event
   ``consent.withdrawn``);
2. the person leaves the programme where they can: a registered person's seat is freed, anyone not in a
   pairing or a duo becomes ``withdrawn``; someone in a duo stays in it (the coordinator closes the duo);
3. an erasure request (source ``candidate``) is opened for the branch admin, its id kept in ``consent``;
4. a confirmation mail says what happens next.
Logs carry ids and codes only.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import Candidate, CandidateStatus
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.events import CANDIDATE_ACTOR, Event
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services import clock, privacy_links
from chalicelib.services.repos import Repos
from chalicelib.store.consent import ConsentRepository, ConsentRow

# Statuses the withdrawal leaves alone: someone in a pairing or a duo stays in it until it is closed.
BUSY = frozenset({CandidateStatus.PAIRED, CandidateStatus.IN_DUO})
VIA = ("privacy_page", "staff")


def _store(repos: Repos) -> ConsentRepository:
    return ConsentRepository(repos.scopes)


def _config(branch: Branch) -> dict[str, Any]:
    return branch.effective_config()["signup"]


def current_version(branch: Branch) -> str:
    return str(_config(branch)["privacy_notice_version"])


def reconsent_required(branch: Branch) -> bool:
    return bool(_config(branch).get("reconsent_required", False))


def is_withdrawn(consent: dict[str, Any]) -> bool:
    return bool(consent.get("withdrawn_at"))


def is_outdated(row: ConsentRow, version: str) -> bool:
    """Whether the person should be asked to agree to ``version``: their consent is to another version, they
    have not withdrawn it (nor left the programme), and their data is not restricted."""
    if row.withdrawn or row.restricted or row.status == CandidateStatus.WITHDRAWN.value:
        return False
    return str(row.consent.get("version", "")) != version


# --- Withdrawal ----------------------------------------------------------------------------------------
def withdraw_consent(repos: Repos, branch_id: str, candidate_id: str, *, via: str,
                     actor: str = CANDIDATE_ACTOR) -> None:
    """The person withdraws their consent (``via`` the privacy page, or ``staff`` who record it for them)."""
    if via not in VIA:
        raise ValueError(f"unknown way of withdrawing {via!r}")
    branch = repos.branches.get(branch_id)
    store = _store(repos)
    row = store.get(branch_id, candidate_id)
    first = not row.withdrawn
    if first:
        at = clock.now_iso()
        consent = {**row.consent, "withdrawn_at": at, "via": via}
        event = Event("consent.withdrawn", "candidate", candidate_id, actor, at, ("consent",),
                      {"via": via, "version": str(row.consent.get("version", "")) or None, "role": row.role})
        store.change(branch_id, row, consent, event)
        row = dataclasses.replace(row, consent=consent)
        metrics.add_metric(name="ConsentWithdrawn", unit="Count", value=1)
    _leave_programme(repos, branch, candidate_id, actor)
    if not row.consent.get("request_id"):
        from chalicelib.services import privacy_requests  # H4's requests: only when a request is opened

        request = privacy_requests.open_request(repos, branch_id, kind="erasure", candidate_id=candidate_id,
                                                source="candidate", actor=actor, note="consent_withdrawn")
        store.change(branch_id, row, {**row.consent, "request_id": request.id}, None)
    logger.info("consent withdrawn", extra={"candidate_id": candidate_id, "via": via, "again": not first})
    if first:
        privacy_links.mail_link(repos, branch, row, "privacy_withdrawn")


def _leave_programme(repos: Repos, branch: Branch, candidate_id: str, actor: str) -> None:
    """Withdraw the person where the life cycle allows it (a registered person's seat is freed)."""
    person = repos.candidates.get(branch.id, candidate_id)
    if person.status in BUSY or person.status is CandidateStatus.WITHDRAWN:
        return
    now = clock.now()
    if person.status is CandidateStatus.REGISTERED and _session_to_come(repos, person, now):
        try:
            repos.candidates.move(person, None, now)  # frees the seat, cancels the registration
            return
        except ConflictError:
            person = repos.candidates.get(branch.id, candidate_id)  # moved meanwhile: withdraw as it is now
            if person.status in BUSY or person.status is CandidateStatus.WITHDRAWN:
                return
    at = clock.iso(now)
    after = dataclasses.replace(person, status=CandidateStatus.WITHDRAWN)
    event = Event("candidate.withdrawn", "candidate", candidate_id, actor, at, ("status",),
                  {"role": person.role.value, "from": person.status.value, "to": CandidateStatus.WITHDRAWN.value,
                   "reason": "consent_withdrawn"})
    registration = "cancelled" if person.status is CandidateStatus.REGISTERED else None
    try:
        repos.candidates.step(person, after, event, leaves=[person.status.value], registration_status=registration)
    except ConflictError as error:  # changed meanwhile: the erasure request still reaches the branch admin
        logger.info("withdrawal left the status", extra={"candidate_id": candidate_id, "code": error.code})


def _session_to_come(repos: Repos, person: Candidate, now: datetime) -> bool:
    if not person.session_id:
        return False
    try:
        return repos.sessions.get(person.branch, person.session_id).starts_at > now
    except NotFoundError:
        return False


# --- Giving consent (again) ----------------------------------------------------------------------------
def give_consent(repos: Repos, branch_id: str, candidate_id: str, *, version: str, language: str) -> None:
    """The person agrees to the branch's current privacy notice (``version``, read in ``language``)."""
    branch = repos.branches.get(branch_id)
    if version != current_version(branch):
        message = N_("Agree to the branch's current privacy notice.")
        raise InvalidInputError(message, {"version": message})
    if language not in branch.languages:
        message = N_("Choose one of the branch's languages: %(values)s.", values=", ".join(branch.languages))
        raise InvalidInputError(message, {"language": message})
    store = _store(repos)
    row = store.get(branch_id, candidate_id)
    if row.withdrawn:
        raise ConflictError(N_("This person has withdrawn their consent."), code="consent_withdrawn")
    if row.consent.get("version") == version and row.consent.get("language") == language:
        return  # agreed already: nothing changes
    at = clock.now_iso()
    event = Event("consent.given", "candidate", candidate_id, CANDIDATE_ACTOR, at, ("consent",),
                  {"version": version, "language": language, "role": row.role,
                   "previous": str(row.consent.get("version", "")) or None})
    store.change(branch_id, row, {"version": version, "language": language, "at": at}, event)
    metrics.add_metric(name="ConsentGiven", unit="Count", value=1)
    logger.info("consent given", extra={"candidate_id": candidate_id, "version": version})


# --- A new privacy notice ------------------------------------------------------------------------------
def _outdated_rows(repos: Repos, branch: Branch) -> Iterator[ConsentRow]:
    version = current_version(branch)
    return (row for row in _store(repos).rows(branch.id) if is_outdated(row, version))


def outdated(repos: Repos, branch_id: str) -> int:
    """How many people's consent is to another notice version than the branch's current one (not counting
    those who withdrew, left the programme or whose data is restricted). Reads the branch's list page by page."""
    branch = repos.branches.get(branch_id)
    return sum(1 for _ in _outdated_rows(repos, branch))


def ask_new_consent(repos: Repos, branch_id: str, *, actor: str) -> int:
    """Mail each outdated person a privacy link where they can agree to the new notice; returns how many were
    mailed. A person asked for this version already is not mailed again (asking twice mails nobody twice)."""
    branch = repos.branches.get(branch_id)
    version = current_version(branch)
    store = _store(repos)
    mailed = 0
    for row in _outdated_rows(repos, branch):
        if row.consent.get("asked") == version:
            continue
        if privacy_links.mail_link(repos, branch, row, "privacy_consent"):
            mailed += 1
            with contextlib.suppress(ConflictError):  # they agreed (or withdrew) meanwhile
                store.change(branch_id, row, {**row.consent, "asked": version}, None)
    metrics.add_metric(name="ConsentAsked", unit="Count", value=mailed)
    logger.info("new consent asked", extra={"version": version, "mailed": mailed, "actor": actor})
    return mailed

