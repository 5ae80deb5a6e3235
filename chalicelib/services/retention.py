"""Retention: people whose time in the branch's records is over are erased (``personal_data.erase``).

Each branch sets ``config["retention"]``:
- ``candidate_months``: a person who never had a duo that started (never paired, or only declined pairings)
  expires that long after their last activity (``updated_at``);
- ``after_outcome_months``: a person whose duo closed expires that long after the 12-month outcome of their
  last duo (``outcome.recorded_at``), or, when no outcome was ever recorded, after its end plus 12 months. If
  they did anything after that date (a mentor back in the pool, trained again), their last activity counts
  as a candidate's does, whichever comes later.
A person in a pairing or a running duo (first meeting, agreed, active) never expires.

The sweep finds them through the status lists (GSI2, sorted by ``status_since``): one query per status
(every status but paired and in_duo) up to a bound of the sort key, ``now`` minus the shorter of the two
periods: no one who is in their status since later can have expired (``status_since <= updated_at``). Each
person found is checked precisely (their duos read in batches), read again consistently, then erased.
Logs and metrics carry counts only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from chalicelib.domain.candidates import Candidate, CandidateStatus
from chalicelib.domain.duos import OUTCOME_AFTER_MONTHS, Duo, DuoStatus, add_months
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.observability import logger, metrics
from chalicelib.services import clock
from chalicelib.services.personal_data import RETENTION_ACTOR, erase, reason_codes
from chalicelib.services.repos import Repos
from chalicelib.store.personal_data import PersonalDataRepository

SWEPT_STATUSES = tuple(s for s in CandidateStatus if s not in (CandidateStatus.PAIRED, CandidateStatus.IN_DUO))
RUNNING = frozenset({DuoStatus.FIRST_MEETING, DuoStatus.AGREED, DuoStatus.ACTIVE})
REGISTRY_PAGE = 100


def _parse(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def shift(moment: datetime, months: int) -> datetime:
    """The same time of day ``months`` later (earlier when negative), on the month's last day if it is shorter."""
    moment = moment.astimezone(UTC)
    return datetime.combine(add_months(moment.date(), months), moment.time(), UTC)


def _ended_plus_year(duo: Duo) -> datetime | None:
    if not duo.ended_on:
        return None
    return datetime.combine(add_months(date.fromisoformat(duo.ended_on), OUTCOME_AFTER_MONTHS), time(), UTC)


def expires_at(person: Candidate, duos: Iterable[Duo], candidate_months: int,
               after_outcome_months: int) -> datetime | None:
    """When the person's data expires; None while they are in a pairing or a running duo."""
    if person.status in (CandidateStatus.PAIRED, CandidateStatus.IN_DUO):
        return None
    references = []
    for duo in duos:
        if duo.status in RUNNING:
            return None
        if duo.status is DuoStatus.CLOSED:
            recorded = (duo.outcome or {}).get("recorded_at")
            reference = _parse(recorded) if recorded else _ended_plus_year(duo)
            if reference is not None:
                references.append(reference)
    activity = _parse(person.updated_at or person.status_since or person.created_at)
    by_activity = shift(activity, candidate_months)
    if not references:
        return by_activity
    reference = max(references)
    by_outcome = shift(reference, after_outcome_months)
    return max(by_outcome, by_activity) if activity > reference else by_outcome


def _branches(repos: Repos) -> list[str]:
    rows, cursor = repos.branches.list(REGISTRY_PAGE, None)
    while cursor:
        more, cursor = repos.branches.list(REGISTRY_PAGE, cursor)
        rows += more
    return [row["id"] for row in rows]


def sweep(repos: Repos, branch_id: str | None = None, now: datetime | None = None) -> dict[str, int]:
    """Erase the expired people of one branch (or of every branch): branch -> people erased."""
    moment = now or clock.now()
    erased = {bid: _sweep_branch(repos, bid, moment) for bid in ([branch_id] if branch_id else _branches(repos))}
    metrics.add_metric(name="PeopleExpired", unit="Count", value=sum(erased.values()))
    return erased


def _expired(person: Candidate, duos: dict[str, Duo], candidate_months: int, after_months: int,
             now: datetime) -> bool:
    if any(d not in duos for d in person.duo_ids):
        return False  # a pairing newer than the sweep's read of the duos: the next sweep looks again
    when = expires_at(person, (duos[d] for d in person.duo_ids), candidate_months, after_months)
    return when is not None and when <= now


def _sweep_branch(repos: Repos, branch_id: str, now: datetime) -> int:
    retention = repos.branches.get(branch_id).effective_config()["retention"]
    candidate_months, after_months = int(retention["candidate_months"]), int(retention["after_outcome_months"])
    if min(candidate_months, after_months) < 1:  # the settings' schema says 1 to 120: never erase everyone
        logger.warning("retention not swept: a period under a month", extra={"branch": branch_id})
        return 0
    bound = clock.iso(shift(now, -min(candidate_months, after_months)))
    store = PersonalDataRepository(repos.scopes)
    reasons = reason_codes(repos, branch_id)
    checked = erased = left = 0
    for status in SWEPT_STATUSES:
        people = store.in_status_before(branch_id, status.value, bound)
        checked += len(people)
        duos = store.duos(branch_id, [d for p in people for d in p.duo_ids])
        for person in people:
            if not _expired(person, duos, candidate_months, after_months, now):
                continue
            try:
                done = erase(repos, branch_id, person.id, RETENTION_ACTOR, reasons=reasons,
                             still=lambda fresh, duos=duos: _expired(fresh, duos, candidate_months, after_months, now))
            except (NotFoundError, ConflictError):
                done = None  # erased or paired meanwhile
            if done is not None and not done.already_erased:
                erased += 1
            else:
                left += 1
    logger.info("retention sweep", extra={"branch": branch_id, "checked": checked, "erased": erased, "left": left})
    return erased
