"""Files generated from the code and committed (``docs/privacy.md``, ``chalicelib/api/routes.json``): write one,
or with ``--check`` only say whether it is up to date (exit 1 when not), as the tests that guard it do."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(path: Path, render: Callable[[], str], target: str, argv: list[str] | None = None) -> int:
    name = path.relative_to(ROOT)
    parser = argparse.ArgumentParser(description=f"Write (or check) {name}.")
    parser.add_argument("--check", action="store_true", help="only say whether the file is up to date")
    args = parser.parse_args(argv)
    text = render()
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current == text:
        print(f"{name} is up to date")
        return 0
    if args.check:
        print(f"{name} is out of date: run make {target}", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {name}")
    return 0
