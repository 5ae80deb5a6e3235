"""The coordinator's task list and the branch's pipeline, read from the open lists only.

Both read GSI2 partitions of the open candidate statuses and open duo phases (the settled ones are
counted over the last 12 months), so the number of DynamoDB calls follows the open work of a branch,
never its closed history.

The task list walks its sources (the open privacy requests, ``domain.tasks.CANDIDATE_SOURCES`` /
``DUO_SOURCES``, most urgent first) a page of records at a time, until the page has ``limit`` tasks or
every source is read; its cursor says which source and where in it to go on. A page may hold a few more
than ``limit`` tasks (a duo may give several at once).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.candidates import SETTLED_STATUSES, CandidateStatus
from chalicelib.domain.duos import OPEN_PHASES, Phase, add_months
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.tasks import (
    CANDIDATE_SOURCES,
    DUO_SOURCES,
    Task,
    TaskPerson,
    candidate_tasks,
    duo_tasks,
    for_coordinator,
    request_tasks,
)
from chalicelib.domain.texts import N_
from chalicelib.services import clock, privacy_requests
from chalicelib.services.repos import Repos
from chalicelib.store.worklists import WorklistRepository

READ_PER_QUERY = 100  # records of one source read per query of the task list
MAX_QUERIES_PER_PAGE = 12  # a page stops here (with a cursor) even when short of tasks
SETTLED_MONTHS = 12

# The order the task list reads its sources in: the 24-hour answers first, intakes to plan last.
SOURCES: tuple[tuple[str, str], ...] = (
    ("privacy", "open"),  # legal deadlines (one month): the branch's open privacy requests
    ("duo", Phase.FIRST_MEETING.value),
    ("candidate", CandidateStatus.INTAKE_SCHEDULED.value),
    ("duo", Phase.AGREED.value),
    ("duo", Phase.ACTIVE.value),
    ("duo", Phase.FOLLOW_UP.value),
    ("candidate", CandidateStatus.ATTENDED.value),
)
assert {s for k, s in SOURCES if k == "candidate"} == {s.value for s in CANDIDATE_SOURCES}
assert {s for k, s in SOURCES if k == "duo"} == {p.value for p in DUO_SOURCES}


def _lists(repos: Repos) -> WorklistRepository:
    return WorklistRepository(repos.scopes)


# --- Task list ------------------------------------------------------------------------------------------
def _bad_cursor() -> InvalidInputError:
    return InvalidInputError(N_("This page link is not valid here."), {"cursor": N_("Unknown or expired cursor.")})


def _encode(branch_id: str, source: int, inner: str | None) -> str:
    raw = json.dumps([source, inner, branch_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None, branch_id: str) -> tuple[int, str | None]:
    """The cursor's source and inner cursor; bound to the branch even between two sources (no inner)."""
    if not cursor:
        return 0, None
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if (not isinstance(data, list) or len(data) != 3 or data[2] != branch_id or not isinstance(data[0], int)
            or not 0 <= data[0] < len(SOURCES) or not (data[1] is None or isinstance(data[1], str))):
        raise _bad_cursor()
    return data[0], data[1]


@dataclass
class TaskPage:
    tasks: list[Task]
    next: str | None
    now: datetime


def tasks(repos: Repos, branch_id: str, *, mine: str | None = None, limit: int = 50,
          cursor: str | None = None) -> TaskPage:
    """A page of the branch's tasks (``mine``: a staff id, only the records they are responsible for),
    overdue first, then by due date."""
    now = clock.now()
    source, inner = _decode(cursor, branch_id)
    found: list[Task] = []
    queries = 0
    while source < len(SOURCES) and len(found) < limit and queries < MAX_QUERIES_PER_PAGE:
        kind, code = SOURCES[source]
        queries += 1
        if kind == "privacy":
            requests, inner = privacy_requests.open_page(repos, branch_id, limit=READ_PER_QUERY, cursor=inner)
            rows = request_tasks(requests, now, _task_people(repos, branch_id, [r.candidate_id for r in requests]))
        elif kind == "candidate":
            people, inner = repos.candidates.by_status(branch_id, code, limit=READ_PER_QUERY, cursor=inner)
            rows = [t for c in people for t in candidate_tasks(c, now)]
        else:
            duos, inner = repos.duos.by_phase(branch_id, code, limit=READ_PER_QUERY, cursor=inner)
            rows = [t for d in duos for t in duo_tasks(d, now)]
        found += for_coordinator(rows, mine)
        if inner is None:
            source += 1
    more = source < len(SOURCES)
    return TaskPage(sorted(found, key=Task.sort_key), _encode(branch_id, source, inner) if more else None, now)


def _task_people(repos: Repos, branch_id: str, ids: list[str]) -> dict[str, TaskPerson]:
    """Who the open privacy requests are about (one BatchGet; an erased person is left out)."""
    if not ids:
        return {}
    return {c.id: TaskPerson(c.id, c.name, c.role.value) for c in repos.matching.people(branch_id, ids).values()}


def staff_names(repos: Repos, branch_id: str) -> dict[str, str]:
    """Staff id -> name (or email): one query for the whole page."""
    return {m.id: m.name or m.email for m in repos.staff.list(branch_id)}


# --- Pipeline -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    code: str  # what ?stage= takes
    subject_kind: str  # candidate | duo
    value: str  # the status or phase
    role: str | None = None
    settled: bool = False  # counted (and listed) over the last 12 months only


STAGES: tuple[Stage, ...] = (
    Stage("registered", "candidate", "registered"),
    Stage("attended", "candidate", "attended"),
    Stage("no_show", "candidate", "no_show"),
    Stage("intake_scheduled", "candidate", "intake_scheduled"),
    Stage("training", "candidate", "training"),
    Stage("ready_mentees", "candidate", "ready", "mentee"),
    Stage("ready_mentors", "candidate", "ready", "mentor"),
    Stage("paired", "candidate", "paired"),
    Stage("in_duo", "candidate", "in_duo"),
    *(Stage(f"duos_{p.value}", "duo", p.value) for p in OPEN_PHASES),
    *(Stage(s.value, "candidate", s.value, settled=True) for s in sorted(SETTLED_STATUSES)),
    Stage("duos_done", "duo", Phase.DONE.value, settled=True),
    Stage("duos_declined", "duo", Phase.DECLINED.value, settled=True),
)
STAGE_CODES = tuple(s.code for s in STAGES)
_BY_CODE = {s.code: s for s in STAGES}


@dataclass
class Pipeline:
    counts: list[tuple[Stage, int]]
    stage: Stage
    items: list[Any]  # Candidate or Duo
    next: str | None
    since: str  # the settled stages' window starts here (ISO date)


def settled_since(now: datetime) -> str:
    return add_months(now.date(), -SETTLED_MONTHS).isoformat()


def _default_stage(counts: list[tuple[Stage, int]]) -> Stage:
    """The first open stage with someone in it (the earliest step of the life cycle that has work)."""
    return next((s for s, n in counts if n and not s.settled), STAGES[0])


def pipeline(repos: Repos, branch_id: str, *, stage: str | None = None, limit: int = 25,
             cursor: str | None = None) -> Pipeline:
    """Counts per stage (one COUNT query each) and one page of the chosen stage (default: the first
    open stage with someone in it)."""
    if stage is not None and stage not in _BY_CODE:
        raise InvalidInputError(N_("Choose one of the stages."), {"stage": N_("One of: %(values)s.",
                                                                               values=', '.join(STAGE_CODES))})
    since = settled_since(clock.now())
    lists = _lists(repos)
    counts: list[tuple[Stage, int]] = []
    for s in STAGES:
        window = since if s.settled else None
        if s.subject_kind == "candidate":
            n = lists.count_candidates(branch_id, s.value, role=s.role, since=window)
        else:
            n = repos.duos.count_by_phase(branch_id, s.value, since=window)
        counts.append((s, n))
    chosen = _BY_CODE[stage] if stage else _default_stage(counts)
    window = since if chosen.settled else None
    if chosen.subject_kind == "candidate":
        items, after = lists.candidates(branch_id, chosen.value, role=chosen.role, since=window, limit=limit,
                                        cursor=cursor)
    else:
        items, after = lists.duos(branch_id, chosen.value, since=window, limit=limit, cursor=cursor)
    return Pipeline(counts, chosen, list(items), after, since)
