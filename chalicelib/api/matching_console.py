"""Matching in the console (HTML): the matching session page (the ready pool, the latest proposal, and the
form asking for a proposal: mode, people left out, pinned pairs), a proposal's page (its pairs with their
reasons in words, who is left unpaired and why) and accepting its pairs one by one or all at once.

Thin, like the JSON API (``api/matching.py``): the same body models check the forms (``matching_schemas``),
the same services do the work (``services.matching``). A form that fails comes back with its values and a
message at each field (400); a pin that breaks a hard constraint comes back 409 with the reason at its row.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.api import console_pages as web
from chalicelib.api import matching_schemas as s
from chalicelib.api.routing import Call, route
from chalicelib.domain.candidates import Candidate, CandidateRole
from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.roles import STAFF_ROLES
from chalicelib.domain.texts import N_
from chalicelib.services import matching as service
from chalicelib.services import repos

STAFF = frozenset(STAFF_ROLES)
TAGS = ("console",)
BASE = "/branches/{branch}/console/matching"
PROPOSAL = BASE + "/proposals/{proposal_id}"
PIN_ROWS = 3  # empty pin rows offered on the form (one more than the pins already chosen, at least this many)
MAX_PIN_ROWS = s.MAX_PINS
_PIN_FIELD = re.compile(r"pins(?:\[(\d+)\]|\.(\d+))?(?:\.(mentee_id|mentor_id))?$")
_OUTCOME = re.compile(r"^([A-Za-z0-9-]{1,64})~([a-z_]{1,40})$")


# --- Helpers --------------------------------------------------------------------------------------------
def _actor(call: Call) -> str:
    return call.principal.staff_id or call.principal.subject


def _words() -> dict[str, Any]:
    """What the matching templates need to put codes into words (``console/_matching.html``)."""
    from chalicelib.web import console_labels_matching, console_labels_people, matching_words

    return {"ML": console_labels_matching, "PL": console_labels_people, "reason_text": matching_words.reason_text,
            "criterion_name": matching_words.criterion_name}


def _by_name(people: list[Candidate]) -> list[Candidate]:
    return sorted(people, key=lambda c: (c.name.casefold(), c.id))


def _ask_again_url(branch_id: str, mode: str, pins: list[list[str]] | list[tuple[str, str]],
                   excluded: list[str]) -> str:
    """The session page's form, filled in as a proposal was asked (``Ask again``)."""
    params: list[tuple[str, str]] = [("mode", mode)]
    params += [("exclude", x) for x in excluded]
    for mentee_id, mentor_id in pins:
        params += [("pin_mentee", mentee_id), ("pin_mentor", mentor_id)]
    return f"/branches/{branch_id}/console/matching?{urlencode(params)}"


def _all(params: Any, name: str) -> list[str]:
    """Every value of a repeated query parameter (Chalice's MultiDict raises KeyError for a missing one)."""
    return list(params.getlist(name)) if name in params else []


# --- The matching session page ---------------------------------------------------------------------------
def _asked(call: Call) -> dict[str, Any]:
    """The form's values: from a posted form, or from the query of an ``Ask again`` link."""
    if call.extra.get("form"):
        pins = []  # one per row of the form, empty rows too (a row's index names its fields)
        for i in range(MAX_PIN_ROWS):
            if not web.form_list(call, f"pin_mentee_{i}") and not web.form_list(call, f"pin_mentor_{i}"):
                break
            pins.append((web.form_value(call, f"pin_mentee_{i}"), web.form_value(call, f"pin_mentor_{i}")))
        return {"mode": web.form_value(call, "mode"), "exclude": [x.strip() for x in web.form_list(call, "exclude")],
                "pins": pins}
    params = call.extra["request"].query_params
    if not params:
        return {"mode": "score", "exclude": [], "pins": []}
    mentees, mentors = _all(params, "pin_mentee"), _all(params, "pin_mentor")
    return {"mode": params.get("mode") or "score", "exclude": _all(params, "exclude"),
            "pins": list(zip(mentees, mentors, strict=False))[:MAX_PIN_ROWS]}


def _session_page(call: Call, status: int = 200, errors: dict[str, str] | None = None,
                  values: dict[str, Any] | None = None, message: str = "") -> Response:
    branch = web.branch_of(call)
    assert branch is not None
    r = repos.get()
    pool = r.matching.pool(branch.id)
    mentees = _by_name([c for c in pool if c.role is CandidateRole.MENTEE])
    mentors = _by_name([c for c in pool if c.role is CandidateRole.MENTOR])
    values = values if values is not None else _asked(call)
    pins = list(values.get("pins") or [])
    rows = max(PIN_ROWS, len(pins) + 1)
    pins += [("", "")] * (rows - len(pins))
    latest = service.latest(r, branch.id)
    return web.render_page(
        call, "console/matching.html", status, nav="matching", errors=errors or {}, message=message,
        mode=values.get("mode") or "score", excluded=set(values.get("exclude") or []), pins=pins,
        mentees=mentees, mentors=mentors, latest=latest,
        latest_at=web.local_time(latest.created_at, branch.time_zone) if latest else "", **_words())


@route(BASE, "GET", summary="The matching session: the ready pool, the latest proposal, and the form asking "
       "for a proposal (HTML)", roles=STAFF, console=True, tags=TAGS)
def matching_page(call: Call) -> Response:
    return _session_page(call)


def _form_errors(fields: dict[str, str], rows: list[int], names: dict[str, str]) -> dict[str, str]:
    """The services' and models' field names (``pins[0].mentee_id``, ``exclude.2``) as the form's fields."""
    out: dict[str, str] = {}
    for name, text in fields.items():
        for person_id, person_name in names.items():  # "<id> is named twice" -> the person's name
            text = text.replace(person_id, person_name)
        pin = _PIN_FIELD.match(name)
        if pin:
            index = pin.group(1) or pin.group(2)
            row = rows[int(index)] if index is not None and int(index) < len(rows) else None
            side = (pin.group(3) or "").removesuffix("_id")
            key = "pins" if row is None else f"pin_{side}_{row}" if side else f"pin_{row}"
        elif name.startswith("exclude"):
            key = "exclude"
        else:
            key = name
        out.setdefault(key, text)
    return out


@route(BASE + "/proposals", "POST", summary="Ask for a proposal for the whole ready pool (HTML form)",
       roles=STAFF, console=True, tags=TAGS)
def proposal_submit(call: Call) -> Response:
    branch_id = call.params["branch"]
    values = _asked(call)
    errors: dict[str, str] = {}
    rows: list[int] = []  # the form row of each pin sent
    pins: list[dict[str, str]] = []
    for i, (mentee_id, mentor_id) in enumerate(values["pins"]):
        if mentee_id and mentor_id:
            rows.append(i)
            pins.append({"mentee_id": mentee_id, "mentor_id": mentor_id})
        elif mentee_id or mentor_id:
            errors[f"pin_{i}"] = N_("Choose both a mentee and a mentor for this pin, or neither.")
    if errors:
        return _session_page(call, 400, errors, values)
    pool = repos.get().matching.pool(branch_id)
    names = {c.id: c.name for c in pool}
    try:
        body = web.validate(s.ProposalIn,
                            {"mode": values["mode"] or "score", "pins": pins, "exclude": values["exclude"]})
        view = service.propose(repos.get(), _actor(call), branch_id, mode=body.mode,
                               pins=[(p.mentee_id, p.mentor_id) for p in body.pins], excluded=list(body.exclude))
    except InvalidInputError as error:
        fields = _form_errors(dict(error.fields) or {"pins": error.message}, rows, names)
        return _session_page(call, 400, fields, values)
    except ConflictError as error:
        return _session_page(call, 409, _pin_blocks(call, pool, values["pins"]), values, error.message)
    return web.redirect(f"/branches/{branch_id}/console/matching/proposals/{view.id}")


def _pin_blocks(call: Call, pool: list[Candidate], pins: list[tuple[str, str]]) -> dict[str, str]:
    """Each pin that a hard constraint forbids: its row and why, in the page's language."""
    from chalicelib.domain import matching
    from chalicelib.web.matching_words import reason_text

    branch = web.branch_of(call)
    assert branch is not None
    lang, _chosen = web.language(call, branch)
    by_id = {c.id: c for c in pool}
    settings = service.settings_of(branch)
    out: dict[str, str] = {}
    for i, (mentee_id, mentor_id) in enumerate(pins):
        mentee, mentor = by_id.get(mentee_id), by_id.get(mentor_id)
        if mentee is None or mentor is None:
            continue
        pair = matching.assess(matching.profile(mentee), matching.profile(mentor), settings)
        if not pair.allowed:
            out[f"pin_{i}"] = "; ".join(reason_text(b.code, b.params, lang) for b in pair.blocks)
    return out


# --- A proposal --------------------------------------------------------------------------------------------
def _outcomes(call: Call) -> tuple[int | None, dict[str, str]]:
    """What the last accept did, from the redirect's query: pairs accepted, and mentee id -> why not."""
    params = call.extra["request"].query_params
    if not params or "accepted" not in params:
        return None, {}
    accepted = params.get("accepted") or "0"
    refused = dict(m.groups() for m in map(_OUTCOME.match, _all(params, "refused")) if m)
    return (int(accepted) if accepted.isdigit() else 0), refused


def _proposal_page(call: Call, status: int = 200, errors: dict[str, str] | None = None,
                   values: dict[str, str] | None = None) -> Response:
    branch = web.branch_of(call)
    assert branch is not None
    view = service.proposal(repos.get(), branch.id, call.params["proposal_id"])
    accepted, refused = _outcomes(call)
    reasons = sorted(set(refused.values()))
    return web.render_page(
        call, "console/proposal.html", status, nav="matching", view=view, errors=errors or {},
        values=values or {}, suggested={p.mentee.id: web.input_at(p.suggested_at) for p in view.pairs},
        created_at=web.local_time(view.created_at, branch.time_zone), accepted_now=accepted, refused=refused,
        refused_reasons=reasons, ask_again=_ask_again_url(branch.id, view.mode, view.pins, view.excluded), **_words())


@route(PROPOSAL, "GET", summary="A proposal: its pairs with their reasons and state, who is left unpaired "
       "and why (HTML)", roles=STAFF, console=True, tags=TAGS)
def proposal_page(call: Call) -> Response:
    return _proposal_page(call)


@route(PROPOSAL + "/accept", "POST", summary="Accept one pair of a proposal or all its open pairs (HTML form; "
       "each becomes a pairing, both people get their answer link by mail)", roles=STAFF, console=True, tags=TAGS)
def proposal_accept(call: Call) -> Response:
    branch_id, proposal_id = call.params["branch"], call.params["proposal_id"]
    everything = web.form_value(call, "action") == "all"
    values = {"mentee_id": web.form_value(call, "mentee_id"), "first_meeting_at": web.form_value(call,
                                                                                                  "first_meeting_at")}
    try:
        if everything:
            items = None
        else:
            one = web.validate(s.AcceptPairIn, {"mentee_id": values["mentee_id"],
                                               "first_meeting_at": values["first_meeting_at"] or None})
            items = [(one.mentee_id, one.first_meeting_at)]
        outcomes = service.accept(repos.get(), _actor(call), branch_id, proposal_id, items)
    except InvalidInputError as error:
        fields = {("first_meeting_at" if k.endswith("first_meeting_at") else "mentee_id"): v
                  for k, v in (error.fields or {"mentee_id": error.message}).items()}
        return _proposal_page(call, 400, fields, values)
    invalid = [o for o in outcomes if o.code == "invalid"]
    if invalid and not everything:  # the time given for this pair: at its row, the value kept
        return _proposal_page(call, 400, {"first_meeting_at": invalid[0].message}, values)
    query = [("accepted", str(sum(1 for o in outcomes if o.paired)))]
    query += [("refused", f"{o.mentee_id}~{o.code}") for o in outcomes if not o.paired]
    return web.redirect(f"/branches/{branch_id}/console/matching/proposals/{proposal_id}?{urlencode(query)}")


# --- Previewing new weights (the settings page's "Preview" button) -------------------------------------------
def settings_preview(branch_id: str, patch: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """How the matching settings typed on the settings page (``patch``: ``{"matching": {...}}``) would change
    the pool's proposal, nothing saved: (200, ``{"preview": ...}``) or (400, ``{"errors": ...}``) with the
    settings page's field names (``matching.weights.sector``, ``matching.hard``)."""
    from chalicelib.api.schemas import MatchingSettings

    try:
        body = web.validate(MatchingSettings, patch.get("matching") or {})
        result = service.preview(repos.get(), branch_id, body.model_dump(exclude_none=True))
    except InvalidInputError as error:
        fields = error.fields or {"weights": error.message}
        errors: dict[str, str] = {}
        for name, text in fields.items():
            name = "matching." + name.removeprefix("config.").removeprefix("matching.")
            errors.setdefault(re.sub(r"^matching\.hard\.\d+$", "matching.hard", name), text)
        return 400, {"errors": errors}
    return 200, {"preview": result}
