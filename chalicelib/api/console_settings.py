"""A branch admin's settings in the console: staff, training modules, workshops and services, intake
lists, closing reasons, eligibility, targets and matching (weights, hard constraints, reset to defaults).

Every form is validated by the models of the JSON API (``BranchUpdate``, ``StaffInvite``,
``StaffRoleChange``) and saved by the same services; a form that fails comes back with its values and
a message at each field; a form read from an older version of the branch answers 409.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chalice import Response
from pydantic import ValidationError

from chalicelib.api import console_pages as web
from chalicelib.api.routing import Call, _validation_error, route
from chalicelib.api.schemas import BranchUpdate, StaffInvite, StaffRoleChange
from chalicelib.domain.branches import END_REASONS, HELP_NEEDS, LANGUAGES, SERVICES, TRAINING_MODULES, Branch
from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.matching import CRITERIA, DEFAULT_HARD, DEFAULT_WEIGHTS, MAX_WEIGHT
from chalicelib.domain.roles import Role
from chalicelib.domain.texts import N_
from chalicelib.services import branches, repos, staff
from chalicelib.web import console_labels_matching

ADMINS = frozenset({Role.BRANCH_ADMIN})
TAGS = ("console",)
BASE = "/branches/{branch}/console/settings"
_SPLIT = re.compile(r"[\s,;]+")


def _url(call: Call, section: str = "", done: str = "") -> str:
    url = BASE.replace("{branch}", call.params["branch"]) + (f"/{section}" if section else "")
    return url + (f"?done={done}" if done else "")


def _render(call: Call, section: str, status: int = 200, **context: Any) -> Response:
    branch = web.branch_of(call)
    assert branch is not None
    context.setdefault("errors", {})
    context.setdefault("values", None)
    context.setdefault("message", "")
    context.setdefault("version", branch.version)
    return web.render_page(call, "console/settings.html", status, nav="settings", section=section,
                           config=branch.effective_config(), settings_url=_url(call), **context)


@route(BASE, "GET", summary="Branch settings (HTML)", roles=ADMINS, console=True, tags=TAGS)
def settings_home(call: Call) -> Response:
    return _render(call, "")


# --- Staff ------------------------------------------------------------------------------------------
@route(BASE + "/staff", "GET", summary="The branch's staff (HTML)", roles=ADMINS, console=True, tags=TAGS)
def staff_page(call: Call) -> Response:
    return _staff(call)


def _staff(call: Call, status: int = 200, errors: dict[str, str] | None = None, values: dict | None = None,
           message: str = "") -> Response:
    members = staff.list_staff(repos.get(), call.params["branch"])
    return _render(call, "staff", status, members=members, errors=errors or {}, values=values or {},
                   message=message)


@route(BASE + "/staff", "POST", summary="Invite, change the role of, or remove a staff member (HTML)",
       roles=ADMINS, console=True, tags=TAGS)
def staff_submit(call: Call) -> Response:
    branch_id, action = call.params["branch"], web.form_value(call, "action")
    r = repos.get()
    if action == "invite":
        values = {k: web.form_value(call, k) for k in ("email", "name", "role")}
        body = {k: v for k, v in values.items() if v}
        try:
            invite = StaffInvite.model_validate(body)
            staff.invite_staff(r, branch_id, email=invite.email, role=Role(invite.role), name=invite.name or "")
        except ValidationError as error:
            return _staff(call, 400, _fields(_validation_error(error).fields), values)
        except InvalidInputError as error:
            return _staff(call, 400, _fields(error.fields) or {"email": error.message}, values)
        except ConflictError as error:
            return _staff(call, 409, {"email": error.message}, values)
        return web.redirect(_url(call, "staff", "staff_invited"))
    staff_id = web.form_value(call, "staff_id")
    if action == "role":
        try:
            change = StaffRoleChange.model_validate({"role": web.form_value(call, "role")})
        except ValidationError as error:
            return _staff(call, 400, {f"role-{staff_id}": next(iter(_validation_error(error).fields.values()))})
        try:
            staff.change_role(r, branch_id, staff_id, Role(change.role))
        except (ConflictError, InvalidInputError) as error:
            return _staff(call, 409, message=error.message)
        return web.redirect(_url(call, "staff", "staff_role_changed"))
    if action == "remove":
        try:
            staff.remove_staff(r, branch_id, staff_id)
        except (ConflictError, InvalidInputError) as error:
            return _staff(call, 409, message=error.message)
        return web.redirect(_url(call, "staff", "staff_removed"))
    raise InvalidInputError(N_("Choose what to do."), {"action": N_("Invite, change a role or remove.")})


def _fields(fields: dict[str, str]) -> dict[str, str]:
    return {name.removeprefix("config."): message for name, message in fields.items()}


# --- Configuration sections ---------------------------------------------------------------------------
def _codes(call: Call, current: list[str]) -> tuple[list[str], str]:
    """Checked codes (in the current order, then new ones) and the codes typed in the "add" field."""
    checked = web.form_list(call, "code")
    added_text = web.form_value(call, "add")
    added = [c for c in _SPLIT.split(added_text.strip().lower()) if c]
    ordered = [c for c in current if c in checked] + [c for c in checked if c not in current] + added
    return list(dict.fromkeys(ordered)), added_text


def _int_or_text(value: str) -> Any:
    value = value.strip()
    return int(value) if re.fullmatch(r"-?\d{1,9}", value) else value


def _training(call: Call, branch: Branch) -> tuple[dict, Any]:
    rows = []
    count = min(int(web.form_value(call, "rows") or 0) if web.form_value(call, "rows").isdigit() else 0, 60)
    for i in range(count):
        code = web.form_value(call, f"code_{i}").lower()
        name = web.form_value(call, f"name_{i}")
        if (not code and not name) or web.form_value(call, f"remove_{i}"):
            continue
        position = web.form_value(call, f"position_{i}")
        rows.append({
            "code": code, "name": name, "required": bool(web.form_value(call, f"required_{i}")),
            "_position": int(position) if position.isdigit() else i + 1, "_row": i,
            "_new": not web.form_value(call, f"existing_{i}"),
        })
    rows.sort(key=lambda m: (m["_position"], m["_row"]))
    modules = [{k: v for k, v in m.items() if not k.startswith("_")} for m in rows]
    return {"training": {"modules": modules}}, rows


def _services(call: Call, branch: Branch) -> tuple[dict, Any]:
    chosen = web.form_list(call, "code")
    return {"services": chosen}, {"services": chosen}


def _list_section(section: str, key: str) -> Callable[[Call, Branch], tuple[dict, Any]]:
    def parse(call: Call, branch: Branch) -> tuple[dict, Any]:
        codes, added = _codes(call, branch.effective_config()[section][key])
        return {section: {key: codes}}, {"codes": codes, "add": added}

    return parse


def _eligibility(call: Call, branch: Branch) -> tuple[dict, Any]:
    patch: dict[str, Any] = {}
    for role in ("mentee", "mentor"):
        rules: dict[str, Any] = {}
        for bound in ("min_age", "max_age"):
            value = web.form_value(call, f"{role}.{bound}")
            if value or bound == "max_age":
                rules[bound] = _int_or_text(value) if value else None
        flags = ("requires_work_permit", "requires_migration_background") if role == "mentee" else (
            "requires_six_months",)
        for flag in flags:
            rules[flag] = bool(web.form_value(call, f"{role}.{flag}"))
        rules["languages_any"] = web.form_list(call, f"{role}.languages_any")
        patch[role] = rules
    return {"eligibility": patch}, patch


def _targets(call: Call, branch: Branch) -> tuple[dict, Any]:
    targets: dict[str, Any] = {}
    rows = []
    count = min(int(web.form_value(call, "rows")) if web.form_value(call, "rows").isdigit() else 0, 40)
    for i in range(count):
        year = web.form_value(call, f"year_{i}")
        numbers = {k: web.form_value(call, f"{k}_{i}") for k in ("duos", "mentees", "mentors")}
        if not year:
            continue
        rows.append({"year": year, **numbers})
        targets[year] = {k: (_int_or_text(v) if v else None) for k, v in numbers.items()}
    return {"targets": targets}, rows


_WEIGHT = re.compile(r"\d{1,3}([.,]\d{1,3})?")


def _weight(value: str) -> Any:
    """A weight as typed ("2", "2.5" or "2,5"): a number; anything else stays text for the model to refuse."""
    value = value.strip()
    if not _WEIGHT.fullmatch(value):
        return value
    return float(value.replace(",", ".")) if "," in value or "." in value else int(value)


def _matching(call: Call, branch: Branch) -> tuple[dict, Any]:
    """Weights and hard constraints as ticked; "Reset to defaults" (action=reset) writes the defaults."""
    if web.form_value(call, "action") == "reset":
        defaults = {"weights": dict(DEFAULT_WEIGHTS), "hard": list(DEFAULT_HARD)}
        return {"matching": defaults}, defaults
    typed = {c: web.form_value(call, f"weight_{c}") for c in CRITERIA}
    hard = web.form_list(call, "hard")
    return {"matching": {"weights": {c: _weight(v) for c, v in typed.items()}, "hard": hard}}, {
        "weights": typed, "hard": hard}


SECTIONS: dict[str, Callable[[Call, Branch], tuple[dict, Any]]] = {
    "training": _training,
    "services": _services,
    "intake": _list_section("intake", "help_needs"),
    "closing": _list_section("closing", "end_reasons"),
    "eligibility": _eligibility,
    "targets": _targets,
    "matching": _matching,
}
CHOICES = {"services": SERVICES, "intake": HELP_NEEDS, "closing": END_REASONS, "training": TRAINING_MODULES}


def _context(section: str) -> dict[str, Any]:
    """What a section's page shows besides the branch's configuration."""
    context: dict[str, Any] = {"choices": CHOICES.get(section, ()), "languages_all": LANGUAGES}
    if section == "matching":
        # The preview of how a change re-ranks the pool (lead / part C) renders this page with ``preview=...``:
        # the template shows console/_matching_preview.html under the form when the context has ``preview``.
        context.update(criteria=CRITERIA, default_weights=DEFAULT_WEIGHTS, max_weight=MAX_WEIGHT,
                       ML=console_labels_matching)
    return context


def _section_page(section: str) -> Callable[[Call], Response]:
    def page(call: Call) -> Response:
        return _render(call, section, **_context(section))

    page.__name__ = f"settings_{section}"
    return page


def _section_submit(section: str) -> Callable[[Call], Response]:
    def submit(call: Call) -> Response:
        branch = web.branch_of(call)
        assert branch is not None
        version_text = web.form_value(call, "version")
        if not version_text.isdigit():
            raise InvalidInputError(N_("The form is incomplete: reload the page."), {"version": N_("Missing.")})
        patch, values = SECTIONS[section](call, branch)
        context = {**_context(section), "values": values, "version": int(version_text)}
        if section == "matching" and web.form_value(call, "action") == "preview":  # part C: nothing saved
            from chalicelib.api.matching_console import settings_preview

            status, shown = settings_preview(branch.id, patch)
            return _render(call, section, status, **{**context, **shown})
        try:
            update = BranchUpdate.model_validate({"config": patch})
            changes = {"config": update.config.model_dump(exclude_unset=True)}
            branches.update_branch(repos.get(), branch.id, changes, role=call.principal.role,
                                   expected_version=int(version_text))
        except ValidationError as error:
            return _render(call, section, 400, errors=_errors(_validation_error(error).fields), **context)
        except InvalidInputError as error:
            return _render(call, section, 400, errors=_errors(error.fields), **context)
        except ConflictError as error:
            return _render(call, section, 409, message=error.message, **context)
        reset = web.form_value(call, "action") == "reset"
        return web.redirect(_url(call, section, "settings_reset" if reset else "settings_saved"))

    submit.__name__ = f"save_{section}"
    return submit


def _errors(fields: dict[str, str]) -> dict[str, str]:
    """``config.intake.help_needs.3`` -> ``intake.help_needs`` (lists of codes have one field on the page)."""
    out: dict[str, str] = {}
    for name, message in fields.items():
        name = name.removeprefix("config.")
        if re.fullmatch(r"(intake\.help_needs|closing\.end_reasons|services|matching\.hard)\.\d+", name):
            name = name.rsplit(".", 1)[0]
        elif re.fullmatch(r"targets\.[^.]+", name):
            name = "targets"
        out.setdefault(name, message)
    return out


for _section in SECTIONS:
    label = _section.replace("_", " ")
    route(f"{BASE}/{_section}", "GET", summary=f"Branch settings: {label} (HTML)", roles=ADMINS,
          console=True, tags=TAGS)(_section_page(_section))
    route(f"{BASE}/{_section}", "POST", summary=f"Change the branch's {label} (HTML)", roles=ADMINS,
          console=True, tags=TAGS)(_section_submit(_section))

