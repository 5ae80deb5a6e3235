"""Shared reporting: what each event adds to a branch's monthly counters, and the figures read from them.

Reports never read people. Every event the life cycle records is turned, on its own, into a few
``(month, counter, n)`` rows (``deltas``); a branch's aggregate is the sum of those rows over its events,
``month -> counter -> n``. Because ``deltas`` is a pure function of ONE event, the aggregate does not
depend on the order the events arrive in, and a rebuild from the events equals what was maintained.

Which month a count goes to: the date the event's data gives for what happened (the agreement's start,
the duo's end, the intervision's or the service's date: local dates already), else the branch-local
month of the event's instant (``month_of``). Cohort counters (outcomes and evaluations) go to the month
the duo STARTED (``data.started_on``), so "of the duos that started in 2026, how many found a job" is a
sum over 2026's months; an older event without ``started_on`` counts under the month ``"unknown"``, which
no period includes. A candidate event without ``role`` counts under ``.unknown``.

``branch_figures`` sums a period's months into the figures a dashboard shows, ``suppress`` hides small
counts for the head office so that no hidden cell can be recovered by subtraction. Numbers only: the
web layer formats them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from chalicelib.domain.duos import END_KINDS, MENTEE_EVALUATION, MENTOR_EVALUATION, OUTCOMES
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.events import Event
from chalicelib.domain.texts import N_

# --- The counters -------------------------------------------------------------------------------------
ROLES = ("mentee", "mentor", "unknown")  # "unknown": an older event without a role
ROLE_STEPS = ("registered", "attended", "intake", "ready", "withdrawn")  # counted per role
FUNNEL = ("registered", "attended", "intake", "ready", "paired", "first_meeting", "started", "completed", "stopped")
SIDES = ("mentee", "mentor")
EVALUATION_ITEMS = {"mentee": MENTEE_EVALUATION, "mentor": MENTOR_EVALUATION}
SERVICES_PREFIX = "services."  # services.{code}: one counter per code of the branch's catalogue
UNKNOWN_MONTH = "unknown"  # the cohort of a duo whose start the event does not say


def _role_counters(step: str) -> tuple[str, ...]:
    return tuple(f"{step}.{role}" for role in ROLES)


# Every counter but services.{code}, in the CSV's column order.
METRICS: tuple[str, ...] = (
    *_role_counters("registered"), *_role_counters("attended"), *_role_counters("intake"), *_role_counters("ready"),
    "paired", "first_meeting", "declined", "started", "completed", "stopped", "intervisions",
    *_role_counters("withdrawn"), "recruited_by_mentor",
    *(f"outcome.{o}" for o in OUTCOMES),
    *(f"evaluated.{side}" for side in SIDES),
    *(f"eval.{item}" for side in SIDES for item in EVALUATION_ITEMS[side]),
)
COHORT_PREFIXES = ("outcome.", "evaluated.", "eval.")  # counted in the month the duo started

Row = tuple[str, str, int]  # (month "YYYY-MM" or "unknown", counter, n)
Aggregates = dict[str, dict[str, int]]  # month -> counter -> n

_DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-\d{2}$")


def month_of(at_utc_iso: str, time_zone: str) -> str:
    """The branch-local month ("2026-12") of a UTC instant; a plain date ("2026-12-31") is local already.

    2026-12-31T22:30:00Z in Europe/Brussels is 23:30 on 31 December: "2026-12"; 23:30Z is 00:30 on
    1 January: "2027-01". An instant without an offset is taken as UTC.
    """
    if len(at_utc_iso) == 10:
        day = date.fromisoformat(at_utc_iso)
        return f"{day.year:04d}-{day.month:02d}"
    moment = datetime.fromisoformat(at_utc_iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local.year:04d}-{local.month:02d}"


def _date_month(value: object) -> str | None:
    if isinstance(value, str):
        found = _DATE.match(value)
        if found:
            return f"{found.group(1)}-{found.group(2)}"
    return None


def _role(event: Event) -> str:
    role = event.data.get("role")
    return role if role in ("mentee", "mentor") else "unknown"


def _when(event: Event, time_zone: str, day_field: str | None = None) -> str:
    """The month of the date ``data[day_field]`` when the event gives one, else of the event's instant."""
    return (_date_month(event.data.get(day_field)) if day_field else None) or month_of(event.at, time_zone)


def _cohort(event: Event) -> str:
    return _date_month(event.data.get("started_on")) or UNKNOWN_MONTH


def _ready(event: Event, month: str) -> list[Row]:
    """Reaching the pool the first time (after the intake, or the mentor training's last module) adds one;
    a module undone (ready -> training) takes it back, so a correction and its redo count once."""
    before, after = event.data.get("from"), event.data.get("to")
    if after == "ready" and before in ("intake_scheduled", "training"):
        return [(month, f"ready.{_role(event)}", 1)]
    if before == "ready" and after == "training":
        return [(month, f"ready.{_role(event)}", -1)]
    return []


def _signed_up(event: Event, tz: str) -> list[Row]:
    month, role = month_of(event.at, tz), _role(event)
    rows = [(month, f"registered.{role}", 1)]
    if role == "mentor" and event.data.get("heard_from") == "mentor":
        rows.append((month, "recruited_by_mentor", 1))
    return rows


def _imported(event: Event, tz: str) -> list[Row]:
    return [(month_of(event.at, tz), f"registered.{_role(event)}", 1)]


def _attended(event: Event, tz: str) -> list[Row]:
    # Attendance may be corrected: attended again changes nothing, no_show after attended takes it back.
    if event.data.get("from") == "attended":
        return []
    return [(month_of(event.at, tz), f"attended.{_role(event)}", 1)]


def _no_show(event: Event, tz: str) -> list[Row]:
    if event.data.get("from") != "attended":
        return []
    return [(month_of(event.at, tz), f"attended.{_role(event)}", -1)]


def _intake(event: Event, tz: str) -> list[Row]:
    month = month_of(event.at, tz)
    return [(month, f"intake.{_role(event)}", 1), *_ready(event, month)]


def _training(event: Event, tz: str) -> list[Row]:
    return _ready(event, month_of(event.at, tz))


def _withdrawn(event: Event, tz: str) -> list[Row]:
    return [(month_of(event.at, tz), f"withdrawn.{_role(event)}", 1)]


def _paired(event: Event, tz: str) -> list[Row]:
    return [(month_of(event.at, tz), "paired", 1)]


def _answered(event: Event, tz: str) -> list[Row]:
    to = event.data.get("to")  # set by the answer that decides: the second yes, or the first no
    if to not in ("agreed", "declined"):
        return []
    month = month_of(event.at, tz)
    return [(month, "first_meeting", 1), *([(month, "declined", 1)] if to == "declined" else [])]


def _started(event: Event, tz: str) -> list[Row]:
    return [(_when(event, tz, "started_on"), "started", 1)]


def _closed(event: Event, tz: str) -> list[Row]:
    kind = event.data.get("kind")
    return [(_when(event, tz, "ended_on"), kind, 1)] if kind in END_KINDS else []


def _intervision(event: Event, tz: str) -> list[Row]:
    return [(_when(event, tz, "on"), "intervisions", 1)]


def _service(event: Event, tz: str) -> list[Row]:
    code = event.data.get("code") or "unknown"
    return [(_when(event, tz, "on"), f"{SERVICES_PREFIX}{code}", 1)]


def _evaluated(event: Event, tz: str) -> list[Row]:
    side = event.data.get("side")
    if side not in SIDES:
        return []
    month = _cohort(event)
    return [(month, f"evaluated.{side}", 1),
            *((month, f"eval.{item}", 1) for item in EVALUATION_ITEMS[side] if event.data.get(item) is True)]


def _outcome(situation: object) -> str:
    return f"outcome.{situation if situation in OUTCOMES else 'unknown'}"


def _outcome_recorded(event: Event, tz: str) -> list[Row]:
    return [(_cohort(event), _outcome(event.data.get("situation")), 1)]


def _duo_imported(event: Event, tz: str) -> list[Row]:
    """An imported duo counts its history at its own dates: started, ended, and its cohort's outcome."""
    if event.subject_kind != "duo":
        return []  # the people's side of the import moves statuses only
    data, rows = event.data, []
    start = _date_month(data.get("started_on"))
    if start:
        rows.append((start, "started", 1))
    if data.get("end_kind") in END_KINDS:
        rows.append((_when(event, tz, "ended_on"), data["end_kind"], 1))
    if data.get("outcome"):
        rows.append((start or UNKNOWN_MONTH, _outcome(data["outcome"]), 1))
    return rows


_COUNTED = {
    "candidate.signed_up": _signed_up,
    "candidate.imported": _imported,
    "candidate.attended": _attended,
    "candidate.no_show": _no_show,
    "intake.recorded": _intake,
    "training.module_done": _training,
    "training.module_undone": _training,
    "candidate.withdrawn": _withdrawn,
    "duo.paired": _paired,
    "duo.answered": _answered,
    "duo.agreement_signed": _started,
    "duo.closed": _closed,
    "duo.intervision_recorded": _intervision,
    "duo.service_recorded": _service,
    "duo.evaluated": _evaluated,
    "duo.outcome_recorded": _outcome_recorded,
    "duo.imported": _duo_imported,
}
COUNTED_KINDS = frozenset(_COUNTED)


def deltas(event: Event, time_zone: str) -> list[Row]:
    """What ONE event adds to its branch's counters: ``[(month, counter, n), ...]`` ([] for the kinds the
    reports ignore). The aggregate of a branch is the sum of these rows over its events, in any order."""
    count = _COUNTED.get(event.kind)
    return count(event, time_zone) if count else []


def add(aggregates: Aggregates, rows: Iterable[Row]) -> None:
    """Add ``rows`` to ``aggregates`` (month -> counter -> n) in place."""
    for month, counter, n in rows:
        counters = aggregates.setdefault(month, {})
        counters[counter] = counters.get(counter, 0) + n


def aggregate(events: Iterable[Event], time_zone: str) -> Aggregates:
    """A branch's aggregate recomputed from its events (what a rebuild writes)."""
    out: Aggregates = {}
    for event in events:
        add(out, deltas(event, time_zone))
    return out


def combine(parts: Iterable[Mapping[str, Mapping[str, int]]]) -> Aggregates:
    """The month-by-month sum of several branches' aggregates (a country's, the network's)."""
    out: Aggregates = {}
    for part in parts:
        for month, counters in part.items():
            add(out, ((month, counter, n) for counter, n in counters.items()))
    return out


# --- Periods ------------------------------------------------------------------------------------------
PERIOD_KINDS = ("month", "quarter", "year", "range")
MAX_MONTHS = 120  # at most 10 years
MIN_YEAR, MAX_YEAR = 2000, 2100
PERIOD_HELP = N_("Give a month (2026-07), a quarter (2026-Q3), a year (2026) or a range "
                 "(2025..2026, 2026-01..2026-06).")

_YEAR_TEXT = re.compile(r"^(\d{4})$")
_QUARTER_TEXT = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})$")


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Period:
    """A run of whole months, first and last included: ``Period("quarter", "2026-07", "2026-09")``."""

    kind: str  # month | quarter | year | range
    start: str  # "YYYY-MM"
    end: str  # "YYYY-MM"

    @property
    def label(self) -> str:
        """The period as ``parse_period`` reads it: "2026-07", "2026-Q3", "2026", "2025..2026", "2026-01..2026-06"."""
        if self.kind == "month":
            return self.start
        if self.kind == "quarter":
            return f"{self.start[:4]}-Q{(int(self.start[5:7]) - 1) // 3 + 1}"
        if self.kind == "year":
            return self.start[:4]
        if self.start.endswith("-01") and self.end.endswith("-12"):
            return f"{self.start[:4]}..{self.end[:4]}"
        return f"{self.start}..{self.end}"

    @property
    def years(self) -> list[str]:
        return [str(y) for y in range(int(self.start[:4]), int(self.end[:4]) + 1)]


def months(period: Period) -> list[str]:
    """Every month of the period, in order: ["2026-07", "2026-08", "2026-09"]."""
    return [_month(i) for i in range(_index(period.start), _index(period.end) + 1)]


def _invalid(message: str) -> InvalidInputError:
    return InvalidInputError(N_("The period is not valid."), {"period": message})


def _year(text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid(N_("Give a year from %(first)s to %(last)s.", first=MIN_YEAR, last=MAX_YEAR))
    return year


def _one(text: str) -> Period:
    if found := _YEAR_TEXT.match(text):
        year = _year(found.group(1))
        return Period("year", f"{year:04d}-01", f"{year:04d}-12")
    if found := _QUARTER_TEXT.match(text):
        year, quarter = _year(found.group(1)), int(found.group(2))
        return Period("quarter", f"{year:04d}-{quarter * 3 - 2:02d}", f"{year:04d}-{quarter * 3:02d}")
    if found := _MONTH_TEXT.match(text):
        year, month = _year(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:
            raise _invalid(N_("A month is 01 to 12."))
        return Period("month", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}")
    raise _invalid(PERIOD_HELP)


def parse_period(text: object) -> Period:
    """"2026-07", "2026-Q3", "2026", or a range "first..last" of any of these ("2025..2026",
    "2026-01..2026-06"); InvalidInputError at the field ``period`` when it is none of these, ends before
    it starts or spans more than 10 years."""
    if not isinstance(text, str) or not text.strip():
        raise _invalid(PERIOD_HELP)
    text = text.strip()
    if ".." in text:
        left, right = (part.strip() for part in text.split("..", 1))
        if not left or not right:
            raise _invalid(PERIOD_HELP)
        period = Period("range", _one(left).start, _one(right).end)
    else:
        period = _one(text)
    if period.end < period.start:
        raise _invalid(N_("The period ends before it starts."))
    if _index(period.end) - _index(period.start) + 1 > MAX_MONTHS:
        raise _invalid(N_("Give a period of at most 10 years."))
    return period


# --- Figures ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Share:
    """``count`` of ``base``; ``share`` is count / base (0..1), None when the base is 0."""

    count: int
    base: int

    @property
    def share(self) -> float | None:
        return self.count / self.base if self.base else None


@dataclass(frozen=True)
class FunnelStep:
    """A step of the funnel: its total and, for the people's steps, the count per role."""

    name: str
    total: int
    by_role: dict[str, int] = field(default_factory=dict)  # mentee, mentor, unknown; {} for a duo's step


@dataclass(frozen=True)
class Outcomes:
    """Of the duos that started in the period (the cohort), the situation 12 months after the start.

    The shares are over the outcomes recorded (``recorded``, "unknown" situations included); ``started``
    is the cohort's size and ``not_recorded`` the duos of the cohort without an outcome yet."""

    started: int
    recorded: int
    job: Share
    training_or_internship: Share
    searching: Share
    unknown: Share
    counts: dict[str, int]  # job, training, internship, searching, unknown

    @property
    def not_recorded(self) -> int:
        return max(0, self.started - self.recorded)


@dataclass(frozen=True)
class TargetProgress:
    """A yearly target of the branch and what was achieved that year up to the period's end."""

    year: str
    metric: str  # duos (started) | mentees (ready) | mentors (trained: ready)
    target: int
    achieved: int

    @property
    def share(self) -> float | None:
        return self.achieved / self.target if self.target else None


@dataclass(frozen=True)
class Figures:
    period: Period
    counts: dict[str, int]  # every counter (METRICS, then services.*) summed over the period's months
    funnel: tuple[FunnelStep, ...]  # in FUNNEL order
    mentors_trained: int  # ready.mentor
    dropout: Share  # declined of the first meetings held
    intervisions: int
    services: dict[str, int]  # code -> count, codes sorted
    withdrawn: FunnelStep
    recruited_by_mentor: Share  # mentors who heard of us from a mentor, of the mentors registered
    outcomes: Outcomes
    evaluations: dict[str, Share]  # item -> yes of the side's evaluations (mentee items, then mentor items)
    targets: tuple[TargetProgress, ...] = ()

    @property
    def dropout_rate(self) -> float | None:
        return self.dropout.share

    def step(self, name: str) -> FunnelStep:
        return next(s for s in self.funnel if s.name == name)


TARGET_METRICS = ("duos", "mentees", "mentors")


def _sum(aggregates: Mapping[str, Mapping[str, int]], month_list: Iterable[str]) -> dict[str, int]:
    total: dict[str, int] = {}
    for month in month_list:
        for counter, n in aggregates.get(month, {}).items():
            total[counter] = total.get(counter, 0) + n
    return total


def _step(name: str, counts: Mapping[str, int]) -> FunnelStep:
    if name in ROLE_STEPS:
        # A correction in a later month can take a month's sum below 0: a period never shows less than none.
        by_role = {role: max(0, counts.get(f"{name}.{role}", 0)) for role in ROLES}
        return FunnelStep(name, sum(by_role.values()), by_role)
    return FunnelStep(name, max(0, counts.get(name, 0)))


def _targets(
    aggregates: Mapping[str, Mapping[str, int]], period: Period, targets: Mapping | None
) -> tuple[TargetProgress, ...]:
    out = []
    for year in period.years:
        wanted = (targets or {}).get(year) or (targets or {}).get(int(year)) or {}
        if not wanted:
            continue
        # Year to date: from January up to the period's end (the whole year when the period covers it).
        last = min(period.end, f"{year}-12")
        counts = _sum(aggregates, months(Period("range", f"{year}-01", last)))
        achieved = {"duos": _step("started", counts).total, "mentees": _step("ready", counts).by_role["mentee"],
                    "mentors": _step("ready", counts).by_role["mentor"]}
        for metric in TARGET_METRICS:
            target = wanted.get(metric) if isinstance(wanted, Mapping) else getattr(wanted, metric, None)
            if target is not None:
                out.append(TargetProgress(year, metric, int(target), achieved[metric]))
    return tuple(out)


def branch_figures(
    aggregates: Mapping[str, Mapping[str, int]], period: Period, targets: Mapping | None = None
) -> Figures:
    """The figures of ``period`` from a branch's (or a sum of branches') monthly counters.

    ``targets`` is the branch config's ``targets`` ({"2026": {"duos": 50, "mentors": 20}}); their progress is
    counted year to date, from January of each of the period's years: pass those months in ``aggregates``
    too. The month "unknown" belongs to no period."""
    counts = _sum(aggregates, months(period))
    ordered = {name: counts[name] for name in METRICS if name in counts}
    services = {name[len(SERVICES_PREFIX):]: n for name, n in sorted(counts.items())
                if name.startswith(SERVICES_PREFIX)}
    ordered.update({f"{SERVICES_PREFIX}{code}": n for code, n in services.items()})
    ordered.update({name: n for name, n in sorted(counts.items()) if name not in ordered})

    funnel = tuple(_step(name, counts) for name in FUNNEL)
    first = max(0, counts.get("first_meeting", 0))
    outcome = {o: max(0, counts.get(f"outcome.{o}", 0)) for o in OUTCOMES}
    recorded = sum(outcome.values())
    outcomes = Outcomes(
        started=funnel[FUNNEL.index("started")].total,
        recorded=recorded,
        job=Share(outcome["job"], recorded),
        training_or_internship=Share(outcome["training"] + outcome["internship"], recorded),
        searching=Share(outcome["searching"], recorded),
        unknown=Share(outcome["unknown"], recorded),
        counts=outcome,
    )
    evaluations = {
        item: Share(max(0, counts.get(f"eval.{item}", 0)), max(0, counts.get(f"evaluated.{side}", 0)))
        for side in SIDES for item in EVALUATION_ITEMS[side]
    }
    registered = _step("registered", counts)
    return Figures(
        period=period,
        counts=ordered,
        funnel=funnel,
        mentors_trained=_step("ready", counts).by_role["mentor"],
        dropout=Share(min(first, max(0, counts.get("declined", 0))), first),
        intervisions=max(0, counts.get("intervisions", 0)),
        services=services,
        withdrawn=_step("withdrawn", counts),
        recruited_by_mentor=Share(max(0, counts.get("recruited_by_mentor", 0)), registered.by_role["mentor"]),
        outcomes=outcomes,
        evaluations=evaluations,
        targets=_targets(aggregates, period, targets),
    )


# --- One row of a report table (the network report's branches, countries and total) ------------------
def table_row(figures: Figures) -> dict[str, int | float | None]:
    """The figures as one row of columns (counts, then shares 0..1 or None), ready for ``suppress`` with
    ``TABLE_COLUMN_GROUPS`` and ``TABLE_SHARES``; services.{code} columns follow the fixed ones."""
    row: dict[str, int | float | None] = {}
    for step in figures.funnel:
        row[step.name] = step.total
        row.update({f"{step.name}.{role}": n for role, n in step.by_role.items()})
    row["declined"] = figures.dropout.count
    row["dropout_rate"] = figures.dropout.share
    row["withdrawn"] = figures.withdrawn.total
    row.update({f"withdrawn.{role}": n for role, n in figures.withdrawn.by_role.items()})
    row["recruited_by_mentor"] = figures.recruited_by_mentor.count
    row["recruited_by_mentor_share"] = figures.recruited_by_mentor.share
    row["intervisions"] = figures.intervisions
    out = figures.outcomes
    row["outcome.recorded"] = out.recorded
    row["outcome.job"] = out.job.count
    row["outcome.training_or_internship"] = out.training_or_internship.count
    row["outcome.training"] = out.counts["training"]
    row["outcome.internship"] = out.counts["internship"]
    row["outcome.searching"] = out.searching.count
    row["outcome.unknown"] = out.unknown.count
    for name in ("job", "training_or_internship", "searching", "unknown"):
        row[f"outcome.{name}_share"] = getattr(out, name).share
    for side in SIDES:
        row[f"evaluated.{side}"] = max(0, figures.counts.get(f"evaluated.{side}", 0))
    for item, share in figures.evaluations.items():
        row[f"eval.{item}"] = share.count
        row[f"eval.{item}_share"] = share.share
    row.update({f"{SERVICES_PREFIX}{code}": n for code, n in figures.services.items()})
    return row


TABLE_COLUMN_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((step, _role_counters(step)) for step in ROLE_STEPS),
    ("outcome.recorded", ("outcome.job", "outcome.training_or_internship", "outcome.searching", "outcome.unknown")),
    ("outcome.training_or_internship", ("outcome.training", "outcome.internship")),
)
TABLE_SHARES: dict[str, tuple[str, str]] = {
    "dropout_rate": ("declined", "first_meeting"),
    "recruited_by_mentor_share": ("recruited_by_mentor", "registered.mentor"),
    **{f"outcome.{name}_share": (f"outcome.{name}", "outcome.recorded")
       for name in ("job", "training_or_internship", "searching", "unknown")},
    **{f"eval.{item}_share": (f"eval.{item}", f"evaluated.{side}")
       for side in SIDES for item in EVALUATION_ITEMS[side]},
}


# --- Small counts hidden ------------------------------------------------------------------------------
Cell = tuple[str, str]  # (row, column)
_REST = "\x00rest"  # the implicit column "base minus part" of a share (a count that subtraction would give)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def suppress(
    table: Mapping[str, Mapping[str, int | float | None]],
    groups: Iterable[tuple[str, Sequence[str]]],
    threshold: int = 5,
    *,
    column_groups: Iterable[tuple[str, Sequence[str]]] = (),
    shares: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, dict[str, int | float | str | None]]:
    """The table with small counts replaced by the marker ``f"<{threshold}"`` ("<5").

    ``table`` is row -> column -> value (a branch, a country or the total per row). ``groups`` are
    ``(total row, member rows)``: a country and its branches, the network total and its countries;
    ``column_groups`` the same within a row (``("registered", ("registered.mentee", ...))``); ``shares`` maps a
    share column to its ``(numerator, base)`` columns, the numerator a part of the base.

    - A count from 1 to threshold - 1 is hidden; 0 stays visible, as do None and floats.
    - Within each group, the total and its members are one sum: if exactly one of its cells is hidden,
      the smallest nonzero visible member (else the total) is hidden too, and so on until no group has
      exactly one hidden cell, so that no hidden count is the difference of visible ones.
    - A share's base minus its numerator is a count too (those who said no): it takes part as a hidden
      cell of its own when small, which hides the numerator beside it.
    - Sums share cells (a branch's cell is in its country's sum and in its row's role sum), so combining
      them could still pin a hidden count down: the published sums are then solved exactly, and while
      they fix a small count (or a small rest) to one value, one more cell next to it is hidden.
    - A share whose numerator or base is hidden is hidden.
    """
    marker = f"<{threshold}"
    shares = dict(shares or {})
    values: dict[Cell, int] = {}
    order: dict[Cell, int] = {}
    for row, cols in table.items():
        for col, value in cols.items():
            if col not in shares and _is_count(value):
                order[(row, col)] = len(order)
                values[(row, col)] = value  # type: ignore[assignment]
    lines: list[tuple[Cell, list[Cell]]] = []
    columns = list(dict.fromkeys(col for _, col in values))
    for total, members in groups:
        for col in columns:
            lines.append(((total, col), [(m, col) for m in members]))
    for row in table:
        for total_col, member_cols in column_groups:
            lines.append(((row, total_col), [(row, c) for c in member_cols]))
    for numerator, base in dict.fromkeys(shares.values()):
        rest = f"{_REST}:{numerator}"
        for row in table:
            part, whole = values.get((row, numerator)), values.get((row, base))
            if part is not None and whole is not None:
                values[(row, rest)] = whole - part
                order[(row, rest)] = len(order)
                lines.append(((row, base), [(row, numerator), (row, rest)]))
        for total, members in groups:  # the rest sums over a group like any count
            lines.append(((total, rest), [(m, rest) for m in members]))

    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    parts = {f"{_REST}:{numerator}": (numerator, base) for numerator, base in shares.values()}

    def _cost(cell: Cell) -> int:
        """0 for a rest whose numerator or base is hidden already (hiding it shows nothing less), else 1."""
        row, col = cell
        part = parts.get(col)
        return 0 if part and ((row, part[0]) in hidden or (row, part[1]) in hidden) else 1

    def _fill() -> None:
        """Until no sum has exactly one hidden cell: hide the smallest nonzero visible member (else the total)."""
        changed = True
        while changed:
            changed = False
            for total, members in lines:
                if total not in values:
                    continue  # a sum nobody publishes reveals nothing
                cells = [c for c in (total, *members) if c in values]
                if sum(c in hidden for c in cells) != 1:
                    continue
                visible = [c for c in members if c in values and c not in hidden and values[c] != 0]
                if not visible and total not in hidden and values[total] != 0:
                    visible = [total]
                if visible:
                    hidden.add(min(visible, key=lambda c: (_cost(c), abs(values[c]), order[c])))
                    changed = True

    # Two hidden cells in every sum stop a subtraction within one sum; the exact solve catches combinations.
    rests = {cell for cell in values if cell[1].startswith(_REST)}
    _fill()
    for _ in range(len(values)):
        leaks = [c for c in _determined(lines, values, hidden | rests) if 0 < values[c] < threshold]
        if not leaks:
            break
        extra = _next_to(leaks[0], lines, values, hidden | rests)
        if extra is None:
            break  # cannot happen: with every nonzero count hidden, nothing small is determined
        hidden.add(min(extra, key=lambda c: (abs(values[c]), order[c])))
        _fill()

    out: dict[str, dict[str, int | float | str | None]] = {row: dict(cols) for row, cols in table.items()}
    for row, col in hidden:
        if not col.startswith(_REST):
            out[row][col] = marker
    for col, (numerator, base) in shares.items():
        for row, cols in out.items():
            if col in cols and ((row, numerator) in hidden or (row, base) in hidden):
                cols[col] = marker
    return out


def _determined(lines: list[tuple[Cell, list[Cell]]], values: Mapping[Cell, int], unknown: set[Cell]) -> set[Cell]:
    """The unknown cells that the sums (total = members, visible cells known) fix to one value.

    Exact Gauss-Jordan elimination with fractions over the sums that hold an unknown cell; a cell is fixed
    when its reduced row holds no other unknown."""
    pivots: dict[Cell, dict[Cell, Fraction]] = {}
    for total, members in lines:
        if total not in values:
            continue
        row: dict[Cell, Fraction] = {}
        for sign, cell in ((1, total), *((-1, m) for m in members)):
            if cell in values and cell in unknown:
                row[cell] = row.get(cell, Fraction(0)) + sign
        for cell in [c for c in row if c in pivots]:
            factor = row.get(cell)
            if factor:
                for other, coefficient in pivots[cell].items():
                    row[other] = row.get(other, Fraction(0)) - factor * coefficient
        row = {c: k for c, k in row.items() if k}
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {c: k / scale for c, k in row.items()}
        for other_row in pivots.values():
            factor = other_row.get(pivot)
            if factor:
                for cell, coefficient in row.items():
                    value = other_row.get(cell, Fraction(0)) - factor * coefficient
                    if value:
                        other_row[cell] = value
                    else:
                        other_row.pop(cell, None)
        pivots[pivot] = row
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


def _next_to(cell: Cell, lines: list[tuple[Cell, list[Cell]]], values: Mapping[Cell, int],
             unknown: set[Cell]) -> list[Cell] | None:
    """The nonzero visible counts in the sums nearest to ``cell`` (its own sums, then theirs...)."""
    seen, frontier = {cell}, {cell}
    while frontier:
        near = [[t, *ms] for t, ms in lines if t in values and (t in frontier or frontier.intersection(ms))]
        found = [c for line in near for c in line
                 if c in values and c not in unknown and values[c] != 0 and not c[1].startswith(_REST)]
        if found:
            return found
        frontier = {c for line in near for c in line if c in values and c not in seen}
        seen |= frontier
    return None


def is_hidden(value: object) -> bool:
    """Whether a cell of ``suppress``'s result is hidden (its marker) rather than a number."""
    return isinstance(value, str)
