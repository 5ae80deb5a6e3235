"""Time in one place: UTC, ISO 8601, seconds precision, and settable.

The life-cycle rules (24 hours, 14 days, 6 and 12 months) read this clock, so tests set it with
``set_now`` instead of sleeping. Locally ``DUO_CLOCK_FILE`` names a JSON file
``{"offset_seconds": N}`` (written by ``python -m local.clock +2d``) that shifts the clock of every
process of the local stack, so a demo or a browser test can jump ahead. In AWS neither is set.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta

_fixed: datetime | None = None
_file_cache: tuple[float, float] = (-1.0, 0.0)  # (mtime, offset seconds)


def set_now(moment: datetime | None) -> None:
    """Fix the clock at ``moment`` (aware) for this process; None lets it run again."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set the clock with an aware datetime")
    _fixed = moment.astimezone(UTC).replace(microsecond=0) if moment else None


def _file_offset() -> float:
    global _file_cache
    path = os.environ.get("DUO_CLOCK_FILE")
    if not path:
        return 0.0
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return 0.0
    if mtime != _file_cache[0]:
        try:
            with open(path, encoding="utf-8") as f:
                offset = float(json.load(f).get("offset_seconds", 0))
        except (OSError, ValueError, AttributeError):
            offset = 0.0
        _file_cache = (mtime, offset)
    return _file_cache[1]


def now() -> datetime:
    if _fixed is not None:
        return _fixed
    moment = datetime.now(UTC).replace(microsecond=0)
    offset = _file_offset()
    return moment + timedelta(seconds=offset) if offset else moment


def now_iso() -> str:
    return iso(now())


def today() -> date:
    return now().date()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
