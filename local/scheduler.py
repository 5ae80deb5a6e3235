"""Runs the app's scheduled jobs on their EventBridge schedules, in UTC, as AWS would.

Understands ``rate(N unit)`` and ``cron(min hour day-of-month month day-of-week year)`` with
``*``, ``?``, numbers, names (JAN, MON), ranges, lists and ``/`` steps. ``L``, ``W`` and ``#``
are refused (the job is then not run locally, with a message). Day of week is 1-7 = SUN-SAT.
A run missed while the laptop slept happens once on waking, not once per missed slot.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any, Protocol

log = logging.getLogger("duo.local.scheduler")

_MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}
_WEEKDAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime: ...


def _values(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """The values a cron field allows; None when it allows any ('*' or '?')."""
    if text in ("*", "?"):
        return None

    def number(token: str) -> int:
        if names and token in names:
            return names[token]
        if not token.isdigit():
            raise ValueError(f"'{token}' is not supported by the local scheduler")
        return int(token)

    allowed: set[int] = set()
    for part in text.upper().split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (number(t) for t in span.split("-", 1))
        else:
            first = number(span)
            last = high if step else first
        allowed.update(range(first, last + 1, number(step) if step else 1))
    if not allowed or min(allowed) < low or max(allowed) > high:
        raise ValueError(f"cron field '{text}' is outside {low}-{high}")
    return frozenset(allowed)


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None
    years: frozenset[int] | None

    @classmethod
    def parse(cls, fields: str) -> CronSchedule:
        parts = fields.split()
        if len(parts) != 6:
            raise ValueError(f"cron needs 6 fields, got '{fields}'")
        m, h, dom, mon, dow, year = parts
        return cls(
            _values(m, 0, 59), _values(h, 0, 23), _values(dom, 1, 31),
            _values(mon, 1, 12, _MONTHS), _values(dow, 1, 7, _WEEKDAYS), _values(year, 1970, 2199),
        )

    def _runs_on(self, day: date) -> bool:
        weekday = (day.weekday() + 1) % 7 + 1  # Python's Monday=0 -> EventBridge's MON=2
        return all(
            allowed is None or value in allowed
            for allowed, value in (
                (self.years, day.year), (self.months, day.month), (self.days, day.day), (self.weekdays, weekday)
            )
        )

    def next_after(self, moment: datetime) -> datetime:
        start = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
        hours = sorted(self.hours if self.hours is not None else range(24))
        minutes = sorted(self.minutes if self.minutes is not None else range(60))
        day = start.date()
        for _ in range(366 * 8):
            if self._runs_on(day):
                for hour in hours:
                    for minute in minutes:
                        candidate = datetime.combine(day, clock_time(hour, minute), UTC)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        raise ValueError("this cron expression never runs in the next eight years")


@dataclass(frozen=True)
class RateSchedule:
    seconds: int

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)


def parse(expression: str) -> Schedule:
    """A schedule from an EventBridge expression: ``cron(...)`` or ``rate(...)``."""
    match = re.fullmatch(r"\s*(cron|rate)\((.*)\)\s*", expression)
    if match is None:
        raise ValueError(f"not a schedule expression: '{expression}'")
    kind, body = match.groups()
    if kind == "cron":
        return CronSchedule.parse(body)
    value, _, unit = body.strip().partition(" ")
    if not value.isdigit() or unit.strip() not in _RATE_UNITS or int(value) < 1:
        raise ValueError(f"not a rate: '{body}'")
    return RateSchedule(int(value) * _RATE_UNITS[unit.strip()])


@dataclass
class Job:
    name: str
    schedule: Schedule
    handler: Callable[[dict[str, Any], Any], Any]


def scheduled_event(job: str, region: str, account: str, moment: datetime) -> dict[str, Any]:
    """The event EventBridge sends a scheduled Lambda."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{job}"],
        "detail": {},
    }


class Scheduler:
    def __init__(
        self,
        jobs: list[Job],
        context_factory: Callable[[], Any],
        *,
        region: str,
        account: str,
        invoke_lock: threading.Lock | None = None,
    ) -> None:
        self._jobs = jobs
        self._context = context_factory
        self._region, self._account = region, account
        self._invoke_lock = invoke_lock or threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_now(self, job: Job) -> bool:
        """Run ``job`` once, now; True when it succeeded."""
        started = time.perf_counter()
        event = scheduled_event(job.name, self._region, self._account, datetime.now(UTC))
        with self._invoke_lock:
            try:
                job.handler(event, self._context())
            except Exception as error:
                log.error("job %s failed: %s", job.name, type(error).__name__)
                return False
        log.info("job %s ran in %.2f s", job.name, time.perf_counter() - started)
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        now = datetime.now(UTC)
        due = {job.name: job.schedule.next_after(now) for job in self._jobs}
        for job in self._jobs:
            log.info("job %s: next run %s UTC", job.name, due[job.name].strftime("%Y-%m-%d %H:%M"))
        while self._jobs:
            now = datetime.now(UTC)
            for job in self._jobs:
                if due[job.name] <= now:
                    self.run_now(job)
                    due[job.name] = job.schedule.next_after(datetime.now(UTC))
            wait = min(due.values()) - datetime.now(UTC)
            # Wake at least every minute, so that a laptop waking from sleep catches up soon.
            if self._stop.wait(max(0.0, min(wait.total_seconds(), 60.0))):
                return
