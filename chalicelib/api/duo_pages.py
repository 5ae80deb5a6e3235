"""Duos in the console (HTML): the pairing page and the duo page with the forms of each step.

Every form is validated by the JSON API's body models (``duo_schemas``) and done by the same services
(``services.duos``); a form that fails comes back with its values and a message at each field (400), a
form read from an older version of the duo answers 409 with the duo as it is now. Thin: the rules live
in ``domain.duos``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalice import Response
from pydantic import BaseModel

from chalicelib.api import console_pages as web
from chalicelib.api import duo_schemas as s
from chalicelib.api.routing import Call, route
from chalicelib.domain import duos as rules
from chalicelib.domain.candidates import Candidate
from chalicelib.domain.duos import Duo, DuoStatus
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.domain.events import CANDIDATE_ACTOR
from chalicelib.domain.roles import STAFF_ROLES
from chalicelib.domain.texts import N_
from chalicelib.services import clock, repos
from chalicelib.services import duos as service
from chalicelib.web import console_labels_duos, console_labels_people

STAFF = frozenset(STAFF_ROLES)
TAGS = ("console",)
BASE = "/branches/{branch}/console"
DUO = BASE + "/duos/{duo_id}"
POOL_PAGE = 50
EVENTS_SHOWN = 100
STATUS_KIND = {"first_meeting": "waiting", "agreed": "waiting", "active": "active", "closed": "done",
               "declined": "stopped"}
STALE = N_("Someone changed this duo meanwhile; reload it and try again.")


# --- Helpers --------------------------------------------------------------------------------------------
def _actor(call: Call) -> str:
    return call.principal.staff_id or call.principal.subject


def _local_input(iso_utc: str | None, time_zone: str) -> str:
    """The value of a datetime-local input (``2026-11-24T18:30``)."""
    return web.local_time(iso_utc, time_zone).replace(" ", "T")


def _duo_url(branch_id: str, duo_id: str, done: str = "") -> str:
    return f"/branches/{branch_id}/console/duos/{duo_id}" + (f"?done={done}" if done else "")


def _blank_to_none(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: (None if k in names and v == "" else v) for k, v in data.items()}


def _event_text(event: Any) -> dict[str, Any]:
    """What the timeline shows of an event: its kind in words and the codes it carries."""
    return {"kind": event.kind, "at": event.at, "actor": event.actor, "data": event.data}


# --- The pairing page -----------------------------------------------------------------------------------
RANKED_SHOWN = 50  # the best partners listed at first; "show all" lists up to RANKED_ALL
RANKED_ALL = 500


def _ranked(branch_id: str, person: Candidate, include_blocked: bool, limit: int) -> dict[str, Any]:
    """The other side's ready people for ``person``, best first (services.matching): the rows that may be
    paired, each with its suggested first meeting, and (when asked) the excluded ones with their blocks."""
    from chalicelib.services import matching

    result = matching.ranking(repos.get(), branch_id, person.id, include_blocked=include_blocked,
                              limit=RANKED_ALL if include_blocked else limit)
    rows = [{"c": c, "a": a, "at": web.input_at(result.suggested.get(c.id))} for c, a in result.rows if a.allowed]
    blocked = [{"c": c, "a": a} for c, a in result.rows if not a.allowed]
    return {"ranked": rows[:limit], "blocked": blocked, "allowed_count": result.allowed,
            "blocked_count": result.blocked}


def _pair_page(call: Call, status: int = 200, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, candidate_id: str = "", message: str = "") -> Response:
    from chalicelib.web import console_labels_matching, matching_words

    branch = web.branch_of(call)
    assert branch is not None
    q = web.query(call)
    candidate_id = candidate_id or (q.get("candidate") or "").strip()
    cursor = q.get("cursor") or None
    context: dict[str, Any] = {"errors": errors or {}, "values": values or {}, "message": message,
                               "DL": console_labels_duos, "PL": console_labels_people, "person": None,
                               "ranked": [], "blocked": [], "next_url": "", "refusal": "", "ready": [], "done": "",
                               "ML": console_labels_matching, "reason_text": matching_words.reason_text,
                               "criterion_name": matching_words.criterion_name}
    if not candidate_id:  # who is waiting to be paired: choose one
        rows, next_cursor = repos.get().candidates.by_status(branch.id, "ready", limit=POOL_PAGE, cursor=cursor)
        context.update(ready=rows, next_url=f"?{urlencode({'cursor': next_cursor})}" if next_cursor else "")
        return web.render_page(call, "console/pair.html", status, nav="", **context)
    try:
        person = repos.get().candidates.get(branch.id, candidate_id)
    except NotFoundError:
        raise NotFoundError("There is no such candidate.", code="candidate_not_found") from None
    context["person"] = person
    if person.status.value != "ready":
        status = 409
        name = console_labels_people.STATUS.get(person.status.value, person.status.value)
        context["refusal"] = name
        return web.render_page(call, "console/pair.html", status, nav="", **context)
    include_blocked = q.get("include_blocked") in ("1", "true", "on")
    limit = RANKED_ALL if q.get("all") == "1" else RANKED_SHOWN
    context.update(_ranked(branch.id, person, include_blocked, limit), include_blocked=include_blocked,
                   show_all=limit == RANKED_ALL)
    return web.render_page(call, "console/pair.html", status, nav="", **context)


@route(BASE + "/pair", "GET", summary="Pair a ready person with someone of the other side's ready pool (HTML)",
       roles=STAFF, console=True, tags=TAGS)
def pair_page(call: Call) -> Response:
    return _pair_page(call)


@route(BASE + "/duos", "POST", summary="Pair a ready mentee with a ready mentor (HTML form; mails both)",
       roles=STAFF, console=True, tags=TAGS)
def pair_submit(call: Call) -> Response:
    branch_id = call.params["branch"]
    values = {k: web.form_value(call, k) for k in ("candidate", "mentee_id", "mentor_id", "first_meeting_at")}
    candidate = values["candidate"] or values["mentee_id"] or values["mentor_id"]
    data = {k: values[k] for k in ("mentee_id", "mentor_id", "first_meeting_at") if values[k]}
    try:
        body = web.validate(s.PairIn, data)
        duo = service.pair(repos.get(), branch_id, body.mentee_id, body.mentor_id, body.first_meeting_at,
                           _actor(call))
    except InvalidInputError as error:
        fields = dict(error.fields) or {"first_meeting_at": error.message}
        if "mentee_id" in fields or "mentor_id" in fields:
            fields.setdefault("partner", fields.pop("mentee_id", None) or fields.pop("mentor_id", ""))
            fields.pop("mentee_id", None)
            fields.pop("mentor_id", None)
        return _pair_page(call, 400, fields, values, candidate)
    except ConflictError as error:
        return _pair_page(call, 409, values=values, candidate_id=candidate, message=error.message)
    return web.redirect(_duo_url(branch_id, duo.id, "paired"))


# --- The duo page ---------------------------------------------------------------------------------------
def _duo_page(call: Call, status: int = 200, *, duo: Duo | None = None, scope: str = "",
              errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
              message: str = "") -> Response:
    branch = web.branch_of(call)
    assert branch is not None
    r = repos.get()
    duo = duo or service.get_duo(r, branch.id, call.params["duo_id"])
    meetings, more_meetings = r.duos.meetings(branch.id, duo.id, limit=50, cursor=None)
    trail, more_events = r.events.for_subject(branch.id, "duo", duo.id, limit=EVENTS_SHOWN)
    config = branch.effective_config()
    now = clock.now()
    today = clock.today()
    tz = branch.time_zone
    flash = web.query(call).get("done") or ""
    due = rules.outcome_due_on(duo)
    flags = {
        "answer_overdue": rules.answer_overdue(duo, now),
        "no_recent_meeting": rules.no_recent_meeting(duo, now),
        "missing_intervisions": rules.missing_intervisions(duo, today),
        "evaluation_due": rules.evaluation_due(duo),
        "outcome_due": rules.outcome_due(duo, now),
        "laptops_due": bool(rules.laptops_due(duo, now)),
    }
    st = duo.status
    steps = {
        "answers": st is DuoStatus.FIRST_MEETING and now >= rules._parse(duo.first_meeting_at),
        "first_meeting": st is DuoStatus.FIRST_MEETING and not duo.answers,
        "agreement": st is DuoStatus.AGREED,
        "follow_up": st is DuoStatus.ACTIVE,
        "goal_change": st in (DuoStatus.ACTIVE, DuoStatus.CLOSED),
        "services": st in (DuoStatus.ACTIVE, DuoStatus.CLOSED),
        "close": st is DuoStatus.ACTIVE,
        "evaluations": rules.evaluations_missing(duo),
        "outcome": st is DuoStatus.CLOSED and not duo.outcome,
    }
    context = {
        "duo": duo, "status_kind": STATUS_KIND.get(st.value, "neutral"), "phase": rules.phase(duo).value,
        "answer_due": web.local_time(clock.iso(rules.answer_due_at(duo)), tz),
        "first_meeting": web.local_time(duo.first_meeting_at, tz),
        "first_meeting_input": _local_input(duo.first_meeting_at, tz), "outcome_due_on": due.isoformat() if due else "",
        "pending_sides": rules.pending_sides(duo), "flags": flags, "raised": [k for k, v in flags.items() if v],
        "steps": steps,
        "meetings": meetings, "more_meetings": bool(more_meetings), "trail": [_event_text(e) for e in trail],
        "more_events": bool(more_events), "services_offered": config.get("services") or [],
        "end_reasons": (config.get("closing") or {}).get("end_reasons") or [],
        "evaluation_items": rules.EVALUATION_ITEMS, "outcomes": rules.OUTCOMES,
        "meeting_modes": rules.MEETING_MODES, "goal_statuses": rules.GOAL_STATUSES,
        "checkin_channels": rules.CHECKIN_CHANNELS, "end_kinds": rules.END_KINDS, "sides": rules.SIDES,
        "today": today.isoformat(), "local": lambda iso: web.local_time(iso, tz), "scope": scope,
        "errors": errors or {}, "values": values or {}, "message": message, "flash": flash,
        "DL": console_labels_duos, "CANDIDATE_ACTOR": CANDIDATE_ACTOR,
        "duo_url": _duo_url(branch.id, duo.id), "done": "",
    }
    return web.render_page(call, "console/duo.html", status, nav="", **context)


@route(DUO, "GET", summary="A duo: both people, status, dates, the forms of its current step, its records "
       "and timeline (HTML)", roles=STAFF, console=True, tags=TAGS)
def duo_page(call: Call) -> Response:
    return _duo_page(call)


# One form per step: (path under the duo, what the form sends -> the JSON body, the service call, flash code).
Reader = Callable[[Call], dict[str, Any]]
Doer = Callable[[Call, Any], Duo]


def _form(call: Call, *names: str) -> dict[str, Any]:
    return {n: web.form_value(call, n) for n in names}


def _checked(call: Call, name: str) -> bool:
    return web.form_value(call, name) in ("1", "on", "true", "yes")


def _ids(call: Call) -> tuple[str, str]:
    return call.params["branch"], call.params["duo_id"]


def _evaluation_body(call: Call) -> dict[str, Any]:
    side = web.form_value(call, "side")
    items = rules.EVALUATION_ITEMS.get(side, ())
    answers = {k: web.form_value(call, k) == "yes" for k in items if web.form_value(call, k) in ("yes", "no")}
    return {"side": side, "answers": answers, "version": web.form_value(call, "version")}


def _evaluation_values(call: Call) -> dict[str, Any]:
    side = web.form_value(call, "side")
    return {"side": side, **{k: web.form_value(call, k) for k in rules.EVALUATION_ITEMS.get(side, ())}}


STEPS: dict[str, tuple[str, type[BaseModel], Reader, Doer, str, str]] = {
    # name: (path, model, reader, doer, flash code, button summary)
    "first_meeting": (
        "/first-meeting", s.FirstMeetingIn, lambda c: _form(c, "first_meeting_at", "version"),
        lambda c, b: service.reschedule(repos.get(), *_ids(c), b.first_meeting_at, b.version, _actor(c)),
        "first_meeting_moved", "Move the first meeting (HTML form; fresh answer links by mail)"),
    "answers": (
        "/answers", s.AnswerIn, lambda c: _form(c, "side", "answer", "version"),
        lambda c, b: service.answer(repos.get(), *_ids(c), b.side, b.answer, b.version, _actor(c)),
        "answer_recorded", "Record a 24-hour answer (HTML form)"),
    "agreement": (
        "/agreement", s.AgreementIn,
        lambda c: {**_form(c, "signed_on", "version"), **{k: _checked(c, k) for k in ("mentee", "mentor", "branch")}},
        lambda c, b: service.record_agreement(repos.get(), *_ids(c), b.signed_on, b.mentee, b.mentor, b.branch,
                                              b.version, _actor(c)),
        "agreement_recorded", "Record the signed agreement (HTML form)"),
    "meetings": (
        "/meetings", s.MeetingIn, lambda c: _form(c, "on", "minutes", "mode", "version"),
        lambda c, b: service.log_meeting(repos.get(), *_ids(c), b.on, b.minutes, b.mode, b.version, _actor(c)),
        "meeting_logged", "Log a meeting (HTML form)"),
    "goals": (
        "/goals", s.GoalIn, lambda c: _blank_to_none(_form(c, "title", "target_date", "version"), "target_date"),
        lambda c, b: service.add_goal(repos.get(), *_ids(c), b.title, b.target_date, b.version, _actor(c)),
        "goal_added", "Add a goal to the action plan (HTML form)"),
    "goal": (
        "/goals/{goal_id}", s.GoalPatch,
        lambda c: _blank_to_none(_form(c, "status", "target_date", "version"), "status", "target_date"),
        lambda c, b: service.update_goal(repos.get(), *_ids(c), c.params["goal_id"], b.status, b.target_date,
                                         b.target_date is None, b.version, _actor(c)),
        "goal_changed", "Change a goal's status or target date (HTML form)"),
    "checkins": (
        "/checkins", s.CheckinIn, lambda c: _form(c, "on", "channel", "version"),
        lambda c, b: service.add_checkin(repos.get(), *_ids(c), b.on, b.channel, b.version, _actor(c)),
        "checkin_recorded", "Record a coordinator's check-in (HTML form)"),
    "intervisions": (
        "/intervisions", s.IntervisionIn, lambda c: _form(c, "on", "version"),
        lambda c, b: service.add_intervision(repos.get(), *_ids(c), b.on, b.version, _actor(c)),
        "intervision_recorded", "Record the mentor's intervision (HTML form)"),
    "services": (
        "/services", s.ServiceIn, lambda c: _blank_to_none(_form(c, "code", "on", "return_due", "version"),
                                                           "return_due"),
        lambda c, b: service.add_service(repos.get(), *_ids(c), b.code, b.on, b.return_due, b.version, _actor(c)),
        "service_recorded", "Record a workshop or service (HTML form)"),
    "returned": (
        "/services/{service_id}/returned", s.ReturnedIn, lambda c: _form(c, "on", "version"),
        lambda c, b: service.service_returned(repos.get(), *_ids(c), c.params["service_id"], b.on, b.version,
                                              _actor(c)),
        "service_returned", "Record that a loan came back (HTML form)"),
    "close": (
        "/close", s.CloseIn, lambda c: _blank_to_none(_form(c, "ended_on", "kind", "reason", "version"), "reason"),
        lambda c, b: service.close(repos.get(), *_ids(c), b.ended_on, b.kind, b.reason, b.version, _actor(c)),
        "duo_closed", "Close the duo (HTML form; mails both their evaluation link)"),
    "evaluations": (
        "/evaluations", s.EvaluationIn, _evaluation_body,
        lambda c, b: service.submit_evaluation(repos.get(), *_ids(c), b.side, dict(b.answers), b.version, _actor(c)),
        "evaluation_recorded", "Record an evaluation (HTML form)"),
    "outcome": (
        "/outcome", s.OutcomeIn, lambda c: _form(c, "situation", "version"),
        lambda c, b: service.record_outcome(repos.get(), *_ids(c), b.situation, b.version, _actor(c)),
        "outcome_recorded", "Record the mentee's situation at 12 months (HTML form)"),
}


def scope_of(name: str, call: Call) -> str:
    """Which form on the page sent it: errors and kept values go back to that form only."""
    if name in ("answers", "evaluations"):
        return f"{name}-{web.form_value(call, 'side')}"
    if name == "goal":
        return f"goal-{call.params['goal_id']}"
    if name == "returned":
        return f"returned-{call.params['service_id']}"
    return name


def _submit(name: str) -> Callable[[Call], Response]:
    _, model, read, do, done, _summary = STEPS[name]

    def submit(call: Call) -> Response:
        scope = scope_of(name, call)
        data = {k: v for k, v in read(call).items() if v != "" or k == "version"}
        values = _evaluation_values(call) if name == "evaluations" else {k: web.form_value(call, k)
                                                                          for k in call.extra.get("form") or {}}
        if not str(data.get("version", "")).isdigit():
            raise InvalidInputError(N_("This form is incomplete; reload the page."),
                                    {"version": N_("Reload the page.")})
        try:
            body = web.validate(model, data)
            duo = do(call, body)
        except InvalidInputError as error:
            fields = {f"{scope}.{k}": v for k, v in (error.fields or {"form": error.message}).items()}
            return _duo_page(call, 400, scope=scope, errors=fields, values=values)
        except ConflictError as error:
            message = STALE if error.code == "changed_meanwhile" else error.message
            return _duo_page(call, 409, scope=scope, values=values, message=message)
        return web.redirect(_duo_url(call.params["branch"], duo.id, done))

    submit.__name__ = f"duo_{name}_submit"
    return submit


for _name, (_path, _model, _read, _do, _done, _summary) in STEPS.items():
    route(DUO + _path, "POST", summary=_summary, roles=STAFF, console=True, tags=TAGS)(_submit(_name))

