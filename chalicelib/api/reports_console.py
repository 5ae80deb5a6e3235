"""A branch's dashboard in the console: the figures of a month, quarter or year from the maintained aggregates
(``services.reports.branch_report``), as tables and server-drawn SVG charts, printable, and as CSV.

The CSV of the dashboard is the JSON API's (``?format=csv``), served here too under the console's session cookie:
a browser's link to the JSON API would carry no bearer token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.api import console_pages as web
from chalicelib.api.routing import Call, route
from chalicelib.domain import reports
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.roles import Role
from chalicelib.services import clock, repos
from chalicelib.services import reports as report_service
from chalicelib.web import charts, console_labels_reports

STAFF = frozenset({Role.COORDINATOR, Role.BRANCH_ADMIN})
TAGS = ("console",)
BASE = "/branches/{branch}/console/reports"
_LENGTH = {"month": 1, "quarter": 3, "year": 12}


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def current_month(time_zone: str) -> str:
    """The branch-local month of now: "2026-11"."""
    return reports.month_of(clock.now_iso(), time_zone)


def of_kind(kind: str, month: str) -> str:
    """The period of ``kind`` (month, quarter, year) that holds ``month``, as ``parse_period`` reads it."""
    if kind == "month":
        return month
    if kind == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    return month[:4]


def shifted(period: reports.Period, step: int) -> str:
    """The period as long as ``period``, ``step`` lengths later (-1: the one before)."""
    length = _LENGTH.get(period.kind) or (_index(period.end) - _index(period.start) + 1)
    start, end = _index(period.start) + step * length, _index(period.end) + step * length
    return reports.Period(period.kind, _month(start), _month(end)).label


def _period_text(call: Call, time_zone: str) -> str:
    asked = (web.query(call).get("period") or "").strip()
    return asked[:40] if asked else of_kind("quarter", current_month(time_zone))


@route(BASE, "GET", summary="The branch's dashboard: funnel, rates, services, outcomes, targets (HTML)",
       roles=STAFF, console=True, tags=TAGS)
def dashboard(call: Call) -> Response:
    branch = web.branch_of(call)
    assert branch is not None
    lang, _chosen = web.language(call, branch)
    fmt = charts.formatters(lang, branch.country)
    text = _period_text(call, branch.time_zone)
    base = BASE.replace("{branch}", branch.id)
    context: dict[str, Any] = {"nav": "reports", "RL": console_labels_reports, "period_text": text,
                               "period_help": reports.PERIOD_HELP, "base": base, **fmt}
    try:
        report = report_service.branch_report(repos.get(), branch.id, text)
    except InvalidInputError as error:
        return web.render_page(call, "console/reports.html", 400, report=None, errors=error.fields or {
            "period": error.message}, **context)
    figures, period = report.figures, report.period
    labels = [console_labels_reports.FUNNEL[step.name] for step in figures.funnel]
    translate = _translator(lang)
    svgs = [charts.bar_chart(translate("The funnel"), [translate(x) for x in labels],
                             [step.total for step in figures.funnel], fmt["number"])]
    if figures.services:
        names = [translate(console_labels_reports.SERVICES.get(code, code)) for code in figures.services]
        svgs.append(charts.bar_chart(translate("Services delivered"), names, list(figures.services.values()),
                                     fmt["number"]))
    month = current_month(branch.time_zone)
    context.update(
        report=report, figures=figures, period=period, errors={}, charts=svgs,
        previous_url=f"{base}?{urlencode({'period': shifted(period, -1)})}",
        next_url=f"{base}?{urlencode({'period': shifted(period, 1)})}",
        kinds={kind: f"{base}?{urlencode({'period': of_kind(kind, min(period.end, month))})}"
               for kind in ("month", "quarter", "year")},
        csv_url=f"{base}/csv?{urlencode({'period': period.label})}",
        api_csv_url=f"/branches/{branch.id}/reports?{urlencode({'period': period.label, 'format': 'csv'})}",
        active=getattr(report, "active_now", None),
    )
    return charts.allow_styles(web.render_page(call, "console/reports.html", **context), svgs)


def _translator(lang: str) -> Any:
    from chalicelib.web import i18n

    return lambda message: i18n.gettext(lang, message)


def api_csv(call: Call, handler_name: str, period: str, **query: Any) -> Response:
    """The JSON API's own CSV (``api/reports.py``), answered under the console's session: the same file."""
    from chalicelib.api import reports as reports_api

    model = reports_api.NetworkQuery if handler_name == "network_report" else reports_api.ReportQuery
    api_call = Call(call.principal, call.params, None, model(period=period, format="csv", **query),
                    call.correlation_id)
    response = getattr(reports_api, handler_name)(api_call)
    response.headers.update({"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    return response


@route(BASE + "/csv", "GET", summary="The branch's dashboard as CSV (the JSON API's format=csv, console session)",
       roles=STAFF, console=True, tags=TAGS)
def dashboard_csv(call: Call) -> Response:
    branch = web.branch_of(call)
    assert branch is not None
    return api_csv(call, "branch_report", _period_text(call, branch.time_zone))
