"""``make bench``: every benchmark (issues 3 to 9), each in a process of its own, one line per figure.

The benchmarks read their settings from the environment once per process and start their own
moto (a loopback server for the cold starts, ``mock_aws`` for the round trips, the whole local
stack for the signup load), so each runs in a fresh interpreter. Nothing here judges the figures:
a run fails only if a request fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run every benchmark: cold start, round trips, loads, matching, reports, privacy.")
    parser.add_argument("--runs", type=int, default=10, help="cold starts of each kind (default 10)")
    parser.add_argument("--load-seconds", type=float, default=20.0,
                        help="measured time of each load on the local stack (signups; everyone at once), default 20")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    modules = (
        ("benchmarks.cold_start", ["--runs", str(args.runs)]),
        ("benchmarks.round_trips", []),
        ("benchmarks.signup_round_trips", []),
        ("benchmarks.signup_load", ["--seconds", str(args.load_seconds)]),
        ("benchmarks.load", ["--seconds", str(args.load_seconds)]),
        ("benchmarks.console_reads", []),
        ("benchmarks.matching", []),
        ("benchmarks.matching_pool", []),
        ("benchmarks.report_reads", []),
        ("benchmarks.report_rebuild", []),
        ("benchmarks.privacy", []),
    )
    for module, extra in modules:
        done = subprocess.run([sys.executable, "-m", module, *extra], cwd=ROOT, check=False)
        if done.returncode != 0:
            print(f"{module} failed with exit code {done.returncode}", file=sys.stderr)
            return done.returncode
    print(f"bench.elapsed_s {time.perf_counter() - began:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
