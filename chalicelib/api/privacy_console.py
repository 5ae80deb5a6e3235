"""Personal data in the console (HTML, issue 8): privacy requests, the access audit, and on a person's page the
branch admin's tools (a copy of their data, restriction, correction of contact details, erasure).

Thin, like the JSON API (``api/privacy.py``): the same services do the work (``services.privacy_requests``,
``services.audit``, ``services.personal_data``, ``services.people``, ``services.consent``). Coordinators read
the requests and see a restricted person's banner; everything that changes or exports personal data is the
branch admin's. A form that fails comes back with its values and a message at each field (400).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.api import console_pages as web
from chalicelib.api.routing import Call, route
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.roles import STAFF_ROLES, Role
from chalicelib.domain.texts import N_
from chalicelib.services import clock, repos
from chalicelib.web import console_labels_people
from chalicelib.web import console_labels_privacy as labels

STAFF = frozenset(STAFF_ROLES)
ADMIN = frozenset({Role.BRANCH_ADMIN})
TAGS = ("console",)
BASE = "/branches/{branch}/console"
PRIVACY = BASE + "/privacy"
PERSON = BASE + "/people/{candidate_id}"
AUDIT_PAGE = 50
MAX_REASON = 200
MAX_NOTE = 200
MAX_REQUESTS = 200  # shown on the privacy page (open ones first)
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_MONTH = re.compile(r"20\d\d-(0[1-9]|1[0-2])")


# --- Helpers --------------------------------------------------------------------------------------------
def _actor(call: Call) -> str:
    return call.principal.staff_id or call.principal.subject


def _reason(call: Call) -> str:
    """The optional "why are you looking?" of a read (``?reason=``), one line, at most 200 characters."""
    return " ".join((web.query(call).get("reason") or "").split())[:MAX_REASON]


def _is_admin(call: Call) -> bool:
    return call.principal.role is Role.BRANCH_ADMIN


def _base(call: Call) -> str:
    return BASE.replace("{branch}", call.params["branch"])


def _lang(call: Call) -> str:
    return web.language(call, web.branch_of(call))[0]


def _formatters(call: Call) -> dict[str, Any]:
    """Dates and moments in the branch's time zone and the page's locale."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_time

    from chalicelib.web import i18n

    branch = web.branch_of(call)
    assert branch is not None
    locale = i18n.locale_for(_lang(call), branch.country)

    def day(iso: str | None) -> str:
        if not iso:
            return "—"
        return format_date(date.fromisoformat(iso[:10]), "medium", locale=locale)

    def moment(iso_utc: str | None) -> str:
        if not iso_utc:
            return "—"
        at = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(ZoneInfo(branch.time_zone))
        return f"{format_date(at.date(), 'medium', locale=locale)} {format_time(at, 'short', locale=locale)}"

    return {"day": day, "moment": moment}


def today_local(time_zone: str) -> str:
    """Today's date in the branch's time zone (a request is overdue after its due date there)."""
    from zoneinfo import ZoneInfo

    return clock.now().astimezone(ZoneInfo(time_zone)).date().isoformat()


def _overdue(request: Any, today: str) -> bool:
    """Open after its due date (``today``: the branch's local date)."""
    return bool(request.open and request.due_on < today)


class People:
    """``people(candidate_id)`` -> the candidate, or None when they are gone (erased); one read per id."""

    def __init__(self, branch_id: str) -> None:
        self._branch = branch_id
        self._seen: dict[str, Any] = {}

    def __call__(self, candidate_id: str | None) -> Any:
        if not candidate_id:
            return None
        if candidate_id not in self._seen:
            try:
                self._seen[candidate_id] = repos.get().candidates.get(self._branch, candidate_id)
            except NotFoundError:
                self._seen[candidate_id] = None
        return self._seen[candidate_id]


def _render(call: Call, template: str, status: int = 200, **context: Any) -> Response:
    flash = web.query(call).get("done") or ""
    return web.render_page(call, template, status, PV=labels, PL=console_labels_people, done="",
                           flash=flash if flash in labels.FLASH else "", base=_base(call), **_formatters(call),
                           **context)


def _open_requests_of(branch_id: str, candidate_id: str) -> list[Any]:
    from chalicelib.services import privacy_requests

    return privacy_requests.list_requests(repos.get(), branch_id, status="open", candidate_id=candidate_id)


def _request_id(call: Call) -> str | None:
    """The open request a form says its action answers (the service checks it is this person's, of the right
    kind and open), or None."""
    request_id = web.form_value(call, "request_id")
    if request_id and not _ID.fullmatch(request_id):
        raise InvalidInputError(N_("Choose one of this person's open requests."),
                                {"request_id": N_("Choose one of this person's open requests.")})
    return request_id or None


# --- The person page's "Personal data" card -------------------------------------------------------------
def person_context(call: Call, candidate: Any, *, record: bool) -> dict[str, Any]:
    """What console/person.html shows about a person's data: the restriction, their open requests and (branch
    admins) the tools. ``record``: this view is a read of the person, written to the access audit with the
    reason given (``?reason=``)."""
    branch_id = call.params["branch"]
    reason = _reason(call)
    if record:
        from chalicelib.services import audit

        audit.record(repos.get(), branch_id, staff_id=_actor(call), candidate_id=candidate.id,
                     action="read_person", reason=reason)
    return {
        "privacy": {
            "restricted": candidate.restricted,
            "requests": _open_requests_of(branch_id, candidate.id),
            "admin": _is_admin(call),
            "reason": reason,
            "today": today_local(web.branch_of(call).time_zone),  # type: ignore[union-attr]
            "audit_url": f"{_base(call)}/privacy/audit?{urlencode({'candidate': candidate.id})}",
            "request_url": f"{_base(call)}/privacy?{urlencode({'candidate': candidate.id})}",
        },
        "PV": labels,
        **_formatters(call),
    }


def _person_again(call: Call, status: int, errors: dict[str, str], values: dict[str, str] | None = None,
                  message: str = "") -> Response:
    from chalicelib.api import people_console

    return people_console._person_page(call, status, errors, correction=values, privacy_message=message)


def _to_person(call: Call, done: str) -> Response:
    return web.redirect(f"{_base(call)}/people/{call.params['candidate_id']}?done={done}")


@route(PERSON + "/export", "GET", summary="A copy of everything the branch holds on a person (JSON attachment; "
       "audited)", roles=ADMIN, console=True, tags=TAGS)
def person_export(call: Call) -> Response:
    from chalicelib.services import privacy_requests

    # A GET changes nothing but the audit: the access request it answers is marked done on the privacy page.
    branch_id, candidate_id = call.params["branch"], call.params["candidate_id"]
    data, _request = privacy_requests.export(repos.get(), branch_id, candidate_id, actor=_actor(call),
                                             reason=_reason(call))
    return Response(body=json.dumps(data, ensure_ascii=False, indent=2, default=str), status_code=200, headers={
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": f'attachment; filename="duo-{branch_id}-person-{candidate_id}.json"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })


@route(PERSON + "/restrict", "POST", summary="Restrict the processing of a person's data, or lift it (HTML)",
       roles=ADMIN, console=True, tags=TAGS)
def person_restrict(call: Call) -> Response:
    from chalicelib.services import people

    wanted = web.form_value(call, "restricted")
    try:
        if wanted not in ("1", "0"):
            raise InvalidInputError(N_("Choose to restrict or to lift the restriction."),
                                    {"restricted": N_("Choose to restrict or to lift the restriction.")})
        people.restrict(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                        restricted=wanted == "1", request_id=_request_id(call))
    except InvalidInputError as error:
        return _person_again(call, 400, {f"restrict_{k}": v for k, v in (error.fields or {
            "restricted": error.message}).items()})
    return _to_person(call, "privacy_restricted" if wanted == "1" else "privacy_lifted")


@route(PERSON + "/correct", "POST", summary="Correct a person's contact details (HTML)", roles=ADMIN,
       console=True, tags=TAGS)
def person_correct(call: Call) -> Response:
    from chalicelib.services import people

    branch_id, candidate_id = call.params["branch"], call.params["candidate_id"]
    # the fields the form sent (one left out is not changed; one sent empty is: and refused)
    values = {name: web.form_value(call, name) for name in labels.CORRECTION_FIELDS if web.form_list(call, name)}
    version = web.form_value(call, "version")
    try:
        if not version.isdigit():
            raise InvalidInputError(N_("This form is incomplete; reload the page."),
                                    {"version": N_("This form is incomplete; reload the page.")})
        before = repos.get().candidates.get(branch_id, candidate_id)
        # only what differs (nothing: the request it answers is done all the same, e.g. the data was right)
        changes = {k: v for k, v in values.items() if v != str(getattr(before, k, "") or "")}
        people.correct(repos.get(), call.principal, branch_id, candidate_id, changes, version=int(version),
                       request_id=_request_id(call))
    except InvalidInputError as error:
        fields = {f"correct_{k}": v for k, v in (error.fields or {"name": error.message}).items()}
        return _person_again(call, 400, fields, values)
    except ConflictError as error:
        if error.code != "changed_meanwhile" and error.code != "email_taken":
            raise
        if error.code == "email_taken":
            return _person_again(call, 409, {"correct_email": error.message}, values)
        return _person_again(call, 409, {}, values, error.message)
    return _to_person(call, "privacy_corrected" if changes else "privacy_unchanged")


def _erase_page(call: Call, status: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None) -> Response:
    c = repos.get().candidates.get(call.params["branch"], call.params["candidate_id"])
    erasures = [r for r in _open_requests_of(call.params["branch"], c.id) if r.kind == "erasure"]
    return _render(call, "console/privacy_erase.html", status, nav="privacy", c=c, erasures=erasures,
                   errors=errors or {}, values=values or {})


@route(PERSON + "/erase", "GET", summary="Erasing a person: what is removed and kept, and the confirmation "
       "(HTML)", roles=ADMIN, console=True, tags=TAGS)
def erase_page(call: Call) -> Response:
    return _erase_page(call)


@route(PERSON + "/erase", "POST", summary="Erase a person: their data is removed for good (HTML)",
       roles=ADMIN, console=True, tags=TAGS)
def erase_submit(call: Call) -> Response:
    from chalicelib.services import privacy_requests

    branch_id, candidate_id = call.params["branch"], call.params["candidate_id"]
    repos.get().candidates.get(branch_id, candidate_id)  # 404 for someone who is not (or no longer) here
    values = {"confirm": web.form_value(call, "confirm"), "request_id": web.form_value(call, "request_id")}
    if values["confirm"] != "yes":
        message = N_("Tick the box to confirm that this is the right person and that erasure cannot be undone.")
        return _erase_page(call, 400, {"confirm": message}, values)
    try:
        privacy_requests.erase(repos.get(), branch_id, candidate_id, actor=_actor(call),
                               request_id=_request_id(call))
    except InvalidInputError as error:
        return _erase_page(call, 400, error.fields or {"request_id": error.message}, values)
    return web.redirect(f"{_base(call)}/privacy?done=erased")


# --- Privacy requests -----------------------------------------------------------------------------------
def _privacy_page(call: Call, status: int = 200, *, errors: dict[str, str] | None = None,
                  values: dict[str, str] | None = None, found: list[Any] | None = None,
                  message: str = "") -> Response:
    from chalicelib.services import privacy_requests

    branch = web.branch_of(call)
    assert branch is not None
    rows = privacy_requests.list_requests(repos.get(), branch.id)[:MAX_REQUESTS]
    asked = web.query(call).get("candidate") or ""
    people = People(branch.id)
    if values is None:
        values = {"kind": "", "person": asked if _ID.fullmatch(asked) else "", "note": "", "candidate_id": ""}
        if values["person"] and people(values["person"]) is not None:
            values["candidate_id"] = values["person"]
            found = [people(values["person"])]
    return _render(call, "console/privacy.html", status, nav="privacy", rows=rows, people=people,
                   today=today_local(branch.time_zone), overdue=_overdue, admin=_is_admin(call),
                   errors=errors or {}, values=values, found=found or [], message=message, max_note=MAX_NOTE)


@route(PRIVACY, "GET", summary="Privacy requests: open ones first with their due date (HTML)", roles=STAFF,
       console=True, tags=TAGS)
def privacy_page(call: Call) -> Response:
    return _privacy_page(call)


def _find(branch_id: str, typed: str) -> list[Any]:
    """The people a typed id, name, email or phone points at (an existing id: that person only)."""
    from chalicelib.services import people

    if _ID.fullmatch(typed) and len(typed) >= 8:
        person = People(branch_id)(typed)
        if person is not None:
            return [person]
    return people.search(repos.get(), branch_id, typed, 10)


@route(PRIVACY + "/requests", "POST", summary="Record a privacy request about a person (HTML)", roles=ADMIN,
       console=True, tags=TAGS)
def record_request(call: Call) -> Response:
    from chalicelib.services import privacy_requests

    branch_id = call.params["branch"]
    values = {k: web.form_value(call, k) for k in ("kind", "person", "note", "candidate_id")}
    errors: dict[str, str] = {}
    if values["kind"] not in labels.KINDS:
        errors["kind"] = N_("Choose what the person asks.")
    if len(values["note"]) > MAX_NOTE:
        errors["note"] = N_("Write at most %(count)s characters.", count=MAX_NOTE)
    found: list[Any] = []
    chosen = values["candidate_id"]
    if chosen and (not _ID.fullmatch(chosen) or People(branch_id)(chosen) is None):
        chosen = values["candidate_id"] = ""
    if not chosen or web.form_value(call, "action") == "find":
        typed = values["person"][:100]
        found = _find(branch_id, typed) if typed else []
        if not typed:
            errors["person"] = N_("Type the person's name, email, phone or id.")
        elif not found:
            errors["person"] = N_("No one of this branch matches; try another spelling, the email or the id.")
        elif len(found) == 1 and web.form_value(call, "action") != "find":
            chosen = values["candidate_id"] = found[0].id
        else:
            errors.setdefault("person", "Choose the person below.")
    if errors or not chosen:
        return _privacy_page(call, 400, errors=errors, values=values, found=found)
    try:
        privacy_requests.open_request(repos.get(), branch_id, kind=values["kind"], candidate_id=chosen,
                                      source="staff", actor=_actor(call), note=values["note"])
    except InvalidInputError as error:
        return _privacy_page(call, 400, errors=error.fields or {"kind": error.message}, values=values, found=found)
    return web.redirect(f"{_base(call)}/privacy?done=request_recorded")


@route(PRIVACY + "/requests/{request_id}", "POST", summary="Mark a privacy request done or refused (HTML)",
       roles=ADMIN, console=True, tags=TAGS)
def complete_request(call: Call) -> Response:
    from chalicelib.services import privacy_requests

    branch_id, request_id = call.params["branch"], call.params["request_id"]
    privacy_requests.get_request(repos.get(), branch_id, request_id)  # 404 for an id that is not this branch's
    status, note = web.form_value(call, "status"), web.form_value(call, "note")
    values = {f"status-{request_id}": status, f"note-{request_id}": note}
    errors: dict[str, str] = {}
    if status not in ("done", "refused"):
        errors[f"status-{request_id}"] = "Choose done or refused."
    if len(note) > MAX_NOTE:
        errors[f"note-{request_id}"] = N_("Write at most %(count)s characters.", count=MAX_NOTE)
    if status == "refused" and not note:
        errors[f"note-{request_id}"] = N_("Say why the request is refused.")
    if errors:
        return _privacy_page(call, 400, errors=errors, values=_blank(values))
    try:
        privacy_requests.complete(repos.get(), branch_id, request_id, actor=_actor(call), status=status, note=note)
    except ConflictError as error:
        return _privacy_page(call, 409, values=_blank(values), message=error.message)
    except InvalidInputError as error:
        fields = {f"{k}-{request_id}": v for k, v in (error.fields or {"note": error.message}).items()}
        return _privacy_page(call, 400, errors=fields, values=_blank(values))
    return web.redirect(f"{_base(call)}/privacy?done=request_{status}")


def _blank(values: dict[str, str]) -> dict[str, str]:
    """The new-request form empty, plus the values of a row's form."""
    return {"kind": "", "person": "", "note": "", "candidate_id": "", **values}


# --- The access audit -----------------------------------------------------------------------------------
def _shift(month: str, step: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@route(PRIVACY + "/audit", "GET", summary="The access audit: who read or changed whose data, when and why "
       "(HTML)", roles=ADMIN, console=True, tags=TAGS)
def audit_page(call: Call) -> Response:
    """A month's entries (the audit is kept by UTC month), or one person's (all months, or one), newest first."""
    from chalicelib.services import audit

    branch = web.branch_of(call)
    assert branch is not None
    query = web.query(call)
    candidate = (query.get("candidate") or "").strip()
    month = (query.get("month") or "").strip() or ("" if candidate else clock.now_iso()[:7])
    errors: dict[str, str] = {}
    if month and not _MONTH.fullmatch(month):
        errors["month"] = "Give a month such as 2026-11."
    if candidate and not _ID.fullmatch(candidate):
        errors["candidate"] = N_("Give a person's id, as in the address of their page.")
    base = f"{_base(call)}/privacy/audit"

    def url(**params: str) -> str:
        kept = {k: v for k, v in {"month": month, "candidate": candidate, **params}.items() if v}
        return f"{base}?{urlencode(kept)}"

    context: dict[str, Any] = {"nav": "privacy", "month": month, "candidate": candidate, "errors": errors,
                               "people": People(branch.id), "actors": labels.ACTORS, "audit_url": url}
    if errors:
        return _render(call, "console/privacy_audit.html", 400, entries=[], next_url="", previous_url="",
                       later_url="", **context)
    entries, next_cursor = audit.audit_entries(repos.get(), branch.id, candidate_id=candidate or None,
                                               month=month or None, limit=AUDIT_PAGE,
                                               cursor=query.get("cursor") or None)
    return _render(call, "console/privacy_audit.html", entries=entries,
                   next_url=url(cursor=next_cursor) if next_cursor else "",
                   previous_url=url(month=_shift(month, -1)) if month else "",
                   later_url=url(month=_shift(month, 1)) if month else "", **context)


# --- Settings: the privacy notice and retention ---------------------------------------------------------
SETTINGS = BASE + "/settings/privacy"


def outdated_consents(branch_id: str) -> int:
    """How many people consented to an older privacy notice (the task list's banner)."""
    from chalicelib.services import consent

    return consent.outdated(repos.get(), branch_id)


def _settings_page(call: Call, status: int = 200, **context: Any) -> Response:
    from chalicelib.api import console_settings

    asked = web.query(call).get("asked") or ""
    context.setdefault("outdated", outdated_consents(call.params["branch"]))
    return console_settings._render(call, "privacy", status, PV=labels,
                                    asked=int(asked) if asked.isdigit() else None, **context)


@route(SETTINGS, "GET", summary="Branch settings: the privacy notice and how long data is kept (HTML)",
       roles=ADMIN, console=True, tags=TAGS)
def settings_privacy(call: Call) -> Response:
    return _settings_page(call)


@route(SETTINGS, "POST", summary="Change the privacy notice version (and ask people to consent again) or the "
       "retention (HTML)", roles=ADMIN, console=True, tags=TAGS)
def save_privacy(call: Call) -> Response:
    from pydantic import ValidationError

    from chalicelib.api.console_settings import _errors
    from chalicelib.api.routing import _validation_error
    from chalicelib.api.schemas import BranchUpdate
    from chalicelib.services import branches, consent

    branch = web.branch_of(call)
    assert branch is not None
    url = SETTINGS.replace("{branch}", branch.id)
    if web.form_value(call, "action") == "ask":
        asked = consent.ask_new_consent(repos.get(), branch.id, actor=_actor(call))
        return web.redirect(f"{url}?{urlencode({'done': 'settings_saved', 'asked': asked})}")
    version_text = web.form_value(call, "version")
    if not version_text.isdigit():
        raise InvalidInputError(N_("The form is incomplete: reload the page."), {"version": N_("Missing.")})
    values = {k: web.form_value(call, k) for k in ("notice_version", "candidate_months", "after_outcome_months")}
    values["ask"] = "1" if web.form_value(call, "ask") else ""
    values["reconsent_required"] = "1" if web.form_value(call, "reconsent_required") else ""
    config = branch.effective_config()
    patch: dict[str, Any] = {
        "signup": {"privacy_notice_version": values["notice_version"],
                   "reconsent_required": bool(values["reconsent_required"])},
        "retention": {k: _number(values[k]) for k in ("candidate_months", "after_outcome_months")},
    }
    bumped = values["notice_version"] != config["signup"]["privacy_notice_version"]
    context = {"values": values, "version": int(version_text)}
    try:
        update = BranchUpdate.model_validate({"config": patch})
        branches.update_branch(repos.get(), branch.id, {"config": update.config.model_dump(exclude_unset=True)},
                               role=call.principal.role, expected_version=int(version_text))
    except ValidationError as error:
        return _settings_page(call, 400, errors=_errors(_validation_error(error).fields), **context)
    except InvalidInputError as error:
        return _settings_page(call, 400, errors=_errors(error.fields), **context)
    except ConflictError as error:
        return _settings_page(call, 409, message=error.message, **context)
    query: dict[str, Any] = {"done": "settings_saved"}
    if bumped and values["ask"]:
        query["asked"] = consent.ask_new_consent(repos.get(), branch.id, actor=_actor(call))
    return web.redirect(f"{url}?{urlencode(query)}")


def _number(value: str) -> Any:
    value = value.strip()
    return int(value) if re.fullmatch(r"\d{1,9}", value) else (value or None)


# --- The head office: that audits exist, per branch (counts only) ---------------------------------------
def audit_counts(branch_ids: list[str]) -> dict[str, Any]:
    """For the head office's list of branches: each branch's access-audit entries this month and last month
    (UTC months, as the audit is kept), from the aggregates; never an entry, never a person."""
    from chalicelib.services import audit

    this_month = clock.now_iso()[:7]
    last_month = _shift(this_month, -1)
    counts: dict[str, dict[str, int]] = {b: {"this": 0, "last": 0} for b in branch_ids}
    for row in audit.audit_summary(repos.get()):
        branch, month = row["branch"], row["month"]
        if branch in counts and month in (this_month, last_month):
            counts[branch]["this" if month == this_month else "last"] += int(row["entries"])
    return {"audits": counts, "audit_months": {"this": this_month, "last": last_month}}
