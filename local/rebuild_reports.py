"""Rebuild the report aggregates of the running local stack from its events: ``make rebuild-reports``
(``BRANCH=ghent`` for one branch). In AWS the same function (``chalicelib.services.reports.rebuild``) runs
with the table's credentials; the stream keeps the aggregates up to date, so a rebuild is for repairs.
"""

from __future__ import annotations

import argparse
import sys

from local.run import HOST, Options, _apply, _environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recompute the report aggregates from the events.")
    parser.add_argument("branch", nargs="?", default=None, help="one branch id (default: every branch)")
    args = parser.parse_args(argv)
    opts = Options.from_env()
    _apply(_environment(opts, f"http://{HOST}:{opts.moto_port}", opts.state_dir / "jwks.json"))
    from botocore.exceptions import EndpointConnectionError
    from pynamodb.exceptions import PynamoDBConnectionError

    from chalicelib.services import reports, repos

    try:
        read = reports.rebuild(repos.get(), args.branch)
    except (EndpointConnectionError, PynamoDBConnectionError) as error:
        if not isinstance(getattr(error, "cause", error), EndpointConnectionError):
            raise
        print(f"No local stack answers on {HOST}:{opts.moto_port}: start it with `make run` first.", file=sys.stderr)
        return 1
    for branch, events in read.items():
        print(f"{branch}: rebuilt from {events} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
