"""Signups per second that the local stack sustains, and the latency of the signup call (issue 4).

Starts the real local stack (``python -m local.run``: moto's server, serialised, and ``chalice local``,
in a subprocess on free ports, as the end-to-end tests do), creates info sessions with room for
every signup, then runs ``--clients`` threads (20) that each post JSON signups
(``POST /branches/{branch}/signups``, distinct emails, an Idempotency-Key each) one after another on
a kept-alive connection, for ``--seconds`` (20) after ``--warmup`` seconds (2) that are not counted.

Prints ``signup_load.<figure> <value>`` lines: signups per second, p50/p95/max latency of the call,
the answers that were not 201, the connections that broke (each retried with the same key), and the
throughput per quarter of the run (moto copies the whole table in each transaction, so it drifts
down as the table grows). Nothing is judged; exits non-zero only if the stack does not start or
nothing succeeds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from tests.stack import Stack

BRANCHES = ("antwerp", "ghent", "brussels", "liege")
CAPACITY = 1000  # the API's maximum per session


@dataclass
class Result:
    started: float  # seconds since the measured window opened (negative: warm-up)
    seconds: float
    status: int  # 0: no answer
    retries: int


@dataclass
class Run:
    stack: Stack
    sessions: dict[str, list[str]]
    window_start: float = 0.0
    stop_at: float = 0.0
    results: list[Result] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def birth_date(age: int) -> str:
    return (date.today() - timedelta(days=int(age * 365.25) + 120)).isoformat()


def body(session_id: str, email: str, language: str) -> dict[str, Any]:
    return {
        "role": "mentee", "session_id": session_id, "name": "Load Test", "email": email,
        "phone": "+32 470 12 34 56", "birth_date": birth_date(24), "postcode": "2000", "city": "Antwerpen",
        "languages": [{"code": "ar", "level": "native"}, {"code": "nl", "level": "conversational"},
                      {"code": "fr", "level": "conversational"}],
        "heard_from": "website", "consent": True, "language": language, "looking_for": ["job"],
        "sectors": ["logistics"], "education_level": "secondary", "work_permit": True, "migration_background": True,
    }


def create_sessions(stack: Stack, per_branch: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for branch in BRANCHES:
        token = stack.token("coordinator", branch)
        language = "fr" if branch == "liege" else "nl"
        out[branch] = []
        for n in range(per_branch):
            answer = requests.post(
                f"{stack.api}/branches/{branch}/info-sessions", timeout=30,
                headers={"Authorization": f"Bearer {token}"},
                json={"starts_at": f"{date.today() + timedelta(days=30 + n)}T18:30", "duration_minutes": 90,
                      "format": "in_person", "address": "Load 1", "language": language, "audience": "both",
                      "capacity": CAPACITY},
            )
            if answer.status_code != 201:
                raise SystemExit(f"creating an info session answered {answer.status_code}: {answer.text[:300]}")
            out[branch].append(answer.json()["id"])
    return out


def client(run: Run, number: int) -> None:
    branch = BRANCHES[number % len(BRANCHES)]
    language = "fr" if branch == "liege" else "nl"
    sessions = run.sessions[branch]
    http = requests.Session()
    sent = 0
    while time.monotonic() < run.stop_at:
        sent += 1
        email = f"load.{number}.{sent}@bench.example"
        key = f"load-{number}-{sent}-{run.window_start:.0f}"
        began = time.monotonic()
        status, retries = 0, 0
        for attempt in range(4):
            try:
                answer = http.post(f"{run.stack.api}/branches/{branch}/signups", timeout=60,
                                   json=body(sessions[sent % len(sessions)], email, language),
                                   headers={"Idempotency-Key": key})
                status = answer.status_code
                break
            except requests.ConnectionError:
                retries += 1
                http.close()
                http = requests.Session()
                time.sleep(0.05 * (attempt + 1))
        with run.lock:
            run.results.append(Result(began - run.window_start, time.monotonic() - began, status, retries))
    http.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Signups per second on the local stack.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time (default 20)")
    parser.add_argument("--warmup", type=float, default=2.0, help="time before measuring (default 2)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="duo-bench-load-") as tmp:
        stack = Stack(Path(tmp))
        stack.start()
        try:
            run = Run(stack, create_sessions(stack, per_branch=2))
            now = time.monotonic()
            run.window_start = now + args.warmup
            run.stop_at = run.window_start + args.seconds
            workers = [threading.Thread(target=client, args=(run, n), daemon=True) for n in range(args.clients)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(timeout=args.warmup + args.seconds + 120)
        finally:
            stack.stop()

    measured = [r for r in run.results if r.started >= 0]
    created = [r for r in measured if r.status == 201]
    if not created:
        print(f"signup_load: no signup succeeded ({Counter(r.status for r in measured)})", file=sys.stderr)
        return 1
    # Throughput over the window; the last calls may end a little after it closes.
    window = max(args.seconds, max(r.started + r.seconds for r in measured))
    latencies_ms = [r.seconds * 1000 for r in created]
    print(f"signup_load.clients {args.clients}")
    print(f"signup_load.seconds {window:.1f}")
    print(f"signup_load.signups {len(created)}")
    print(f"signup_load.signups_per_second {len(created) / window:.1f}")
    print(f"signup_load.latency_p50_ms {statistics.median(latencies_ms):.0f}")
    print(f"signup_load.latency_p95_ms {percentile(latencies_ms, 0.95):.0f}")
    print(f"signup_load.latency_max_ms {max(latencies_ms):.0f}")
    others = Counter(r.status for r in measured if r.status != 201)
    print(f"signup_load.other_answers {sum(others.values())} {dict(sorted(others.items())) if others else ''}".rstrip())
    print(f"signup_load.connection_retries {sum(r.retries for r in run.results)}")
    quarter = args.seconds / 4
    rates = [sum(1 for r in created if q * quarter <= r.started < (q + 1) * quarter) / quarter for q in range(4)]
    print(f"signup_load.signups_per_second_by_quarter {' '.join(f'{r:.1f}' for r in rates)}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
