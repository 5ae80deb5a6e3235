"""Importing a branch's existing candidates and duos from its spreadsheets (CSV).

A dry run reads the whole file and answers every row's problems, including what only the table
knows (the person is there already, no mentee with this email, the duo is there already), and writes
nothing. A real import writes each good row in one transaction (``store/imports.py``): a row either
is written whole or not at all, and running the same file again reports every row "already there".
Events carry the actor ``import:<staff id>``. Logs name rows and counts, never a person.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field

from chalicelib.domain import imports as rows_domain
from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus, SpokenLanguage
from chalicelib.domain.duos import Duo
from chalicelib.domain.events import IMPORT_ACTOR_PREFIX, Event
from chalicelib.domain.imports import DuoRow, PersonRow, Problem
from chalicelib.domain.staff import StaffStatus
from chalicelib.domain.texts import N_, word
from chalicelib.observability import logger
from chalicelib.services import clock
from chalicelib.services.branches import get_branch
from chalicelib.services.repos import Repos
from chalicelib.store.imports import DuoWrite, ImportRepository, PersonUpdate

MAX_CSV_CHARS = 1_000_000  # about 5,000 rows of a wide people file

# What happened to a row.
READY = "ready"  # dry run: would be imported
IMPORTED = "imported"
THERE = "already_there"
ERROR = "error"


@dataclass
class RowResult:
    row: int
    result: str
    problems: list[Problem] = field(default_factory=list)
    record_id: str = ""  # the candidate or duo (imported or already there)


@dataclass
class Report:
    kind: str
    dry_run: bool
    total: int
    rows: list[RowResult]

    def count(self, result: str) -> int:
        return sum(1 for r in self.rows if r.result == result and r.row > 1)

    @property
    def file_problems(self) -> list[Problem]:
        return [p for r in self.rows if r.row == 1 for p in r.problems]


def rules_of(branch: Branch) -> rows_domain.Rules:
    config = branch.effective_config()
    modules = config["training"]["modules"]
    return rows_domain.Rules(
        default_language=branch.languages[0] if branch.languages else "en",
        help_needs=tuple(config["intake"]["help_needs"]),
        modules=tuple(m["code"] for m in modules),
        required_modules=tuple(m["code"] for m in modules if m.get("required", True)),
        end_reasons=tuple(config["closing"]["end_reasons"]),
    )


def _repo(repos: Repos) -> ImportRepository:
    return ImportRepository(repos.scopes)


def run_import(repos: Repos, branch_id: str, kind: str, text: str, *, dry_run: bool, staff_id: str) -> Report:
    branch = get_branch(repos, branch_id)
    parsed = rows_domain.parse(kind, text, rules_of(branch), today=clock.today())
    results: dict[int, RowResult] = {}
    for problem in parsed.problems:
        results.setdefault(problem.row, RowResult(problem.row, ERROR)).problems.append(problem)
    actor = f"{IMPORT_ACTOR_PREFIX}{staff_id}"
    if kind == "people":
        _people(repos, branch, parsed.rows, results, dry_run=dry_run, actor=actor)
    else:
        _duos(repos, branch, parsed.rows, results, dry_run=dry_run, actor=actor)
    report = Report(kind, dry_run, parsed.total, sorted(results.values(), key=lambda r: r.row))
    logger.info("import", extra={"kind": kind, "dry_run": dry_run, "rows": parsed.total,
                                 "imported": report.count(IMPORTED), "already_there": report.count(THERE),
                                 "errors": report.count(ERROR)})
    return report


# --- people ---------------------------------------------------------------------------------------

def _people(repos: Repos, branch: Branch, rows: list[PersonRow], results: dict[int, RowResult], *, dry_run: bool,
            actor: str) -> None:
    store = _repo(repos)
    owners = store.owners(branch.id, [(r.role.value, r.email) for r in rows])
    staff = {m.email.strip().lower(): m.id for m in repos.staff.list(branch.id) if m.status is StaffStatus.ACTIVE}
    for row in rows:
        owner = owners.get((row.role.value, row.email))
        if owner:
            results[row.row] = RowResult(row.row, THERE, record_id=owner)
            continue
        if row.coordinator_email and row.coordinator_email not in staff:
            problem = Problem(row.row, "coordinator_email", N_("No active staff member of this branch has this email."))
            results[row.row] = RowResult(row.row, ERROR, [problem])
            continue
        candidate = _candidate(branch, row, staff.get(row.coordinator_email, ""))
        if dry_run:
            results[row.row] = RowResult(row.row, READY)
            continue
        event = Event("candidate.imported", "candidate", candidate.id, actor, candidate.created_at,
                      data={"to": candidate.status.value, "role": candidate.role.value, "row": row.row})
        if store.add_person(candidate, event):
            results[row.row] = RowResult(row.row, IMPORTED, record_id=candidate.id)
        else:  # written meanwhile (a signup, or the same file imported at the same time)
            found = store.owners(branch.id, [(row.role.value, row.email)]).get((row.role.value, row.email), "")
            results[row.row] = RowResult(row.row, THERE, record_id=found)


def _candidate(branch: Branch, row: PersonRow, coordinator_id: str) -> Candidate:
    now = clock.now_iso()
    mentee = row.role is CandidateRole.MENTEE
    return Candidate(
        id=str(uuid.uuid4()), branch=branch.id, role=row.role, status=row.status, name=row.name, email=row.email,
        phone=row.phone, birth_date=row.birth_date, postcode=row.postcode, city=row.city,
        languages=[SpokenLanguage(code, level) for code, level in row.languages], heard_from="",
        language=row.language, consent_version="", consent_language="", consent_at="", session_id="",
        created_at=now, updated_at=now, sectors=list(row.sectors), status_since=now, coordinator_id=coordinator_id,
        training=dict(row.training) if not mentee else {}, help_needs=list(row.help_needs) if mentee else [],
        availability=list(row.availability),
    )


# --- duos -----------------------------------------------------------------------------------------

def _duos(repos: Repos, branch: Branch, rows: list[DuoRow], results: dict[int, RowResult], *, dry_run: bool,
          actor: str) -> None:
    store = _repo(repos)
    wanted = [("mentee", r.mentee_email) for r in rows] + [("mentor", r.mentor_email) for r in rows]
    owners = store.owners(branch.id, wanted)
    people = store.candidates(branch.id, owners.values())
    found: list[tuple[DuoRow, str]] = []
    for row in rows:
        problems = []
        for side, email, column in (("mentee", row.mentee_email, "mentee_email"),
                                    ("mentor", row.mentor_email, "mentor_email")):
            if owners.get((side, email)) not in people:
                problems.append(Problem(row.row, column, N_("No %(side)s with this email in this branch: import the "
                                                            "people file first, or check the address.",
                                                             side=word(side))))
        if problems:
            results[row.row] = RowResult(row.row, ERROR, problems)
            continue
        mentee_id, mentor_id = owners[("mentee", row.mentee_email)], owners[("mentor", row.mentor_email)]
        found.append((row, rows_domain.duo_id_for(branch.id, mentee_id, mentor_id, row.key_date)))
    existing = store.existing_duos(branch.id, [duo_id for _, duo_id in found])
    for row, duo_id in found:
        if duo_id in existing:
            results[row.row] = RowResult(row.row, THERE, record_id=duo_id)
            continue
        mentee = people[owners[("mentee", row.mentee_email)]]
        mentor = people[owners[("mentor", row.mentor_email)]]
        moves, problems = rows_domain.people_moves(row, row.row, mentee, mentor, duo_id)
        if problems:
            results[row.row] = RowResult(row.row, ERROR, problems)
            continue
        now = clock.now_iso()
        duo = rows_domain.build_duo(row, branch.id, duo_id, mentee, mentor, actor, now)
        if not dry_run and not _write_duo(store, duo, moves, mentee, mentor, actor, now, row.row):
            results[row.row] = RowResult(row.row, ERROR, [Problem(
                row.row, "", N_("One of these people changed while importing; run the import again."))])
            continue
        results[row.row] = RowResult(row.row, READY if dry_run else IMPORTED, record_id=duo_id)
        # The next rows see these people as this row leaves them (in a dry run too).
        for move, person in zip(moves, (mentee, mentor), strict=True):
            people[person.id] = dataclasses.replace(
                person, status=CandidateStatus(move.to_status) if move.to_status else person.status,
                duo_id=person.duo_id if move.current_duo is None else move.current_duo,
                duo_ids=[*person.duo_ids, duo_id], version=person.version + 1,
            )


def _write_duo(store: ImportRepository, duo: Duo, moves: list[rows_domain.Move], mentee: Candidate, mentor: Candidate,
               actor: str, now: str, row: int) -> bool:
    phase = rows_domain.duo_phase(duo)
    data = {"status": duo.status.value, "phase": phase.value, "started_on": duo.started_on,
            "ended_on": duo.ended_on, "end_kind": duo.end_kind, "end_reason": duo.end_reason,
            "outcome": duo.outcome["situation"] if duo.outcome else None, "meetings": duo.meeting_count, "row": row}
    events = [Event("duo.imported", "duo", duo.id, actor, now, data={k: v for k, v in data.items() if v is not None})]
    updates = []
    for move, person in zip(moves, (mentee, mentor), strict=True):
        updates.append(PersonUpdate(person.id, person.version, move.to_status, move.current_duo, duo.id, now))
        events.append(Event("duo.imported", "candidate", person.id, actor, now, fields=("status", "duo_id"),
                            data={"duo_id": duo.id, "side": move.side, "from": move.from_status,
                                  "to": move.to_status or move.from_status}))
    return store.add_duo(DuoWrite(duo, phase, updates, events))
