"""Time to rebuild every report aggregate from the events (issue 7): measured on 50,000 events across the six
branches, and estimated for 1,000,000 from it (a rebuild reads each event once and writes each branch's months
once, so its time grows with the events).

The events are written with batch writes (moto's transactions copy the whole table), the same life cycles as
``report_reads.py`` (sign-up, attendance, intake; pairing, agreement and outcome for the duos) over three years,
cut at exactly 50,000. Then ``services.reports.rebuild(repos)`` runs once, timed, with every DynamoDB call it
makes counted by a botocore hook (with the read capacity its queries consume and the time spent in each kind of
call). Against moto in-process there is no network, but moto's own work is in the figure, and most of it is
its index queries: moto answers a query of GSI1 by walking the whole table, so each page of 1,000 events costs
in proportion to the table, and a linear estimate from moto says little about AWS, where a page costs the same
whatever the table's size. So the pure part, what the events add up to (``domain.reports.deltas`` and
``add``), is timed on its own over the same events, and the store part is the rest.

Prints ``report_rebuild.events``, ``.s``, ``.events_per_s``, ``.estimated_1m_s``, the DynamoDB calls, their
capacity and time, then ``.pure_s``, ``.pure_events_per_s``, ``.store_s``, ``.estimated_1m_pure_s``.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from typing import Any

from benchmarks.report_reads import network_events
from benchmarks.round_trips import QueryCapacity, add_hooks, bench_app

EVENTS = 50_000
MILLION = 1_000_000
SEED = 20261124


def events_to(branches: list[str], total: int) -> dict[str, list[Any]]:
    """Each branch's events of enough people's life cycles for ``total`` events in all (the last ones cut)."""
    rng = random.Random(SEED)
    per_branch: dict[str, list[Any]] = {b: [] for b in branches}
    made, people = 0, 0
    while made < total:
        more = network_events(branches, 600, people, rng)
        people += 600
        for branch, rows in more.items():
            per_branch[branch] += rows
            made += len(rows)
    extra = made - total
    for branch in reversed(branches):  # cut the surplus from the last branches' newest people
        cut = min(extra, len(per_branch[branch]))
        if cut:
            per_branch[branch] = per_branch[branch][:-cut]
        extra -= cut
    return per_branch


def write_events(repos: Any, events: dict[str, list[Any]]) -> None:
    """Batch writes, 25 items a call, per branch (never transactions)."""
    from chalicelib.store.events import event_item
    from chalicelib.store.models import EventItem

    for branch, rows in events.items():
        with repos.scopes.tenant(branch), EventItem.batch_write() as batch:
            for event in rows:
                batch.save(event_item(branch, event))


def main() -> int:
    capacity = QueryCapacity()
    spent: dict[str, float] = {}  # operation -> seconds in its calls (moto's work, in-process)
    began_call: list[float] = []

    def call_began(**_: Any) -> None:
        began_call.append(time.perf_counter())

    def call_ended(model: Any, **_: Any) -> None:
        if began_call:
            spent[model.name] = spent.get(model.name, 0.0) + time.perf_counter() - began_call.pop()

    with bench_app() as (_client, calls, _keys):
        from chalicelib.domain import reports as domain
        from chalicelib.services import reports
        from chalicelib.services import repos as repos_module

        add_hooks([*capacity.hooks(), ("before-call.dynamodb", call_began), ("after-call.dynamodb", call_ended)])
        repos_module.use(None)  # the next repositories open sessions with the hooks
        repos = repos_module.get()
        branches = [row["id"] for row in repos.branches.list(100, None)[0]]
        events = events_to(branches, EVENTS)
        written = sum(len(rows) for rows in events.values())
        began = time.perf_counter()
        write_events(repos, events)
        print(f"report_rebuild.events {written}")
        print(f"report_rebuild.branches {len(branches)}")
        print(f"report_rebuild.write_s {time.perf_counter() - began:.1f}")
        sys.stdout.flush()

        calls.take()
        capacity.units.clear()
        spent.clear()
        began, cpu = time.perf_counter(), time.process_time()
        counted = reports.rebuild(repos)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        seen = calls.take().get("dynamodb", [])
        if sum(counted.values()) != written:
            raise SystemExit(f"the rebuild read {sum(counted.values())} events, not the {written} written")
        ops = ", ".join(f"{k} x{v}" for k, v in Counter(seen).most_common())
        print(f"report_rebuild.s {elapsed:.1f}")
        print(f"report_rebuild.cpu_s {cpu:.1f} (this process: moto runs in it; less than .s on a busy machine)")
        print(f"report_rebuild.events_per_s {written / elapsed:.0f}")
        print(f"report_rebuild.estimated_1m_s {elapsed * MILLION / written:.0f}")
        print(f"report_rebuild.dynamodb_calls {len(seen)} [{ops}]")
        print(f"report_rebuild.query_capacity_units {sum(capacity.units):g} (as moto reports it)")
        for operation, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
            n = Counter(seen)[operation]
            print(f"report_rebuild.calls_s.{operation} {seconds:.1f} ({seconds / n * 1000:.0f} ms a call)")
        sys.stdout.flush()

        zones = {b: repos.branches.get(b).time_zone for b in branches}
        began = time.perf_counter()
        months = {b: domain.aggregate(rows, zones[b]) for b, rows in events.items()}
        pure = time.perf_counter() - began
        if not _same(months, repos):
            raise SystemExit("the rebuilt aggregates differ from the events' sums")
        print(f"report_rebuild.pure_s {pure:.2f}")
        print(f"report_rebuild.pure_events_per_s {written / pure:.0f}")
        print(f"report_rebuild.store_s {elapsed - pure:.1f} (moto in-process: reading the events, writing the months)")
        print(f"report_rebuild.estimated_1m_pure_s {pure * MILLION / written:.1f}")
        sys.stdout.flush()
    return 0


def _same(months: dict[str, dict[str, dict[str, int]]], repos: Any) -> bool:
    """The stored aggregates equal the events' sums (a counter at 0 and an absent counter are the same)."""
    def nonzero(m: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        return {month: {k: v for k, v in c.items() if v} for month, c in m.items()}

    return all(nonzero(repos.aggregates.months(b)) == nonzero(m) for b, m in months.items())


if __name__ == "__main__":
    sys.exit(main())
