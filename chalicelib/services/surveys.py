"""Personal links of a duo: a person answers after the first meeting, fills in the evaluation after the
closing, or tells their situation twelve months after the start, without signing in.

The link is "signed, single-purpose, expiring": its token is 192 random bits that only the mail holds
(the table keeps its sha256), it names one purpose, one duo and one side, it stops working at its
expiry, and it is marked used in the very transaction that records the answer, so it works once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain import duos as rules
from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import Candidate
from chalicelib.domain.duos import Duo, DuoStatus
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.events import CANDIDATE_ACTOR
from chalicelib.domain.texts import N_
from chalicelib.observability import logger
from chalicelib.services import clock
from chalicelib.services import duos as duo_service
from chalicelib.services.links import digest
from chalicelib.services.repos import Repos
from chalicelib.store.links import Link

_TOKEN = re.compile(r"[0-9a-f]{48}")


@dataclass
class LinkView:
    branch: Branch
    link: Link
    duo: Duo
    person: Candidate
    state: str  # open | used | expired | done (answered another way) | early (before the first meeting)

    @property
    def purpose(self) -> str:
        return self.link.purpose

    @property
    def side(self) -> str:
        return self.link.side


class LinkGoneError(NotFoundError):
    """Unknown, mistyped or forgotten link: the same answer whichever (no oracle)."""

    code = "link_not_valid"


def _state(link: Link, duo: Duo) -> str:
    now = clock.now_iso()
    if link.used_at:
        return "used"
    if link.valid_until <= now:
        return "expired"
    if link.purpose == "answer":
        if duo.status is not DuoStatus.FIRST_MEETING or link.side in duo.answers:
            return "done"
        if now < duo.first_meeting_at:
            return "early"
    elif link.purpose == "evaluation":
        if duo.status is not DuoStatus.CLOSED or link.side in duo.evaluations:
            return "done"
    elif link.purpose == "outcome" and (duo.status is not DuoStatus.CLOSED or duo.outcome):
        return "done"
    return "open"


def open_link(repos: Repos, branch_id: str, token: str) -> LinkView:
    branch = repos.branches.get(branch_id)
    if not _TOKEN.fullmatch(token or ""):
        raise LinkGoneError(N_("This link is not valid."))
    link = repos.links.get(branch_id, digest(token))
    if link is None:
        raise LinkGoneError(N_("This link is not valid."))
    try:
        duo = repos.duos.get(branch_id, link.duo_id)
        person = repos.candidates.get(branch_id, duo.mentee_id if link.side == "mentee" else duo.mentor_id)
    except NotFoundError:
        raise LinkGoneError(N_("This link is not valid.")) from None
    return LinkView(branch, link, duo, person, _state(link, duo))


def submit(repos: Repos, branch_id: str, token: str, values: dict[str, str]) -> LinkView:
    """Record what the person sent through their link (once). Raises InvalidInputError for a form
    to fill in again, ConflictError when the link no longer takes an answer."""
    view = open_link(repos, branch_id, token)
    if view.state != "open":
        raise ConflictError(N_("This link does not take an answer any more."), code=f"link_{view.state}")
    link, side = view.link, view.link.side
    now = clock.now()
    if link.purpose == "answer":
        value = values.get("answer", "")
        if value not in rules.ANSWERS:
            raise InvalidInputError(N_("Choose yes or no."), {"answer": N_("Choose yes or no.")})

        def change(d: Duo) -> rules.Step:
            return rules.answer(d, side, value, now, CANDIDATE_ACTOR)
    elif link.purpose == "evaluation":
        items = rules.EVALUATION_ITEMS[side]
        missing = {k: N_("Choose yes or no.") for k in items if values.get(k) not in ("yes", "no")}
        if missing:
            raise InvalidInputError(N_("Answer every question."), missing)
        answers = {k: values[k] == "yes" for k in items}

        def change(d: Duo) -> rules.Step:
            return rules.submit_evaluation(d, side, answers, now, CANDIDATE_ACTOR)
    else:
        situation = values.get("situation", "")
        if situation not in rules.OUTCOMES:
            raise InvalidInputError(N_("Choose one answer."), {"situation": N_("Choose one answer.")})

        def change(d: Duo) -> rules.Step:
            return rules.record_outcome(d, situation, now, CANDIDATE_ACTOR)
    for attempt in range(2):  # a coordinator's change at the same moment: read again once
        duo = repos.duos.get(branch_id, link.duo_id)
        try:
            duo_service.step(repos, branch_id, duo.id, duo.version, change, CANDIDATE_ACTOR,
                             use_link=(link.digest, clock.iso(now)))
            break
        except ConflictError as error:
            if error.code != "changed_meanwhile" or attempt:
                raise
    logger.info("link answered", extra={"duo_id": link.duo_id, "purpose": link.purpose})
    return open_link(repos, branch_id, token)
