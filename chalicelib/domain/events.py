"""Events: every change to a person or a duo, as the audit trail and the source of reports.

An event says who did what kind of change, when, to which record, and which fields changed. Its
``data`` holds codes, statuses and dates only (``{"from": "ready", "to": "paired"}``,
``{"reason": "moved"}``): never a name, an email, a phone or a note, so the trail can be read by
anyone who may read the record, and reports can count from it without touching personal data.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

SUBJECT_KINDS = ("candidate", "duo")
# Actors that are not a staff member.
CANDIDATE_ACTOR = "candidate"  # through their personal link or a public form
SYSTEM_ACTOR = "system"  # a scheduled job
IMPORT_ACTOR_PREFIX = "import:"  # import:<staff id>

_CODE = re.compile(r"^[A-Za-z0-9_.:+-]{0,64}$")


def _safe(value: Any) -> bool:
    """Codes, numbers, booleans, ISO dates and lists of them: nothing that reads like free text."""
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return bool(_CODE.match(value))
    if isinstance(value, list | tuple):
        return all(_safe(v) for v in value)
    return False


@dataclass(frozen=True)
class Event:
    kind: str  # e.g. "intake.recorded", "duo.closed"
    subject_kind: str  # candidate | duo
    subject_id: str
    actor: str  # a staff id, CANDIDATE_ACTOR, SYSTEM_ACTOR or import:<staff id>
    at: str  # UTC ISO 8601
    fields: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: new_event_id())

    def __post_init__(self) -> None:
        if self.subject_kind not in SUBJECT_KINDS:
            raise ValueError(f"an event is about a candidate or a duo, not {self.subject_kind!r}")
        bad = [k for k, v in self.data.items() if not _CODE.match(k) or not _safe(v)]
        if bad:
            raise ValueError(f"event data must be codes, not free text: {bad}")


def new_event_id() -> str:
    """Unique, and ordered by when it was made: events of the same second keep their order."""
    return f"{time.time_ns():016x}{secrets.token_hex(8)}"


def changed_fields(before: Any, after: Any, names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The names among ``names`` whose values differ between two versions of a record."""
    return tuple(n for n in names if getattr(before, n, None) != getattr(after, n, None))
