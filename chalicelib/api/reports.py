"""Reports: a branch's figures (its staff) and the network report (the head office), as JSON or CSV.

Both read maintained aggregates only (``services/reports.py``); the network report's small counts are
hidden ("<5") so that no person can be singled out, not even by subtracting from a total.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Annotated, Any, Literal

from chalice import Response
from pydantic import Field

from chalicelib.api.routing import Call, route
from chalicelib.api.schemas import Out, Strict
from chalicelib.domain.roles import STAFF_ROLES, Role
from chalicelib.services import reports as service
from chalicelib.services import repos

STAFF = set(STAFF_ROLES)
TAGS = ("reports",)


class ReportQuery(Strict):
    period: Annotated[str, Field(max_length=40, description="2026-07, 2026-Q3, 2026, 2025..2026 or "
                                                              "2026-01..2026-06; default: this year")] = ""
    format: Literal["json", "csv"] = "json"


class NetworkQuery(ReportQuery):
    threshold: Annotated[int, Field(ge=2, le=50, description="Counts below this are hidden.")] = \
        service.DEFAULT_THRESHOLD


class PeriodOut(Out):
    label: str
    kind: str
    start: str
    end: str


class BranchReportOut(Out):
    branch: str
    name: str
    period: PeriodOut
    active_now: int = Field(description="Duos started and not closed, today.")
    figures: dict[str, Any] = Field(description="The funnel, rates, services, cohort outcomes, evaluations and "
                                                "targets of the period.")
    months: dict[str, dict[str, int]] = Field(description="The period's counters, month by month.")


class NetworkRowOut(Out):
    id: str
    kind: Literal["branch", "country", "total"]
    name: str
    country: str
    status: str
    values: dict[str, int | float | str | None] = Field(description='Counts, shares 0..1, or "<5" when hidden.')


class NetworkReportOut(Out):
    period: PeriodOut
    threshold: int
    columns: list[str]
    rows: list[NetworkRowOut]


def _period(period: Any) -> PeriodOut:
    return PeriodOut(label=period.label, kind=period.kind, start=period.start, end=period.end)


def _csv(filename: str, header: list[str], rows: list[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return Response(body=out.getvalue(), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'})


@route("/branches/{branch}/reports", "GET", summary="The branch's figures for a period (JSON, or CSV with "
       "format=csv)", roles=STAFF, query=ReportQuery, response=BranchReportOut, tags=TAGS)
def branch_report(call: Call) -> BranchReportOut | Response:
    report = service.branch_report(repos.get(), call.params["branch"], call.query.period or None)
    if call.query.format == "csv":
        rows = [[month, name, n] for month, counters in report.months.items() for name, n in sorted(counters.items())]
        rows += [[report.period.label, name, n] for name, n in report.figures.counts.items()]
        return _csv(f"duo-{report.branch.id}-{report.period.label}.csv", ["period", "counter", "count"], rows)
    figures = asdict(report.figures)
    figures.pop("period", None)
    return BranchReportOut(branch=report.branch.id, name=report.branch.name, period=_period(report.period),
                           active_now=report.active_now, figures=figures, months=report.months)


@route("/reports/network", "GET", summary="Every branch side by side, per country and in total (head office; "
       "aggregates only, small counts hidden)", roles={Role.HEAD_OFFICE}, query=NetworkQuery,
       response=NetworkReportOut, tags=TAGS)
def network_report(call: Call) -> NetworkReportOut | Response:
    report = service.network_report(repos.get(), call.query.period or None, call.query.threshold)
    if call.query.format == "csv":
        header = ["kind", "id", "name", "country", *report.columns]
        rows = [[r.kind, r.id, r.name, r.country, *(r.values.get(c) for c in report.columns)] for r in report.rows]
        return _csv(f"duo-network-{report.period.label}.csv", header, rows)
    return NetworkReportOut(period=_period(report.period), threshold=report.threshold, columns=report.columns,
                            rows=[NetworkRowOut(id=r.id, kind=r.kind, name=r.name, country=r.country,
                                                status=r.status, values=r.values) for r in report.rows])
