"""DynamoDB reads of the head office's yearly network report (issue 7) when the six branches hold 1,000 and
then 10,000 people: the goal is the same number of reads and the same consumed capacity, because the
report reads each branch's month aggregates, never a person.

The network is written with batch writes (moto's transactions copy the whole table): people with their
events over three years (sign-up, attendance, intake, ready; pairing, agreement, closing and the outcome for
the duos), then the aggregates are rebuilt from the events. Same setting as ``round_trips.py``; the consumed
capacity is asked of every query (``ReturnConsumedCapacity``) by a botocore hook.

Prints ``report_reads.<people>.network_year <calls> [<operations>]``, ``....capacity_units <n>`` and
``....ms <median>``.
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from datetime import date, timedelta
from typing import Any

from benchmarks.round_trips import QueryCapacity, add_hooks, bench_app

SIZES = (1000, 10000)
YEARS = (2024, 2025, 2026)
SEED = 20261124


def network_events(branches: list[str], people: int, start: int, rng: random.Random) -> dict[str, list[Any]]:
    """Each branch's events for ``people`` more people (a third of them mentors), half of them in a duo."""
    from chalicelib.domain.events import Event

    out: dict[str, list[Any]] = {b: [] for b in branches}
    for n in range(start, start + people):
        branch = branches[n % len(branches)]
        cid, role = f"p{n:06d}", "mentor" if n % 3 == 0 else "mentee"
        day = date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))

        def at(d: date) -> str:
            return f"{d.isoformat()}T10:00:00Z"

        events = out[branch]
        events.append(Event("candidate.signed_up", "candidate", cid, "candidate", at(day), (),
                            {"to": "registered", "role": role, "heard_from": "website"}))
        events.append(Event("candidate.attended", "candidate", cid, "s", at(day + timedelta(days=7)), (),
                            {"role": role, "from": "registered", "to": "attended"}))
        events.append(Event("intake.recorded", "candidate", cid, "s", at(day + timedelta(days=14)), (),
                            {"role": role, "decision": "ready", "from": "intake_scheduled", "to": "ready"}))
        if role == "mentee" and n % 2 == 0:
            did, started = f"d{n:06d}", day + timedelta(days=30)
            events.append(Event("duo.paired", "duo", did, "s", at(started - timedelta(days=7)), (), {}))
            events.append(Event("duo.agreement_signed", "duo", did, "s", at(started), (),
                                {"to": "active", "started_on": started.isoformat()}))
            events.append(Event("duo.outcome_recorded", "duo", did, "s", at(started + timedelta(days=365)), (),
                                {"situation": rng.choice(("job", "training", "searching")),
                                 "started_on": started.isoformat()}))
    return out


def write(repos: Any, events: dict[str, list[Any]], people: int, start: int) -> None:
    from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus
    from chalicelib.store.candidates import candidate_item
    from chalicelib.store.events import event_item
    from chalicelib.store.models import CandidateItem, EventItem

    branches = list(events)
    for branch, rows in events.items():
        with repos.scopes.tenant(branch):
            with EventItem.batch_write() as batch:
                for event in rows:
                    batch.save(event_item(branch, event))
            with CandidateItem.batch_write() as batch:
                for n in range(start + branches.index(branch), start + people, len(branches)):
                    c = Candidate(
                        id=f"p{n:06d}", branch=branch, role=CandidateRole("mentor" if n % 3 == 0 else "mentee"),
                        status=CandidateStatus.READY, name=f"Person {n}", email=f"p{n}@bench.example",
                        phone="+32470000000", birth_date="1990-01-01", postcode="1000", city="X", languages=[],
                        heard_from="website", language="nl", consent_version="1", consent_language="nl",
                        consent_at="2025-01-01T00:00:00Z", session_id="s1", created_at="2025-01-01T00:00:00Z",
                        updated_at="2025-01-01T00:00:00Z", status_since="2025-01-01T00:00:00Z")
                    batch.save(candidate_item(c, []))


def main() -> int:
    capacity = QueryCapacity()
    with bench_app() as (client, calls, keys):
        from chalicelib.services import reports
        from chalicelib.services import repos as repos_module
        from local.tokens import mint

        add_hooks(capacity.hooks())
        repos_module.use(None)  # the app's next repositories open sessions with the hooks
        token = mint((keys / "private.pem").read_bytes(), role="head_office", branch=None, subject="ho-bench")
        headers = {"Authorization": f"Bearer {token}"}
        repos = repos_module.get()
        branches = [row["id"] for row in repos.branches.list(100, None)[0]]
        rng, written = random.Random(SEED), 0
        for size in SIZES:
            more = size - written
            write(repos, network_events(branches, more, written, rng), more, written)
            written = size
            reports.rebuild(repos)
            runs: list[tuple[list[str], float, float]] = []
            for _ in range(3):
                calls.take()
                capacity.units.clear()
                began = time.perf_counter()
                with redirect_stdout(io.StringIO()):
                    answer = client.http.get("/reports/network?period=2026", headers=headers)
                elapsed = (time.perf_counter() - began) * 1000
                if answer.status_code != 200:
                    raise SystemExit(f"the network report answered {answer.status_code}: {answer.body[:300]!r}")
                runs.append((calls.take().get("dynamodb", []), sum(capacity.units), elapsed))
            seen, units, _ = runs[-1]
            ops = ", ".join(f"{k} x{v}" for k, v in Counter(seen).items())
            print(f"report_reads.{size}.network_year {len(seen)} [{ops}]")
            print(f"report_reads.{size}.network_year.capacity_units {units:g}")
            print(f"report_reads.{size}.network_year.ms {statistics.median(r[2] for r in runs):.0f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
