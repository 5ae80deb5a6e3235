"""Reminders of the duos, sent by the hourly ``send_reminders`` job (AWS) and the local scheduler.

- an answer still pending 20 hours after the first meeting: that person, with a fresh link;
- no meeting logged for 14 days in an active duo: the duo's coordinator;
- an evaluation not filled in a week after the closing: that person, with a fresh link;
- twelve months after the start with no outcome: the mentee gets the outcome link.
Each at most once: the reminder's key is added to the duo's ``reminders_sent`` by a conditional update
BEFORE the mail goes (two runs at once send it once). Only the open phases' lists are read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chalicelib.domain import duos as rules
from chalicelib.domain.branches import Branch
from chalicelib.domain.duos import Duo, Phase
from chalicelib.domain.errors import NotFoundError
from chalicelib.observability import logger
from chalicelib.services import clock, notify
from chalicelib.services import duos as duo_service
from chalicelib.services.repos import Repos

ANSWER_REMINDER_AFTER = timedelta(hours=20)
QUIET_DAYS = 14
EVALUATION_REMINDER_AFTER = timedelta(days=7)


def send_duo_reminders(repos: Repos, now: datetime | None = None) -> int:
    """Every active branch's due reminders; returns the mails sent."""
    now = now or clock.now()
    sent, cursor = 0, None
    while True:
        rows, cursor = repos.branches.list(100, cursor)
        for row in rows:
            if row["status"] == "active":
                sent += remind_branch(repos, repos.branches.get(row["id"]), now)
        if not cursor:
            break
    logger.info("duo reminders sent", extra={"sent": sent})
    return sent


def _each(repos: Repos, branch_id: str, phase: Phase):  # type: ignore[no-untyped-def]
    cursor = None
    while True:
        rows, cursor = repos.duos.by_phase(branch_id, phase, limit=100, cursor=cursor)
        yield from rows
        if not cursor:
            return


def remind_branch(repos: Repos, branch: Branch, now: datetime) -> int:
    sent = 0
    for duo in _each(repos, branch.id, Phase.FIRST_MEETING):
        if now >= datetime.fromisoformat(duo.first_meeting_at.replace("Z", "+00:00")) + ANSWER_REMINDER_AFTER:
            for side in rules.pending_sides(duo):
                sent += _link_reminder(repos, branch, duo, f"answer:{side}", "answer", side, "duo_answer_reminder")
    for duo in _each(repos, branch.id, Phase.ACTIVE):
        if rules.no_recent_meeting(duo, now, QUIET_DAYS):
            sent += _coordinator_reminder(repos, branch, duo)
    for duo in _each(repos, branch.id, Phase.FOLLOW_UP):
        if duo.ended_on and now.date() >= date.fromisoformat(duo.ended_on) + EVALUATION_REMINDER_AFTER:
            for side in rules.evaluations_missing(duo):
                sent += _link_reminder(repos, branch, duo, f"evaluation:{side}", "evaluation", side,
                                       "duo_evaluation_reminder")
        if rules.outcome_due(duo, now):
            sent += _link_reminder(repos, branch, duo, "outcome", "outcome", "mentee", "duo_outcome")
    return sent


def _link_reminder(repos: Repos, branch: Branch, duo: Duo, key: str, purpose: str, side: str, mail: str) -> int:
    if key in duo.reminders_sent or not repos.duos.mark_reminded(branch.id, duo.id, key):
        return 0
    minted = duo_service.mint(duo, purpose, [side])
    repos.links.add_item(minted.items[0])
    logger.info("duo reminder", extra={"duo_id": duo.id, "reminder": key})
    return int(duo_service.mail_link(repos, branch, duo, purpose, side, minted.tokens[side], mail=mail))


def _coordinator_reminder(repos: Repos, branch: Branch, duo: Duo) -> int:
    since = rules.last_meeting_or_start(duo)
    key = f"no_meeting:{since.isoformat() if since else ''}"  # once per quiet spell
    if not duo.coordinator_id or key in duo.reminders_sent:
        return 0
    try:
        staff = repos.staff.get(branch.id, duo.coordinator_id)
    except NotFoundError:
        return 0
    if not repos.duos.mark_reminded(branch.id, duo.id, key):
        return 0
    days = (clock.now().date() - since).days if since else QUIET_DAYS
    lang = branch.languages[0]
    logger.info("duo reminder", extra={"duo_id": duo.id, "reminder": "no_meeting"})
    return int(notify.send(repos, "duo_no_meeting", staff.email, lang, branch=branch, days=days,
                           duo_url=duo_service.duo_url(branch.id, duo.id)))
