"""The head office in the console: the branches (status, staff, key figures), onboarding and editing a branch,
and the network report.

The forms are validated by the JSON API's models (``BranchCreate``, ``BranchUpdate``) and saved by the same
services as ``api/branches.py``: the same messages, at each field, with the typed values kept. The head office
sees no person: the pages read the branch registry and (the report) the suppressed aggregates only.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from chalice import Response
from pydantic import ValidationError

from chalicelib.api import console_pages as web
from chalicelib.api.routing import Call, _validation_error, route
from chalicelib.api.schemas import BranchCreate, BranchUpdate
from chalicelib.domain.branches import COUNTRIES, LANGUAGES
from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.roles import Role
from chalicelib.domain.texts import N_
from chalicelib.services import branches, repos
from chalicelib.web import charts, console_labels_reports

HEAD_OFFICE = frozenset({Role.HEAD_OFFICE})
TAGS = ("console",)
BASE = "/console/head-office"
PAGE = 50
KEY_METRICS = ("started", "completed", "stopped")  # this year's, per branch, on the list of branches
# What the onboarding form proposes as the time zone of a country's branch.
COUNTRY_TIME_ZONES = {"BE": "Europe/Brussels", "FR": "Europe/Paris", "NL": "Europe/Amsterdam"}
_LIST_FIELD = re.compile(r"(languages)\.\d+")


def _render(call: Call, template: str, status: int = 200, **context: Any) -> Response:
    flash = web.query(call).get("done") or ""
    lang, _chosen = web.language(call, None)
    context = {**charts.formatters(lang), "message": "", "errors": {}, **context}
    return web.render_page(call, f"console/{template}", status, branch=None, done="",
                           flash=flash if flash in console_labels_reports.FLASH else "",
                           RL=console_labels_reports, countries=COUNTRIES, languages_all=LANGUAGES,
                           base=BASE, **context)


def _fields(fields: dict[str, str]) -> dict[str, str]:
    """The API's field names as the form's: ``languages.1`` -> ``languages``, ``config.x`` -> ``config``."""
    out: dict[str, str] = {}
    for name, message in fields.items():
        name = _LIST_FIELD.sub(r"\1", name)
        name = "config" if name.startswith("config") else name
        out.setdefault(name, message)
    return out


# --- The branches ------------------------------------------------------------------------------------------
@route(BASE, "GET", summary="The head office: the branches (HTML)", roles=HEAD_OFFICE, console=True, tags=TAGS)
def branches_page(call: Call) -> Response:
    cursor = web.query(call).get("cursor") or None
    rows, next_cursor = branches.list_branches(repos.get(), PAGE, cursor)
    figures = _key_figures([row["id"] for row in rows])
    next_url = f"{BASE}?cursor={next_cursor}" if next_cursor else ""
    from chalicelib.api.privacy_console import audit_counts

    return _render(call, "head_office.html", nav="head_office_branches", rows=rows, figures=figures,
                   key_metrics=KEY_METRICS, next_url=next_url, **audit_counts([row["id"] for row in rows]))


def _key_figures(branch_ids: list[str]) -> dict[str, Any]:
    """This year's key figures per branch, small counts hidden as in the network report (aggregates only)."""
    from chalicelib.services import reports

    report = reports.network_report(repos.get(), None)
    return {row.id: row.values for row in report.rows if row.kind == "branch" and row.id in branch_ids}


# --- The network report ------------------------------------------------------------------------------------
FUNNEL_COLUMNS = ("registered", "attended", "intake", "ready", "paired", "first_meeting", "started", "completed",
                  "stopped")
COUNT_COLUMNS = ("ready.mentor", "declined", "dropout_rate", "intervisions", "withdrawn")
OUTCOME_COLUMNS = ("outcome.recorded", "outcome.job_share", "outcome.training_or_internship_share",
                   "outcome.searching_share", "outcome.unknown_share")


@route(BASE + "/report", "GET", summary="The network report: every branch, per country and in total (HTML)",
       roles=HEAD_OFFICE, console=True, tags=TAGS)
def network_page(call: Call) -> Response:
    from chalicelib.api.reports_console import shifted
    from chalicelib.domain.reports import EVALUATION_ITEMS, SIDES
    from chalicelib.services import clock, reports

    asked = (web.query(call).get("period") or "").strip()[:40] or str(clock.now().year)
    base = BASE + "/report"
    context: dict[str, Any] = {"nav": "head_office_report", "period_text": asked, "report_url": base}
    try:
        report = reports.network_report(repos.get(), asked)
    except InvalidInputError as error:
        return _render(call, "head_office_report.html", 400, report=None,
                       errors=error.fields or {"period": error.message}, **context)
    lang, _chosen = web.language(call, None)
    number = charts.formatters(lang)["number"]
    total = next(row for row in report.rows if row.kind == "total")
    translate = _translator(lang)
    svgs = [charts.bar_chart(translate("The funnel: the network"),
                             [translate(console_labels_reports.FUNNEL[c]) for c in FUNNEL_COLUMNS],
                             [total.values.get(c) for c in FUNNEL_COLUMNS], number)]
    label = report.period.label
    evaluation_columns = [f"eval.{item}_share" for side in SIDES for item in EVALUATION_ITEMS[side]]
    context.update(
        report=report, charts=svgs, funnel_columns=FUNNEL_COLUMNS, count_columns=COUNT_COLUMNS,
        outcome_columns=OUTCOME_COLUMNS, evaluation_columns=[*evaluation_columns, "recruited_by_mentor_share"],
        previous_url=f"{base}?{urlencode({'period': shifted(report.period, -1)})}",
        next_url=f"{base}?{urlencode({'period': shifted(report.period, 1)})}",
        csv_url=f"{base}/csv?{urlencode({'period': label})}",
    )
    return charts.allow_styles(_render(call, "head_office_report.html", **context), svgs)


@route(BASE + "/report/csv", "GET", summary="The network report as CSV (the JSON API's format=csv, console "
       "session)", roles=HEAD_OFFICE, console=True, tags=TAGS)
def network_csv(call: Call) -> Response:
    from chalicelib.api.reports_console import api_csv
    from chalicelib.services import clock

    asked = (web.query(call).get("period") or "").strip()[:40] or str(clock.now().year)
    return api_csv(call, "network_report", asked)


def _translator(lang: str) -> Any:
    from chalicelib.web import i18n

    return lambda message: i18n.gettext(lang, message)


# --- Onboarding --------------------------------------------------------------------------------------------
ONBOARD_FIELDS = ("id", "name", "country", "time_zone", "admin_email", "admin_name")


@route(BASE + "/branches/new", "GET", summary="Onboard a branch: the form (HTML)", roles=HEAD_OFFICE,
       console=True, tags=TAGS)
def onboard_page(call: Call) -> Response:
    values = {"country": "BE", "time_zone": COUNTRY_TIME_ZONES["BE"], "languages": []}
    return _render(call, "head_office_branch.html", nav="head_office_onboard", new=True, values=values, errors={})


@route(BASE + "/branches/new", "POST", summary="Onboard a branch (HTML)", roles=HEAD_OFFICE, console=True,
       tags=TAGS)
def onboard_submit(call: Call) -> Response:
    values: dict[str, Any] = {k: web.form_value(call, k) for k in ONBOARD_FIELDS}
    values["id"] = values["id"].lower()
    values["languages"] = web.form_list(call, "languages")
    body = {k: v for k, v in values.items() if v not in ("", [])}
    body.setdefault("languages", [])

    def again(status: int, errors: dict[str, str], message: str = "") -> Response:
        return _render(call, "head_office_branch.html", status, nav="head_office_onboard", new=True, values=values,
                       errors=errors, message=message)

    try:
        b = BranchCreate.model_validate(body)
        _branch, admin, invite_error = branches.onboard_branch(
            repos.get(), branch_id=b.id, name=b.name, country=b.country, time_zone=b.time_zone,
            languages=list(b.languages), admin_email=b.admin_email, admin_name=b.admin_name or "")
    except ValidationError as error:
        return again(400, _fields(_validation_error(error).fields))
    except InvalidInputError as error:
        return again(400, _fields(error.fields) or {"id": error.message})
    except ConflictError as error:
        return again(409, {"id": error.message})
    done = "branch_invite_failed" if invite_error else ("branch_onboarded" if admin else "branch_onboarded_no_admin")
    return web.redirect(f"{BASE}?done={done}")


# --- One branch --------------------------------------------------------------------------------------------
def _branch_url(branch_id: str, done: str = "") -> str:
    return f"{BASE}/branches/{branch_id}" + (f"?done={done}" if done else "")


def _branch_page(call: Call, status: int = 200, *, values: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, message: str = "", version: int | None = None) -> Response:
    branch = branches.get_branch(repos.get(), call.params["branch"])
    shown = values or {"name": branch.name, "time_zone": branch.time_zone, "languages": list(branch.languages)}
    return _render(call, "head_office_branch.html", status, nav="head_office_branches", new=False, edited=branch,
                   values=shown, errors=errors or {}, message=message,
                   version=branch.version if version is None else version)


@route(BASE + "/branches/{branch}", "GET", summary="A branch, as the head office edits it (HTML)",
       roles=HEAD_OFFICE, console=True, tags=TAGS)
def branch_page(call: Call) -> Response:
    return _branch_page(call)


@route(BASE + "/branches/{branch}", "POST",
       summary="Change a branch's name, time zone or languages, or suspend or resume it (HTML)",
       roles=HEAD_OFFICE, console=True, tags=TAGS)
def branch_submit(call: Call) -> Response:
    branch_id, action = call.params["branch"], web.form_value(call, "action") or "save"
    r = repos.get()
    if action in ("suspend", "resume"):
        try:
            (branches.suspend_branch if action == "suspend" else branches.resume_branch)(r, branch_id)
        except ConflictError as error:
            return _branch_page(call, 409, message=error.message)
        return web.redirect(_branch_url(branch_id, "branch_suspended" if action == "suspend" else "branch_resumed"))
    if action != "save":
        raise InvalidInputError(N_("Choose what to do."), {"action": N_("Save, suspend or resume.")})
    version_text = web.form_value(call, "version")
    if not version_text.isdigit():
        raise InvalidInputError(N_("The form is incomplete: reload the page."), {"version": N_("Missing.")})
    values: dict[str, Any] = {k: web.form_value(call, k) for k in ("name", "time_zone")}
    values["languages"] = web.form_list(call, "languages")
    try:
        update = BranchUpdate.model_validate(values)
        branches.update_branch(r, branch_id, update.model_dump(exclude_unset=True), role=Role.HEAD_OFFICE,
                               expected_version=int(version_text))
    except ValidationError as error:
        return _branch_page(call, 400, values=values, errors=_fields(_validation_error(error).fields),
                            version=int(version_text))
    except InvalidInputError as error:
        return _branch_page(call, 400, values=values, errors=_fields(error.fields), message=error.message,
                            version=int(version_text))
    except ConflictError as error:
        return _branch_page(call, 409, values=values, message=error.message, version=int(version_text))
    return web.redirect(_branch_url(branch_id, "branch_saved"))
