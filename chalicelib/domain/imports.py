"""Bringing a branch's history in from its spreadsheets: reading and checking CSV rows (pure).

Two kinds of file, each with a header row: **people** (one candidate a row) and **duos** (one
pairing a row, its people found by their emails). A file may use commas or semicolons (Excel writes
semicolons where the decimal mark is a comma), may start with a UTF-8 byte-order mark, and dates may
be written ``yyyy-mm-dd`` or ``dd/mm/yyyy``. Every problem is reported as (row, column, message),
with the row numbered as the spreadsheet shows it (the header is row 1), in words a coordinator
understands. Nothing here reads or writes the table: the service adds what only the table knows
("already there", "no mentee with this email").
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date

from chalicelib.domain.branches import LANGUAGES
from chalicelib.domain.candidates import (
    AVAILABILITY,
    LANGUAGE_LEVELS,
    MAX_LANGUAGES,
    MAX_SECTORS,
    SECTORS,
    SPOKEN_LANGUAGES,
    Candidate,
    CandidateRole,
    CandidateStatus,
)
from chalicelib.domain.duos import END_KINDS, OUTCOMES, Duo, DuoStatus, Phase
from chalicelib.domain.texts import N_, word

KINDS = ("people", "duos")
MAX_ROWS = 5000
MAX_TEXT = 200

PEOPLE_COLUMNS = (
    "role", "name", "email", "phone", "birth_date", "postcode", "city", "language", "languages", "sectors",
    "help_needs", "availability", "status", "training_done", "coordinator_email",
)
PEOPLE_REQUIRED = ("role", "name", "email", "status")
DUO_COLUMNS = (
    "mentee_email", "mentor_email", "first_meeting_on", "started_on", "ended_on", "end_kind", "end_reason",
    "outcome", "meetings",
)
DUO_REQUIRED = ("mentee_email", "mentor_email")

# The stages a spreadsheet may give a person. Pairings and duos come from the duos file, which sets
# the status of both people itself.
IMPORT_STATUSES = (
    CandidateStatus.REGISTERED, CandidateStatus.ATTENDED, CandidateStatus.NO_SHOW, CandidateStatus.INTAKE_SCHEDULED,
    CandidateStatus.TRAINING, CandidateStatus.READY, CandidateStatus.NOT_SUITABLE, CandidateStatus.FINISHED,
    CandidateStatus.WITHDRAWN,
)
ALL_MODULES = "all"  # training_done shorthand: every required module of the branch

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_EU_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_LIST_SPLIT = re.compile(r"[;,|]")


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str  # "" for the whole row or file
    message: str


@dataclass
class PersonRow:
    row: int
    role: CandidateRole
    name: str
    email: str
    status: CandidateStatus
    phone: str = ""
    birth_date: str = ""
    postcode: str = ""
    city: str = ""
    language: str = ""
    languages: list[tuple[str, str]] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    help_needs: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    training: dict[str, str] = field(default_factory=dict)  # module code -> YYYY-MM-DD
    coordinator_email: str = ""


@dataclass
class DuoRow:
    row: int
    mentee_email: str
    mentor_email: str
    first_meeting_on: str = ""
    started_on: str = ""
    ended_on: str = ""
    end_kind: str = ""
    end_reason: str = ""
    outcome: str = ""
    meetings: int = 0

    @property
    def is_open(self) -> bool:
        return not self.ended_on

    @property
    def key_date(self) -> str:
        """What tells two duos of the same people apart (with their ids): the start, else the first meeting."""
        return self.started_on or self.first_meeting_on


@dataclass(frozen=True)
class Rules:
    """What a branch allows, from its configuration (the service builds it)."""

    default_language: str
    help_needs: tuple[str, ...]
    modules: tuple[str, ...]  # every training module code of the branch
    required_modules: tuple[str, ...]
    end_reasons: tuple[str, ...]


@dataclass
class Parsed:
    kind: str
    rows: list  # PersonRow | DuoRow, only the rows without problems
    problems: list[Problem]
    total: int  # data rows read (blank rows not counted)

    def problems_of(self, row: int) -> list[Problem]:
        return [p for p in self.problems if p.row == row]


# --- the file -------------------------------------------------------------------------------------

def read_table(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[Problem]]:
    """Header names (normalised) and the data rows as {column: value}, numbered as in the spreadsheet."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], [], [Problem(1, "", N_("The file is empty: it needs a header row and one row per record."))]
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error:
        return [], [], [Problem(1, "", N_("The file could not be read as CSV (a quote may be left open)."))]
    header = [_column(name) for name in records[0]]
    rows: list[tuple[int, dict[str, str]]] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header) if name}
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            values["__extra__"] = "yes"
        rows.append((number, values))
    return header, rows, []


def _column(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _check_header(header: list[str], known: tuple[str, ...], required: tuple[str, ...]) -> list[Problem]:
    problems = []
    for name in header:
        if name and name not in known:
            problems.append(Problem(1, name, N_("Unknown column. The columns are: %(values)s.",
                                                 values=', '.join(known))))
    seen = set()
    for name in header:
        if name in seen and name:
            problems.append(Problem(1, name, N_("This column appears twice.")))
        seen.add(name)
    for name in required:
        if name not in header:
            problems.append(Problem(1, name, N_("This column is missing; every file needs it.")))
    return problems


def parse(kind: str, text: str, rules: Rules, *, today: date) -> Parsed:
    if kind not in KINDS:
        raise ValueError(f"an import is of people or duos, not {kind!r}")
    header, rows, problems = read_table(text)
    if problems:
        return Parsed(kind, [], problems, 0)
    known, required = (PEOPLE_COLUMNS, PEOPLE_REQUIRED) if kind == "people" else (DUO_COLUMNS, DUO_REQUIRED)
    problems = _check_header(header, known, required)
    if problems:
        return Parsed(kind, [], problems, len(rows))
    if len(rows) > MAX_ROWS:
        message = f"The file has {len(rows)} rows; import at most {MAX_ROWS} at a time (split the file)."
        return Parsed(kind, [], [Problem(1, "", message)], len(rows))
    good: list = []
    seen: dict[tuple[str, ...], int] = {}
    for number, values in rows:
        row_problems: list[Problem] = []
        if values.pop("__extra__", None):
            row_problems.append(Problem(number, "", N_("This row has more cells than the header has columns.")))
        if kind == "people":
            record, found = parse_person(number, values, rules, today=today)
            identity = (record.role.value, record.email) if record else None
            twice = "This person appears twice in this file (same email and role): see row {}."
        else:
            record, found = parse_duo(number, values, rules, today=today)
            identity = (record.mentee_email, record.mentor_email, record.key_date) if record else None
            twice = "This duo appears twice in this file: see row {}."
        row_problems += found
        if identity is not None:
            if identity in seen:
                row_problems.append(Problem(number, "", twice.format(seen[identity])))
            else:
                seen[identity] = number
        problems += row_problems
        if record is not None and not row_problems:
            good.append(record)
    return Parsed(kind, good, problems, len(rows))


# --- cells ----------------------------------------------------------------------------------------

def parse_date(value: str) -> date | None:
    """``yyyy-mm-dd`` or ``dd/mm/yyyy`` (also ``dd.mm.yyyy``); None when it is neither or no real day."""
    value = value.strip()
    if "T" in value or " " in value:  # Excel may add a time: 2024-03-01 00:00:00
        value = re.split(r"[T ]", value, maxsplit=1)[0]
    m = _ISO_DATE.match(value)
    parts = (int(m[1]), int(m[2]), int(m[3])) if m else None
    if parts is None:
        m = _EU_DATE.match(value)
        parts = (int(m[3]), int(m[2]), int(m[1])) if m else None
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def _date_cell(number: int, column: str, value: str, today: date, problems: list[Problem]) -> str:
    if not value:
        return ""
    day = parse_date(value)
    if day is None:
        problems.append(Problem(number, column, N_("“%(value)s” is not a date: write it as 31/12/2024 or 2024-12-31.",
                                                    value=value)))
        return ""
    if day > today:
        problems.append(Problem(number, column, N_("This date is in the future.")))
        return ""
    return day.isoformat()


def _codes(value: str) -> list[str]:
    return [c.strip().lower() for c in _LIST_SPLIT.split(value) if c.strip()]


def _code_list(number: int, column: str, value: str, allowed: tuple[str, ...], problems: list[Problem]) -> list[str]:
    codes = _codes(value)
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        problems.append(Problem(number, column, N_("Unknown: %(values)s. Use: %(allowed)s.",
                                                    values=', '.join(unknown), allowed=', '.join(allowed))))
    return list(dict.fromkeys(c for c in codes if c in allowed))


def _text(number: int, column: str, value: str, problems: list[Problem], *, required: bool = False) -> str:
    if required and not value:
        problems.append(Problem(number, column, N_("This is required.")))
    if len(value) > MAX_TEXT:
        problems.append(Problem(number, column, N_("Use at most %(count)s characters.", count=MAX_TEXT)))
    return value


def _email(number: int, column: str, value: str, problems: list[Problem]) -> str:
    value = value.strip().lower()
    if not value:
        problems.append(Problem(number, column, N_("This is required.")))
    elif not _EMAIL.match(value) or len(value) > MAX_TEXT:
        problems.append(Problem(number, column, N_("“%(value)s” is not an email address.", value=value)))
    return value


def _languages(number: int, value: str, problems: list[Problem]) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for part in _codes(value):
        code, _, level = (x.strip() for x in part.partition(":"))
        if code not in SPOKEN_LANGUAGES:
            message = f"Unknown language code “{code}” (use ISO codes: ar, nl, fr...)."
            problems.append(Problem(number, "languages", message))
            continue
        if level not in LANGUAGE_LEVELS:
            problems.append(Problem(
                number, "languages", N_("Give the level of “%(code)s” as %(code)s:level, the level one of: %(values)s.",
                                         code=code, values=', '.join(LANGUAGE_LEVELS))))
            continue
        out[code] = level
    if len(out) > MAX_LANGUAGES:
        problems.append(Problem(number, "languages", N_("List at most %(count)s languages.", count=MAX_LANGUAGES)))
    return list(out.items())


def _training(number: int, value: str, rules: Rules, today: date, problems: list[Problem]) -> dict[str, str]:
    """``welcome; listening:2024-03-01`` (a module without a date counts as done today), or ``all``."""
    done: dict[str, str] = {}
    for part in _codes(value):
        code, _, when = (x.strip() for x in part.partition(":"))
        codes = rules.required_modules if code == ALL_MODULES else (code,)
        if code != ALL_MODULES and code not in rules.modules:
            problems.append(Problem(number, "training_done",
                                    N_("Unknown training module “%(code)s”. Use: %(values)s (or all).",
                                        code=code, values=', '.join(rules.modules))))
            continue
        on = _date_cell(number, "training_done", when, today, problems) if when else today.isoformat()
        if on:
            for c in codes:
                done[c] = on
    return done


def parse_person(
    number: int, v: dict[str, str], rules: Rules, *, today: date
) -> tuple[PersonRow | None, list[Problem]]:
    problems: list[Problem] = []
    role_text = v.get("role", "").lower()
    role = CandidateRole(role_text) if role_text in ("mentee", "mentor") else None
    if role is None:
        problems.append(Problem(number, "role", N_("Write mentee or mentor.")))
    name = _text(number, "name", v.get("name", ""), problems, required=True)
    email = _email(number, "email", v.get("email", ""), problems)
    phone = v.get("phone", "")
    if phone and not _PHONE.match(phone):
        problems.append(Problem(number, "phone", N_("This is not a phone number (digits, spaces and + only).")))
    birth = _date_cell(number, "birth_date", v.get("birth_date", ""), today, problems)
    language = (v.get("language", "") or rules.default_language).lower()
    if language not in LANGUAGES:
        message = f"The language we write to them in: one of {', '.join(LANGUAGES)}."
        problems.append(Problem(number, "language", message))
    status_text = v.get("status", "").lower().replace(" ", "_")
    status = None
    if status_text in (CandidateStatus.PAIRED, CandidateStatus.IN_DUO):
        message = "Write ready here: pairings and duos are imported from the duos file, which sets this status itself."
        problems.append(Problem(number, "status", message))
    elif status_text not in {s.value for s in IMPORT_STATUSES}:
        problems.append(Problem(number, "status", N_("Unknown stage. Use one of: %(values)s.",
                                                      values=', '.join(IMPORT_STATUSES))))
    else:
        status = CandidateStatus(status_text)
    help_needs = _code_list(number, "help_needs", v.get("help_needs", ""), rules.help_needs, problems)
    training = _training(number, v.get("training_done", ""), rules, today, problems)
    sectors = _code_list(number, "sectors", v.get("sectors", ""), SECTORS, problems)
    if len(sectors) > MAX_SECTORS:
        problems.append(Problem(number, "sectors", N_("List at most %(count)s sectors.", count=MAX_SECTORS)))
    coordinator = v.get("coordinator_email", "")
    if coordinator:
        coordinator = _email(number, "coordinator_email", coordinator, problems)
    if role is CandidateRole.MENTOR and help_needs:
        problems.append(Problem(number, "help_needs", N_("Help needs are for mentees; leave this empty for a mentor.")))
    if role is CandidateRole.MENTEE and training:
        problems.append(Problem(number, "training_done",
                                N_("The training is for mentors; leave this empty for a mentee.")))
    if role is CandidateRole.MENTEE and status is CandidateStatus.TRAINING:
        problems.append(Problem(number, "status", N_("Only mentors follow the training: a mentee is ready, or at "
                                                     "another stage.")))
    if role is CandidateRole.MENTOR and status is CandidateStatus.FINISHED:
        problems.append(Problem(number, "status",
                                N_("A mentor whose duo ended is ready (available again), not finished.")))
    if role is CandidateRole.MENTOR and status is CandidateStatus.READY:
        missing = [m for m in rules.required_modules if m not in training]
        if missing:
            problems.append(Problem(
                number, "training_done", N_("A mentor is ready only with every required module done; missing: "
                                            "%(values)s (write all when they followed the whole training).",
                                            values=", ".join(missing))))
    postcode = _text(number, "postcode", v.get("postcode", ""), problems)
    city = _text(number, "city", v.get("city", ""), problems)
    languages = _languages(number, v.get("languages", ""), problems)
    availability = _code_list(number, "availability", v.get("availability", ""), AVAILABILITY, problems)
    if problems or role is None or status is None:
        return None, problems
    return PersonRow(
        row=number, role=role, name=name, email=email, status=status, phone=phone, birth_date=birth,
        postcode=postcode, city=city, language=language, languages=languages, sectors=sectors,
        help_needs=help_needs, availability=availability, training=training, coordinator_email=coordinator,
    ), problems


def parse_duo(number: int, v: dict[str, str], rules: Rules, *, today: date) -> tuple[DuoRow | None, list[Problem]]:
    problems: list[Problem] = []
    mentee = _email(number, "mentee_email", v.get("mentee_email", ""), problems)
    mentor = _email(number, "mentor_email", v.get("mentor_email", ""), problems)
    if mentee and mentee == mentor:
        problems.append(Problem(number, "mentor_email", N_("The mentor and the mentee are the same person.")))
    first = _date_cell(number, "first_meeting_on", v.get("first_meeting_on", ""), today, problems)
    started = _date_cell(number, "started_on", v.get("started_on", ""), today, problems)
    ended = _date_cell(number, "ended_on", v.get("ended_on", ""), today, problems)
    if not (v.get("first_meeting_on") or v.get("started_on")):
        problems.append(Problem(number, "started_on", N_("Give the date the duo started (started_on), or the date of "
                                                         "its first meeting when the agreement is not signed yet.")))
    if first and started and first > started:
        problems.append(Problem(number, "first_meeting_on", N_("The first meeting comes before the start of the duo.")))
    if v.get("ended_on") and not v.get("started_on"):
        problems.append(Problem(number, "started_on", N_("A duo that ended needs the date it started.")))
    if started and ended and ended < started:
        problems.append(Problem(number, "ended_on", N_("The end comes before the start.")))
    end_kind = v.get("end_kind", "").lower()
    end_reason = v.get("end_reason", "").lower()
    if ended and end_kind not in END_KINDS:
        problems.append(Problem(number, "end_kind", N_("How the duo ended: %(values)s.",
                                                        values=' or '.join(END_KINDS))))
    if not ended and (end_kind or end_reason):
        problems.append(Problem(number, "ended_on", N_("Give the date the duo ended, or leave end_kind and end_reason "
                                                    "empty.")))
    if end_reason and end_reason not in rules.end_reasons:
        problems.append(Problem(number, "end_reason", N_("Unknown reason. Use: %(values)s.",
                                                          values=', '.join(rules.end_reasons))))
    if ended and end_kind == "stopped" and not end_reason:
        problems.append(Problem(number, "end_reason", N_("Say why the duo stopped early.")))
    outcome = v.get("outcome", "").lower()
    if outcome and outcome not in OUTCOMES:
        problems.append(Problem(number, "outcome", N_("Unknown outcome. Use: %(values)s.", values=', '.join(OUTCOMES))))
    if outcome and not ended:
        problems.append(Problem(number, "outcome", N_("An outcome is recorded for a duo that ended.")))
    meetings_text = v.get("meetings", "") or "0"
    meetings = int(meetings_text) if meetings_text.isdigit() and int(meetings_text) <= 500 else -1
    if meetings < 0:
        problems.append(Problem(number, "meetings", N_("The number of meetings: a whole number (0 to 500).")))
    if meetings > 0 and not started:
        problems.append(Problem(number, "meetings", N_("Meetings are counted once the duo started (started_on).")))
    if problems:
        return None, problems
    return DuoRow(
        row=number, mentee_email=mentee, mentor_email=mentor, first_meeting_on=first, started_on=started,
        ended_on=ended, end_kind=end_kind, end_reason=end_reason, outcome=outcome, meetings=meetings,
    ), problems


# --- what an imported duo is, and what it does to its people ------------------------------------

_DUO_NAMESPACE = uuid.UUID("5b0f3c52-1d7e-4f0e-9d55-6f1c2a7e4b11")
_LEFT = (CandidateStatus.WITHDRAWN, CandidateStatus.NOT_SUITABLE)


def duo_id_for(branch: str, mentee_id: str, mentor_id: str, key_date: str) -> str:
    """The same duo row always gets the same id: a second import finds it there already."""
    return str(uuid.uuid5(_DUO_NAMESPACE, f"{branch}:{mentee_id}:{mentor_id}:{key_date}"))


@dataclass(frozen=True)
class Move:
    candidate_id: str
    side: str
    from_status: str
    to_status: str | None  # None: the status stays
    current_duo: str | None  # None: unchanged


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def duo_status(row: DuoRow) -> DuoStatus:
    if row.ended_on:
        return DuoStatus.CLOSED
    return DuoStatus.ACTIVE if row.started_on else DuoStatus.FIRST_MEETING


def duo_phase(duo: Duo) -> Phase:
    """Imported history has no evaluations to collect: a closed duo is done once its outcome is known."""
    if duo.status is DuoStatus.CLOSED:
        return Phase.DONE if duo.outcome else Phase.FOLLOW_UP
    return Phase(duo.status.value)


def people_moves(
    row: DuoRow, number: int, mentee: Candidate, mentor: Candidate, duo_id: str
) -> tuple[list[Move], list[Problem]]:
    """How the duo sets both people (``mentee``/``mentor``: their records as they are now).

    An open duo makes both ``paired`` (first meeting) or ``in_duo`` (started), their current duo this one:
    neither may be in another open duo, or have left the programme. A closed duo makes the mentee
    ``finished`` and the mentor ``ready`` (available again), unless they are in another duo now or have
    left the programme since; either way it is added to their history.
    """
    problems: list[Problem] = []
    moves: list[Move] = []
    status = duo_status(row)
    for side, person, column in (("mentee", mentee, "mentee_email"), ("mentor", mentor, "mentor_email")):
        if status is not DuoStatus.CLOSED:
            if person.duo_id:
                problems.append(Problem(number, column, N_(
                    "This %(side)s is in another open duo already: close that one first (give it an ended_on date).",
                    side=word(side))))
            elif person.status in _LEFT:
                problems.append(Problem(number, column, N_(
                    "This %(side)s is %(status)s in the people file: an open duo needs them in the programme.",
                    side=word(side), status=person.status.value.replace("_", " "))))
            to = CandidateStatus.IN_DUO if status is DuoStatus.ACTIVE else CandidateStatus.PAIRED
            moves.append(Move(person.id, side, person.status.value, to.value, duo_id))
        else:
            keep = bool(person.duo_id) or person.status in _LEFT
            to = CandidateStatus.FINISHED if side == "mentee" else CandidateStatus.READY
            moves.append(Move(person.id, side, person.status.value, None if keep else to.value, None))
    return moves, problems


def build_duo(
    row: DuoRow, branch: str, duo_id: str, mentee: Candidate, mentor: Candidate, actor: str, now: str
) -> Duo:
    status = duo_status(row)
    first = row.first_meeting_on or row.started_on
    yes = {"answer": "yes", "at": f"{first}T12:00:00Z", "by": actor}
    started = row.started_on or None
    return Duo(
        id=duo_id, branch=branch, mentee_id=mentee.id, mentor_id=mentor.id, mentee_name=mentee.name,
        mentor_name=mentor.name, first_meeting_at=f"{first}T10:00:00Z", created_at=f"{first}T10:00:00Z",
        status=status, coordinator_id=mentee.coordinator_id or mentor.coordinator_id,
        answers={"mentee": dict(yes), "mentor": dict(yes)} if started else {},
        agreement={"signed_on": started, "mentee": True, "mentor": True, "branch": True} if started else None,
        started_on=started, planned_end=_add_months(date.fromisoformat(started), 6).isoformat() if started else None,
        meeting_count=row.meetings, ended_on=row.ended_on or None, end_kind=row.end_kind or None,
        end_reason=row.end_reason or None,
        outcome={"situation": row.outcome, "recorded_at": now, "by": actor} if row.outcome else None,
        updated_at=now,
    )
