"""Write chalicelib/api/routes.json, the route table read at cold start, from the route modules: ``make routes``.

``--check`` only compares (exit 1 when the table is out of date), as tests/unit/test_route_table.py does.
"""

from __future__ import annotations

import sys

from chalicelib.api.route_table import TABLE, render
from local.generated import main

if __name__ == "__main__":
    sys.exit(main(TABLE, render, "routes"))
