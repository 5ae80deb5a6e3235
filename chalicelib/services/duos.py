"""Duos, as a branch's coordinators run them: pair, first meeting and answers, agreement, follow-up,
closing, evaluations and the 12-month outcome.

Every step reads the duo, refuses a stale ``version`` (409 ``changed_meanwhile``), lets the domain check
the rule and change the duo, and writes it in ONE transaction with the people it moves, its events and
the personal links it makes (``store/duos.py``). Mails go after the transaction, in each person's language.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import duos as rules
from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import Candidate
from chalicelib.domain.duos import Duo, Step
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.events import Event
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services import clock, matching, notify
from chalicelib.services.links import digest
from chalicelib.services.repos import Repos
from chalicelib.settings import get_settings
from chalicelib.store.links import Link, link_item
from chalicelib.store.models import LinkItem

LINK_VALIDITY = {"answer": timedelta(days=7), "evaluation": timedelta(days=30), "outcome": timedelta(days=60)}
MAILS = {"answer": "duo_answer", "evaluation": "duo_evaluation", "outcome": "duo_outcome"}


def new_token() -> tuple[str, str]:
    """192 random bits as 48 hex characters (path-safe), and the digest the table keeps."""
    import secrets

    token = secrets.token_hex(24)
    return token, digest(token)


def link_url(branch_id: str, token: str) -> str:
    return f"{get_settings().public_url}/branches/{branch_id}/links/{token}"


def duo_url(branch_id: str, duo_id: str) -> str:
    return f"{get_settings().public_url}/branches/{branch_id}/console/duos/{duo_id}"


def _changed_meanwhile() -> ConflictError:
    return ConflictError(N_("This duo changed meanwhile; reload it and try again."), code="changed_meanwhile")


def _local_to_utc(moment: datetime, branch: Branch) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(branch.time_zone))
    return moment


def _when(moment: str, branch: Branch, lang: str) -> str:
    from chalicelib.web import i18n  # formatting happens where mails are rendered: on first mail

    return i18n.format_when(datetime.fromisoformat(moment.replace("Z", "+00:00")), branch.time_zone, lang,
                            branch.country)


@dataclass
class Minted:
    """Personal links made by a step: the items to write with it, and the tokens for the mails."""

    items: list[LinkItem]
    tokens: dict[str, str]  # side -> token


def mint(duo: Duo, purpose: str, sides: list[str] | tuple[str, ...]) -> Minted:
    now = clock.now()
    items, tokens = [], {}
    for side in sides:
        token, hashed = new_token()
        valid_until = clock.iso(now + LINK_VALIDITY[purpose])
        items.append(link_item(Link(duo.branch, hashed, purpose, duo.id, side, valid_until)))
        tokens[side] = token
    return Minted(items, tokens)


def _person_id(duo: Duo, side: str) -> str:
    return duo.mentee_id if side == "mentee" else duo.mentor_id


def mail_link(repos: Repos, branch: Branch, duo: Duo, purpose: str, side: str, token: str,
              mail: str | None = None, person: Candidate | None = None) -> bool:
    """Send ``side`` their personal link for ``purpose`` (in their language)."""
    person = person or repos.candidates.get(branch.id, _person_id(duo, side))
    other = duo.mentor_name if side == "mentee" else duo.mentee_name
    context: dict[str, Any] = {"branch": branch, "name": person.name, "other_name": other,
                               "link_url": link_url(branch.id, token)}
    if purpose == "answer":
        context["when"] = _when(duo.first_meeting_at, branch, person.language)
    return notify.send(repos, mail or MAILS[purpose], person.email, person.language, privacy=(branch.id, person.id),
                       **context)


# --- Reads ----------------------------------------------------------------------------------------
def get_duo(repos: Repos, branch_id: str, duo_id: str) -> Duo:
    return repos.duos.get(branch_id, duo_id)


def list_duos(repos: Repos, branch_id: str, *, phase: str | None, limit: int,
              cursor: str | None) -> tuple[list[Duo], str | None]:
    return repos.duos.list(branch_id, phase_=phase, limit=limit, cursor=cursor)


def duo_events(repos: Repos, branch_id: str, duo_id: str, *, limit: int,
               cursor: str | None) -> tuple[list[Event], str | None]:
    repos.duos.get(branch_id, duo_id)  # 404 for a duo that is not the branch's
    return repos.events.for_subject(branch_id, "duo", duo_id, limit=limit, cursor=cursor)


def meetings(repos: Repos, branch_id: str, duo_id: str, *, limit: int,
             cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    repos.duos.get(branch_id, duo_id)
    return repos.duos.meetings(branch_id, duo_id, limit=limit, cursor=cursor)


# --- Pairing --------------------------------------------------------------------------------------
def _candidate(repos: Repos, branch_id: str, candidate_id: str, name: str) -> Candidate:
    try:
        return repos.candidates.get(branch_id, candidate_id)
    except NotFoundError:
        raise InvalidInputError(N_("Some fields are not valid."), {name: N_("There is no such candidate.")}) from None


def pair(repos: Repos, branch_id: str, mentee_id: str, mentor_id: str, first_meeting_at: datetime,
         actor: str, *, via: str = "manual", proposal_id: str = "") -> Duo:
    """Pair a ready mentee with a ready mentor (one transaction), and mail both their answer link.

    The pairing's event records how it came about (``via`` a proposal or by hand), its matching score, and
    whether it followed the branch's latest proposal (``services.matching.pairing_note``)."""
    branch = repos.branches.get(branch_id)
    mentee = _candidate(repos, branch_id, mentee_id, "mentee_id")
    mentor = _candidate(repos, branch_id, mentor_id, "mentor_id")
    matching.ensure_not_restricted(mentee, mentor)  # 409 processing_restricted (GDPR art. 18)
    now = clock.now()
    duo, step = rules.pair(str(uuid.uuid4()), mentee, mentor, _local_to_utc(first_meeting_at, branch), now, actor)
    duo.phase_since = duo.created_at
    note, counter = matching.pairing_note(repos, branch, mentee, mentor, via, proposal_id)
    step = dataclasses.replace(step, data={**step.data, **note})
    minted = mint(duo, "answer", rules.SIDES)
    repos.duos.create(duo, step, actor, minted.items)
    if counter:
        repos.matching.count(branch_id, *counter)
    metrics.add_metric(name="DuoPaired", unit="Count", value=1)
    logger.info("duo paired", extra={"duo_id": duo.id})
    for side, person in (("mentee", mentee), ("mentor", mentor)):
        mail_link(repos, branch, duo, "answer", side, minted.tokens[side], person=person)
    return duo


# --- Steps ----------------------------------------------------------------------------------------
def step(repos: Repos, branch_id: str, duo_id: str, version: int, change: Callable[[Duo], Step], actor: str,
         **write: Any) -> Duo:
    """Read, check the version, apply the domain's rule, write it all in one transaction."""
    duo = repos.duos.get(branch_id, duo_id)
    if duo.version != version:
        raise _changed_meanwhile()
    before = rules.phase(duo)
    change_made = change(duo)
    rules.settle(duo, before, clock.now_iso())
    extra = write.pop("extra", None)
    if callable(extra):
        write.update(extra(duo))
    stored = repos.duos.apply(duo, version, change_made, actor, **write)
    logger.info("duo step", extra={"duo_id": duo_id, "kind": change_made.kind})
    return stored


def reschedule(repos: Repos, branch_id: str, duo_id: str, at: datetime, version: int, actor: str) -> Duo:
    branch = repos.branches.get(branch_id)
    moment = _local_to_utc(at, branch)
    minted: dict[str, Minted] = {}

    def links(duo: Duo) -> dict[str, Any]:  # fresh answer links: the mails carry the new time
        minted["m"] = mint(duo, "answer", rules.SIDES)
        return {"links": minted["m"].items}

    duo = step(repos, branch_id, duo_id, version, lambda d: rules.reschedule_first_meeting(d, moment, clock.now()),
               actor, extra=links)
    for side in rules.SIDES:
        mail_link(repos, branch, duo, "answer", side, minted["m"].tokens[side])
    return duo


def answer(repos: Repos, branch_id: str, duo_id: str, side: str, value: str, version: int, actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version, lambda d: rules.answer(d, side, value, clock.now(), actor), actor)


def record_agreement(repos: Repos, branch_id: str, duo_id: str, signed_on: date, mentee: bool, mentor: bool,
                     branch_signed: bool, version: int, actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version, lambda d: rules.record_agreement(
        d, signed_on, mentee, mentor, branch_signed, clock.today(), actor), actor)


def log_meeting(repos: Repos, branch_id: str, duo_id: str, on: date, minutes: int, mode: str, version: int,
                actor: str) -> Duo:
    meeting = {"id": uuid.uuid4().hex[:12], "on": on.isoformat(), "minutes": minutes, "mode": mode,
               "logged_at": clock.now_iso(), "logged_by": actor}
    return step(repos, branch_id, duo_id, version, lambda d: rules.log_meeting(d, on, minutes, mode, clock.today()),
                actor, meeting=meeting)


def add_goal(repos: Repos, branch_id: str, duo_id: str, title: str, target_date: date | None, version: int,
             actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version,
                lambda d: rules.add_goal(d, uuid.uuid4().hex[:12], title, target_date), actor)


def update_goal(repos: Repos, branch_id: str, duo_id: str, goal_id: str, status: str | None,
                target_date: date | None, clear_date: bool, version: int, actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version,
                lambda d: rules.update_goal(d, goal_id, status, target_date, clear_date), actor)


def add_checkin(repos: Repos, branch_id: str, duo_id: str, on: date, channel: str, version: int,
                actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version,
                lambda d: rules.add_checkin(d, uuid.uuid4().hex[:12], on, channel, actor, clock.today()), actor)


def add_intervision(repos: Repos, branch_id: str, duo_id: str, on: date, version: int, actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version, lambda d: rules.add_intervision(d, on, clock.today()), actor)


def add_service(repos: Repos, branch_id: str, duo_id: str, code: str, on: date, return_due: date | None,
                version: int, actor: str) -> Duo:
    offered = repos.branches.get(branch_id).effective_config().get("services") or []
    return step(repos, branch_id, duo_id, version, lambda d: rules.add_service(
        d, uuid.uuid4().hex[:12], code, on, return_due, offered, clock.today()), actor)


def service_returned(repos: Repos, branch_id: str, duo_id: str, service_id: str, on: date, version: int,
                     actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version,
                lambda d: rules.service_returned(d, service_id, on, clock.today()), actor)


def close(repos: Repos, branch_id: str, duo_id: str, ended_on: date, kind: str, reason: str | None, version: int,
          actor: str) -> Duo:
    """Close the duo, and mail both their evaluation link (made in the closing transaction)."""
    branch = repos.branches.get(branch_id)
    reasons = branch.effective_config().get("closing", {}).get("end_reasons") or []
    minted: dict[str, Minted] = {}

    def links(duo: Duo) -> dict[str, Any]:
        minted["m"] = mint(duo, "evaluation", rules.SIDES)
        return {"links": minted["m"].items}

    duo = step(repos, branch_id, duo_id, version,
               lambda d: rules.close(d, ended_on, kind, reason, reasons, clock.today()), actor, extra=links)
    metrics.add_metric(name="DuoClosed", unit="Count", value=1)
    for side in rules.SIDES:
        mail_link(repos, branch, duo, "evaluation", side, minted["m"].tokens[side])
    return duo


def submit_evaluation(repos: Repos, branch_id: str, duo_id: str, side: str, answers: dict[str, bool], version: int,
                      actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version,
                lambda d: rules.submit_evaluation(d, side, answers, clock.now(), actor), actor)


def record_outcome(repos: Repos, branch_id: str, duo_id: str, situation: str, version: int, actor: str) -> Duo:
    return step(repos, branch_id, duo_id, version,
                lambda d: rules.record_outcome(d, situation, clock.now(), actor), actor)
