"""Move the local stack's clock (for demos and walk-throughs): ``python -m local.clock +25h``.

Every process of ``make run`` reads ``$DUO_STATE_DIR/clock.json`` (see chalicelib/services/clock.py),
so the console, the mails' deadlines and the scheduled jobs all see the shifted time at once.
``python -m local.clock`` shows the offset; ``python -m local.clock 0`` puts the clock back.
Steps: ``+2d``, ``+25h``, ``+90m``, ``-1d``; they add to the current offset (``0`` resets).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import timedelta
from pathlib import Path

from local.state import state_dir

_STEP = re.compile(r"^([+-]?\d+)([dhm])$")
_UNIT = {"d": 86400, "h": 3600, "m": 60}


def clock_file(directory: Path | None = None) -> Path:
    return (directory or state_dir()) / "clock.json"


def read_offset(path: Path) -> int:
    try:
        return int(json.loads(path.read_text()).get("offset_seconds", 0))
    except (OSError, ValueError, AttributeError):
        return 0


def shift(path: Path, step: str) -> int:
    """Apply ``step`` ("+2d", "0", ...) to the offset in ``path``; return the new offset in seconds."""
    if step == "0":
        offset = 0
    else:
        match = _STEP.match(step)
        if not match:
            raise ValueError(f"{step!r}: use +2d, +25h, +90m, -1d or 0")
        offset = read_offset(path) + int(match.group(1)) * _UNIT[match.group(2)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"offset_seconds": offset}))
    return offset


def main(argv: list[str]) -> int:
    path = clock_file()
    try:
        offset = shift(path, argv[0]) if argv else read_offset(path)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"The local clock runs {timedelta(seconds=offset)} ahead of real time." if offset >= 0
          else f"The local clock runs {timedelta(seconds=-offset)} behind real time.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
