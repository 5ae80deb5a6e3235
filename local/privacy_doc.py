"""Write docs/privacy.md, the records of processing, from ``chalicelib.domain.privacy``: ``make privacy-doc``.

``--check`` only compares (exit 1 when the document is out of date), as tests/unit/test_privacy_registry.py does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chalicelib.domain.privacy import render_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or check) docs/privacy.md from chalicelib/domain/privacy.py.")
    parser.add_argument("--check", action="store_true", help="only say whether the document is up to date")
    args = parser.parse_args(argv)
    text = render_markdown()
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if args.check:
        if current != text:
            print(f"{DOC.relative_to(DOC.parents[1])} is out of date: run make privacy-doc", file=sys.stderr)
            return 1
        return 0
    if current != text:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(DOC.parents[1])}")
    else:
        print(f"{DOC.relative_to(DOC.parents[1])} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
