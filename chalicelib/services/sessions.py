"""Info sessions, as a branch's coordinators run them: plan, change, cancel, see who registered.

Registrants are told by mail when a session's time or place changes or it is cancelled (with the
next sessions to choose from), and reminded the day before (the ``send_reminders`` job).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import CandidateRole
from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.registrations import Registration
from chalicelib.domain.sessions import InfoSession, SessionStatus, utc
from chalicelib.domain.texts import N_
from chalicelib.observability import logger
from chalicelib.services import notify
from chalicelib.services.clock import now as clock_now
from chalicelib.services.clock import now_iso
from chalicelib.services.links import new_link
from chalicelib.services.repos import Repos

# What, when changed, the registrants must hear about.
NOTIFIED_FIELDS = ("starts_at", "duration_minutes", "format", "address", "link")
REMIND_WITHIN = timedelta(hours=24)
# Who registered less than this before the reminder would go has just had their confirmation.
FRESH_REGISTRATION = timedelta(hours=12)


def _local_to_utc(moment: datetime, branch: Branch) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(branch.time_zone))
    return utc(moment)


def _check(session: InfoSession, branch: Branch, now: datetime, *, new: bool) -> None:
    fields = session.problems(now)
    if session.language not in branch.languages:
        fields["language"] = N_("Choose one of the branch's languages: %(values)s.", values=", ".join(branch.languages))
    if new and session.starts_at <= now:
        fields["starts_at"] = N_("A session starts in the future.")
    if fields:
        raise InvalidInputError(N_("Some fields are not valid."), fields)


def create_session(repos: Repos, branch_id: str, data: Any) -> InfoSession:
    branch = repos.branches.get(branch_id)
    defaults = branch.effective_config()["info_sessions"]
    now, stamp = clock_now(), now_iso()
    session = InfoSession(
        id=str(uuid.uuid4()),
        branch=branch_id,
        starts_at=_local_to_utc(data.starts_at, branch),
        duration_minutes=data.duration_minutes or defaults["duration_minutes"],
        format=data.format,
        language=data.language,
        audience=data.audience,
        capacity=data.capacity or defaults["capacity"],
        address=data.address if data.format == "in_person" else "",
        link=data.link if data.format == "online" else "",
        created_at=stamp,
        updated_at=stamp,
    )
    _check(session, branch, now, new=True)
    repos.sessions.add(branch_id, session)
    return session


def get_session(repos: Repos, branch_id: str, session_id: str) -> InfoSession:
    return repos.sessions.get(branch_id, session_id)


def list_sessions(
    repos: Repos, branch_id: str, *, include_past: bool, limit: int, cursor: str | None
) -> tuple[list[InfoSession], str | None]:
    start = datetime(2000, 1, 1, tzinfo=UTC) if include_past else clock_now() - timedelta(hours=12)
    return repos.sessions.between(branch_id, start, limit=limit, cursor=cursor)


def update_session(repos: Repos, branch_id: str, session_id: str, changes: dict[str, Any]) -> tuple[InfoSession, int]:
    """Apply a coordinator's change; tell the registrants if the time or place changed."""
    branch = repos.branches.get(branch_id)
    before = repos.sessions.get(branch_id, session_id)
    if before.status is SessionStatus.CANCELLED:
        raise ConflictError(N_("A cancelled session cannot be changed."), code="session_cancelled")
    if "starts_at" in changes:
        changes["starts_at"] = _local_to_utc(changes["starts_at"], branch)
    after = dataclasses.replace(before, **changes, updated_at=now_iso())
    if after.format == "in_person":
        after.link = ""
    else:
        after.address = ""
    now = clock_now()
    _check(after, branch, now, new="starts_at" in changes and changes["starts_at"] != before.starts_at)
    repos.sessions.save(after, before.updated_at)
    told = 0
    if any(getattr(before, f) != getattr(after, f) for f in NOTIFIED_FIELDS):
        told = _tell_registrants(repos, branch, after, "session_changed")
    return after, told


def cancel_session(repos: Repos, branch_id: str, session_id: str) -> tuple[InfoSession, int]:
    branch = repos.branches.get(branch_id)
    session = repos.sessions.get(branch_id, session_id)
    previous = session.updated_at
    session.cancel()
    session.updated_at = now_iso()
    repos.sessions.save(session, previous)
    return session, _tell_registrants(repos, branch, session, "session_cancelled")


def registrations(repos: Repos, branch_id: str, session_id: str) -> list[Registration]:
    repos.sessions.get(branch_id, session_id)  # 404 for a session that is not the branch's
    return repos.sessions.registrations(branch_id, session_id)


def next_sessions(repos: Repos, branch: Branch, role: CandidateRole | None, now: datetime) -> list[InfoSession]:
    """Upcoming sessions with a free seat, for ``role`` (all roles when None), soonest first."""
    rows, _ = repos.sessions.between(branch.id, now, limit=100)
    return [s for s in rows if s.is_open(now) and (role is None or s.admits(role))]


def _tell_registrants(repos: Repos, branch: Branch, session: InfoSession, mail: str) -> int:
    told = 0
    now = clock_now()
    for reg in repos.sessions.registrations(branch.id, session.id):
        if reg.status != "registered":
            continue
        role = CandidateRole(reg.role)
        context: dict[str, Any] = {"branch": branch, "session": session, "name": reg.name}
        if mail == "session_cancelled":
            context["next_sessions"] = [s for s in next_sessions(repos, branch, role, now) if s.id != session.id][:3]
            context["signup_url"] = notify.signup_url(branch.id, reg.language)
        else:
            context["manage_url"] = _fresh_link(repos, branch.id, reg)
        told += notify.send(repos, mail, reg.email, reg.language, privacy=(branch.id, reg.candidate_id), **context)
    return told


def _fresh_link(repos: Repos, branch_id: str, reg: Registration) -> str:
    token, digest = new_link()
    repos.candidates.add_link(branch_id, reg.candidate_id, digest)
    return notify.manage_url(branch_id, reg.candidate_id, token, reg.language)


def send_reminders(repos: Repos, now: datetime | None = None) -> int:
    """Remind everyone registered for a session in the next 24 hours, once (every active branch)."""
    now = now or clock_now()
    sent, cursor = 0, None
    while True:
        rows, cursor = repos.branches.list(100, cursor)
        for row in rows:
            if row["status"] == "active":
                sent += _remind_branch(repos, row["id"], now)
        if not cursor:
            break
    logger.info("reminders sent", extra={"sent": sent})
    return sent


def _remind_branch(repos: Repos, branch_id: str, now: datetime) -> int:
    branch = repos.branches.get(branch_id)
    sessions, _ = repos.sessions.between(branch_id, now, now + REMIND_WITHIN)
    sent = 0
    for session in sessions:
        if session.status is not SessionStatus.SCHEDULED or session.starts_at <= now:
            continue
        for reg in repos.sessions.registrations(branch_id, session.id):
            fresh = datetime.fromisoformat(reg.registered_at) > now - FRESH_REGISTRATION
            if reg.status != "registered" or reg.reminded_at or fresh:
                continue
            if repos.sessions.mark_reminded(branch_id, session.id, reg.candidate_id, now_iso()):
                context = {"branch": branch, "session": session, "name": reg.name}
                sent += notify.send(
                    repos, "reminder", reg.email, reg.language, manage_url=_fresh_link(repos, branch_id, reg),
                    privacy=(branch_id, reg.candidate_id), **context
                )
    return sent
