"""Reporting: the branches' figures from maintained aggregates, and the head office's network report.

Aggregates are kept up to date from the table's stream (every new event item adds its counts once:
``store/aggregates.py``), and can always be rebuilt from the events. A report reads months of counters:
one query per branch, whatever the number of people behind them. The head office's report reads the
aggregates only, with the platform's credentials, and hides small counts (``domain.reports.suppress``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import reports
from chalicelib.domain.branches import Branch
from chalicelib.observability import logger, metrics
from chalicelib.services import clock
from chalicelib.services.repos import Repos

DEFAULT_THRESHOLD = 5
REGISTRY_PAGE = 100


def apply_event(repos: Repos, branch_id: str, event: Any) -> bool:
    """Add one event's counts to its branch's aggregates; False when it counts nothing or was added before."""
    rows = reports.deltas(event, repos.branches.get(branch_id).time_zone)
    if not rows:
        return False
    added = repos.aggregates.apply(branch_id, event.id, rows, clock.now())
    if not added:
        logger.info("event counted before", extra={"event_id": event.id})
    return added


def apply_event_image(repos: Repos, branch_id: str, image: dict[str, Any]) -> bool:
    """The stream's new image of an event item (DynamoDB JSON)."""
    from chalicelib.store.events import event_from_image

    return apply_event(repos, branch_id, event_from_image(image))


def rebuild(repos: Repos, branch_id: str | None = None) -> dict[str, int]:
    """Recompute the aggregates of one branch (or every branch) from its events; events read per branch."""
    branches = [branch_id] if branch_id else [row["id"] for row in _registry(repos)]
    read: dict[str, int] = {}
    for bid in branches:
        time_zone = repos.branches.get(bid).time_zone
        months: dict[str, dict[str, int]] = {}
        count = 0
        for event in repos.aggregates.events(bid):
            reports.add(months, reports.deltas(event, time_zone))
            count += 1
        repos.aggregates.replace(bid, months)
        read[bid] = count
        logger.info("aggregates rebuilt", extra={"branch": bid, "events": count, "months": len(months)})
    metrics.add_metric(name="AggregatesRebuilt", unit="Count", value=len(branches))
    return read


def _registry(repos: Repos) -> list[dict[str, Any]]:
    rows, cursor = repos.branches.list(REGISTRY_PAGE, None)
    while cursor:
        more, cursor = repos.branches.list(REGISTRY_PAGE, cursor)
        rows += more
    return rows


def _period(text: str | None, time_zone: str) -> reports.Period:
    """The period asked for, or the current year where the branch is."""
    if text:
        return reports.parse_period(text)
    return reports.parse_period(str(clock.now().astimezone(ZoneInfo(time_zone)).year))


def _span(period: reports.Period) -> tuple[str, str]:
    """The months to read: from January of the period's first year (targets count year to date)."""
    return f"{period.start[:4]}-01", period.end


@dataclass
class BranchReport:
    branch: Branch
    period: reports.Period
    figures: reports.Figures
    active_now: int  # duos started and not closed, today
    months: dict[str, dict[str, int]]  # the period's months, each with its counters (for the charts)


def branch_report(repos: Repos, branch_id: str, period: str | None = None) -> BranchReport:
    """A branch's figures for a period (default: this year): one query of its month items."""
    branch = repos.branches.get(branch_id)
    chosen = _period(period, branch.time_zone)
    everything = repos.aggregates.months(branch_id)
    figures = reports.branch_figures(everything, chosen, branch.effective_config().get("targets") or {})
    totals = reports.combine([everything])
    active = sum(c.get("started", 0) - c.get("completed", 0) - c.get("stopped", 0) for c in totals.values())
    in_period = {m: dict(everything.get(m, {})) for m in reports.months(chosen)}
    return BranchReport(branch, chosen, figures, max(0, active), in_period)


@dataclass
class NetworkRow:
    id: str  # a branch id, a country code, or TOTAL
    kind: str  # branch | country | total
    name: str
    country: str
    status: str
    values: dict[str, Any]  # reports.table_row, small counts hidden ("<5")


@dataclass
class NetworkReport:
    period: reports.Period
    threshold: int
    rows: list[NetworkRow]  # per country: its branches, then the country; the network total last
    columns: list[str]


TOTAL = "TOTAL"


def network_report(repos: Repos, period: str | None = None, threshold: int = DEFAULT_THRESHOLD) -> NetworkReport:
    """Every branch side by side, per country and in total, from the aggregates only (the platform's
    credentials: no person is reachable), small counts hidden so that no subtraction reveals them."""
    chosen = reports.parse_period(period) if period else reports.parse_period(str(clock.now().year))
    first, last = _span(chosen)
    branches = sorted(_registry(repos), key=lambda r: (r["country"], r["name"].casefold(), r["id"]))
    aggregates = {row["id"]: repos.aggregates.network_months(row["id"], first, last) for row in branches}
    countries: dict[str, list[dict[str, Any]]] = {}
    for row in branches:
        countries.setdefault(row["country"], []).append(row)
    table: dict[str, dict[str, int | float | None]] = {}
    for row in branches:
        table[row["id"]] = reports.table_row(reports.branch_figures(aggregates[row["id"]], chosen))
    for country, members in countries.items():
        summed = reports.combine(aggregates[m["id"]] for m in members)
        table[f"country:{country}"] = reports.table_row(reports.branch_figures(summed, chosen))
    table[TOTAL] = reports.table_row(reports.branch_figures(reports.combine(aggregates.values()), chosen))
    columns = list(dict.fromkeys(col for values in table.values() for col in values))
    for values in table.values():  # every row has every column (a service only some branches offer: 0)
        for col in columns:
            values.setdefault(col, 0)
    groups = [(f"country:{c}", [m["id"] for m in members]) for c, members in countries.items()]
    groups.append((TOTAL, [f"country:{c}" for c in countries]))
    hidden = reports.suppress(table, groups, threshold, column_groups=reports.TABLE_COLUMN_GROUPS,
                              shares=reports.TABLE_SHARES)
    rows: list[NetworkRow] = []
    for country, members in countries.items():
        rows += [NetworkRow(m["id"], "branch", m["name"], country, m["status"], hidden[m["id"]]) for m in members]
        rows.append(NetworkRow(country, "country", country, country, "", hidden[f"country:{country}"]))
    rows.append(NetworkRow(TOTAL, "total", "", "", "", hidden[TOTAL]))
    logger.info("network report", extra={"period": chosen.label, "branches": len(branches)})
    return NetworkReport(chosen, threshold, rows, columns)
