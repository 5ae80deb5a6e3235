"""People in the console (HTML): info sessions and attendance, the person page and its forms, search,
and the caseload hand-over. Thin: forms are read here, the rules live in ``services.people``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.api import console_pages as web
from chalicelib.api.people_schemas import IntakeIn, SearchQuery
from chalicelib.api.routing import Call, _validation_error, route
from chalicelib.api.schemas import PageQuery
from chalicelib.domain.candidates import (
    DAY_PARTS,
    DAYS,
    DIGITAL_LEVELS,
    INTERESTS,
    LANGUAGE_LEVELS,
    MAX_INTERESTS,
    SECTORS,
    SPOKEN_LANGUAGES,
)
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.intake import NOT_SUITABLE_REASONS
from chalicelib.domain.roles import STAFF_ROLES, Role
from chalicelib.domain.texts import N_
from chalicelib.services import clock, people, repos
from chalicelib.web import console_labels_people

STAFF = frozenset(STAFF_ROLES)
ADMIN = frozenset({Role.BRANCH_ADMIN})
TAGS = ("console",)
BASE = "/branches/{branch}/console"
PERSON = BASE + "/people/{candidate_id}"
MAX_LANGUAGE_ROWS = 4


def _render(call: Call, template: str, status: int = 200, **context: Any) -> Response:
    return web.render_page(call, template, status, PL=console_labels_people, **context)


def _version(call: Call) -> int:
    raw = web.form_value(call, "version")
    if not raw.isdigit():
        raise InvalidInputError(N_("This form is incomplete; reload the page."), {"version": N_("Reload the page.")})
    return int(raw)


def _to_person(call: Call, done: str = "saved") -> Response:
    return web.redirect(f"/branches/{call.params['branch']}/console/people/{call.params['candidate_id']}?done={done}")


# --- Info sessions and attendance ---


@route(BASE + "/sessions", "GET", summary="Info sessions, from a month ago on (HTML)", roles=STAFF,
       query=PageQuery, console=True, tags=TAGS)
def sessions_page(call: Call) -> Response:
    rows, cursor = people.recent_sessions(repos.get(), call.params["branch"], limit=call.query.limit,
                                          cursor=call.query.cursor)
    next_url = f"?{urlencode({'cursor': cursor})}" if cursor else ""
    return _render(call, "console/sessions.html", nav="sessions", sessions=rows, next_url=next_url)


@route(BASE + "/sessions/{session_id}", "GET", summary="An info session's registrations and attendance (HTML)",
       roles=STAFF, console=True, tags=TAGS)
def session_page(call: Call) -> Response:
    session, registrations = people.session_with_registrations(repos.get(), call.params["branch"],
                                                               call.params["session_id"])
    refused = [c for c in (web.query(call).get("refused") or "").split(",") if c]
    return _render(call, "console/session.html", nav="sessions", session=session, registrations=registrations,
                   refused=refused)


@route(BASE + "/sessions/{session_id}/attendance", "POST",
       summary="Mark who came to an info session: one submit for every row (HTML)", roles=STAFF, console=True,
       tags=TAGS)
def session_attendance(call: Call) -> Response:
    form = call.extra.get("form") or {}
    marks: dict[str, bool] = {}
    for name, values in form.items():
        if name.startswith("mark_") and values and values[0] in ("attended", "no_show"):
            marks[name[5:]] = values[0] == "attended"
    result = people.mark_session(repos.get(), call.principal, call.params["branch"], call.params["session_id"],
                                 marks)
    url = f"/branches/{call.params['branch']}/console/sessions/{call.params['session_id']}?done=saved"
    if result.refused:
        url += "&" + urlencode({"refused": ",".join(sorted(result.refused))})
    return web.redirect(url)


# --- The person page ---


def _person_page(call: Call, status: int = 200, errors: dict[str, str] | None = None,
                 values: dict[str, Any] | None = None, *, record: bool = False, **extra: Any) -> Response:
    """The person page; ``record``: this view is a read of the person for the access audit (a GET), ``extra``:
    the "Personal data" card's form values after a failed submit (``privacy_console``)."""
    from chalicelib.api import privacy_console

    r = repos.get()
    branch = web.branch_of(call)
    person = people.get_person(r, call.params["branch"], call.params["candidate_id"])
    trail, next_cursor = r.events.for_subject(branch.id, "candidate", person.candidate.id, limit=50)
    config = branch.effective_config()
    intake = person.intake
    return _render(
        call, "console/person.html", status, nav="", person=person, c=person.candidate, intake=intake,
        scheduled_local=web.local_time(intake.scheduled_at, branch.time_zone), trail=trail,
        more_events=bool(next_cursor),
        modules=config["training"]["modules"], help_needs=config["intake"]["help_needs"], days=DAYS,
        day_parts=DAY_PARTS, sectors=SECTORS, spoken=SPOKEN_LANGUAGES, levels=LANGUAGE_LEVELS,
        reasons=NOT_SUITABLE_REASONS, errors=errors or {}, values=values, today=clock.today().isoformat(),
        language_rows=MAX_LANGUAGE_ROWS, interests=INTERESTS, max_interests=MAX_INTERESTS,
        digital_levels=DIGITAL_LEVELS,
        known_languages=[{"code": x.code, "level": x.level} for x in person.candidate.languages],
        local=lambda iso: web.local_time(iso, branch.time_zone),
        **{"correction": None, "privacy_message": "", **extra},
        **privacy_console.person_context(call, person.candidate, record=record),
    )


@route(PERSON, "GET", summary="A person: details, stage, intake, training, duos and timeline (HTML)",
       roles=STAFF, console=True, tags=TAGS)
def person_page(call: Call) -> Response:
    return _person_page(call, record=True)


@route(PERSON + "/intake-schedule", "POST", summary="Plan a person's intake (HTML)", roles=STAFF, console=True,
       tags=TAGS)
def person_schedule(call: Call) -> Response:
    day, clock_time = web.form_value(call, "at_date"), web.form_value(call, "at_time") or "09:00"
    try:
        at = datetime.fromisoformat(f"{day}T{clock_time}")
    except ValueError:
        return _person_page(call, 400, {"at_date": N_("Give the date and time of the intake.")})
    try:
        people.schedule_intake(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                               at=at, version=_version(call))
    except InvalidInputError as error:
        return _person_page(call, 400, error.fields)
    return _to_person(call)


def _intake_body(call: Call) -> dict[str, Any]:
    languages = []
    for i in range(MAX_LANGUAGE_ROWS):
        code, level = web.form_value(call, f"language_{i}"), web.form_value(call, f"level_{i}")
        if code:
            languages.append({"code": code, "level": level})
    body: dict[str, Any] = {
        name: web.form_value(call, name) for name in ("experience", "expectations", "notes", "decision",
                                                      "digital_skills")
    }
    body.update(help_needs=web.form_list(call, "help_needs"), availability=web.form_list(call, "availability"),
                sectors=web.form_list(call, "sectors"), languages=languages,
                help_offers=web.form_list(call, "help_offers"), interests=web.form_list(call, "interests"),
                reason=web.form_value(call, "reason") or None, version=web.form_value(call, "version"))
    return body


@route(PERSON + "/intake", "POST", summary="Record a person's intake and its decision (HTML)", roles=STAFF,
       console=True, tags=TAGS)
def person_intake(call: Call) -> Response:
    from pydantic import ValidationError

    body = _intake_body(call)
    try:
        try:
            data = IntakeIn.model_validate(body)
        except ValidationError as error:
            raise _validation_error(error) from None
        from chalicelib.api.people import intake_data

        people.record_intake(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                             intake_data(data), version=data.version)
    except InvalidInputError as error:
        return _person_page(call, 400, error.fields, body)
    return _to_person(call)


@route(PERSON + "/training", "POST", summary="Record or undo a mentor's training module (HTML)", roles=STAFF,
       console=True, tags=TAGS)
def person_training(call: Call) -> Response:
    raw = web.form_value(call, "completed_on")
    try:
        completed_on = date.fromisoformat(raw) if raw and web.form_value(call, "action") != "undo" else None
    except ValueError:
        return _person_page(call, 400, {"completed_on": N_("Give a date such as 2026-11-24.")})
    if completed_on is None and web.form_value(call, "action") != "undo":
        return _person_page(call, 400, {"completed_on": N_("Give the date the module was completed.")})
    try:
        people.record_training(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                               module=web.form_value(call, "module"), completed_on=completed_on,
                               version=_version(call))
    except InvalidInputError as error:
        return _person_page(call, 400, error.fields)
    return _to_person(call)


@route(PERSON + "/withdraw", "POST", summary="A person leaves the programme (HTML)", roles=STAFF, console=True,
       tags=TAGS)
def person_withdraw(call: Call) -> Response:
    people.withdraw(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                    version=_version(call))
    return _to_person(call)


@route(PERSON + "/coordinator", "POST", summary="Make a staff member responsible for a person (HTML)",
       roles=STAFF, console=True, tags=TAGS)
def person_coordinator(call: Call) -> Response:
    try:
        people.set_coordinator(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                               coordinator_id=web.form_value(call, "coordinator_id"), version=_version(call))
    except InvalidInputError as error:
        return _person_page(call, 400, error.fields)
    return _to_person(call)


# --- Search and caseloads ---


@route(BASE + "/search", "GET", summary="Find people by name, email or phone (HTML)", roles=STAFF,
       query=SearchQuery, console=True, tags=TAGS)
def search_page(call: Call) -> Response:
    q = call.query.q
    rows = people.search(repos.get(), call.params["branch"], q, call.query.limit) if q else []
    return _render(call, "console/search.html", search_q=q, results=rows)


def _caseload_page(call: Call, status: int = 200, errors: dict[str, str] | None = None) -> Response:
    r = repos.get()
    members = [m for m in r.staff.list(call.params["branch"]) if m.role in STAFF_ROLES]
    chosen = web.query(call).get("staff") or ""
    rows: list = []
    if chosen:
        rows, _ = people.caseload(r, call.params["branch"], chosen, limit=100)
    moved = {k: web.query(call).get(k, "") for k in ("candidates", "duos")}
    return _render(call, "console/caseload.html", status, members=members, chosen=chosen, rows=rows,
                   errors=errors or {}, moved=moved)


@route(BASE + "/caseload", "GET", summary="Coordinators' caseloads and their hand-over (HTML)", roles=ADMIN,
       console=True, tags=TAGS)
def caseload_page(call: Call) -> Response:
    return _caseload_page(call)


@route(BASE + "/caseload", "POST", summary="Hand a coordinator's caseload over to another (HTML)", roles=ADMIN,
       console=True, tags=TAGS)
def caseload_submit(call: Call) -> Response:
    try:
        moved = people.hand_over(repos.get(), call.principal, call.params["branch"],
                                 from_id=web.form_value(call, "from"), to_id=web.form_value(call, "to"))
    except InvalidInputError as error:
        return _caseload_page(call, 400, error.fields)
    query = urlencode({"done": "saved", "staff": web.form_value(call, "to"), **moved})
    return web.redirect(f"/branches/{call.params['branch']}/console/caseload?{query}")


