"""Write chalicelib/api/routes.json, the route table read at cold start, from the route modules: ``make routes``.

``--check`` only compares (exit 1 when the table is out of date), as tests/unit/test_route_table.py does.
"""

from __future__ import annotations

import argparse
import sys

from chalicelib.api.route_table import TABLE, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or check) chalicelib/api/routes.json.")
    parser.add_argument("--check", action="store_true", help="only say whether the table is up to date")
    args = parser.parse_args(argv)
    text = render()
    current = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
    if current == text:
        print(f"{TABLE.name} is up to date")
        return 0
    if args.check:
        print(f"{TABLE.name} is out of date: run make routes", file=sys.stderr)
        return 1
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE.name}: {text.count(chr(10)) - 2} routes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
