"""The staff console's shell: rendering a console page, redirects, form values, language, cookies.

Handlers of ``route(..., console=True)`` get a ``Call`` whose ``extra`` holds ``request``, ``form``
(POST: dict[str, list[str]]), ``csrf`` (the token every form must carry back) and ``token``.
``render_page(call, "console/x.html", **context)`` adds what the layout needs: ``branch``,
``principal``, ``csrf``, ``lang``, ``nav``, ``staff_names``, ``done``, ``csrf_field``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chalice import Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.routing import _validation_error
from chalicelib.domain.branches import Branch
from chalicelib.web import console_labels, i18n, pages

SESSION_COOKIE = "duo_session"
LANG_COOKIE = "duo_lang"
SIGNIN_COOKIE = "duo_signin"
STATE_COOKIE = "duo_oauth_state"
SIGN_IN = "/console/sign-in"
_FLASH = re.compile(r"[a-z][a-z0-9_]{0,39}")
_LANG_COOKIE_AGE = 365 * 24 * 3600


def cookies(request: Any) -> dict[str, str]:
    """The request's cookies (first value of each name); a malformed pair is skipped, never an error."""
    out: dict[str, str] = {}
    for part in (request.headers.get("cookie") or "")[:8192].split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in out:
            out[name] = value.strip().strip('"')
    return out


def cookie(name: str, value: str, max_age: int, *, http_only: bool = True) -> str:
    """A Set-Cookie value: Secure and SameSite=Lax always (browsers accept Secure on http://127.0.0.1)."""
    flags = "; HttpOnly" if http_only else ""
    return f"{name}={value}; Path=/; Max-Age={max(0, int(max_age))}{flags}; Secure; SameSite=Lax"


def clear_cookie(name: str) -> str:
    return cookie(name, "", 0)


def add_cookie(response: Response, value: str) -> Response:
    """Add one Set-Cookie (a response may set several: Chalice sends a list as repeated headers)."""
    existing = response.headers.get("Set-Cookie")
    if existing is None:
        response.headers["Set-Cookie"] = [value]
    elif isinstance(existing, list):
        existing.append(value)
    else:
        response.headers["Set-Cookie"] = [existing, value]
    return response


def safe_next(value: str | None, default: str = "/console") -> str:
    """Only a same-site relative path (``/branches/ghent/console``): no scheme, no host, no ``//``."""
    if (
        not value or len(value) > 1000 or not value.startswith("/") or value.startswith("//")
        or "\\" in value or any(ord(c) < 33 for c in value)
    ):
        return default
    return value


def sign_in_url(next_path: str | None = None) -> str:
    path = safe_next(next_path, "")
    return SIGN_IN + (f"?{urlencode({'next': path})}" if path else "")


def redirect(url: str, status: int = 303) -> Response:
    """After a POST (303: the browser follows with a GET), or to sign in."""
    return Response(body="", status_code=status, headers={"Location": url, "Cache-Control": "no-store"})


def _request(call: Any) -> Any:
    return call.extra["request"]


def query(call: Any) -> dict[str, str]:
    return dict(_request(call).query_params or {})


def form_list(call: Any, name: str) -> list[str]:
    return list((call.extra.get("form") or {}).get(name) or [])


def form_value(call: Any, name: str, default: str = "") -> str:
    values = form_list(call, name)
    return values[0].strip() if values else default


def validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """A form's values as ``model``; invalid values raise the ``InvalidInputError`` that names each field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _validation_error(error) from None


def local_time(iso_utc: str | None, time_zone: str) -> str:
    """A UTC instant as the branch's local date and time (``2026-11-24 18:30``); none: ``""``."""
    if not iso_utc:
        return ""
    moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(ZoneInfo(time_zone))
    return moment.strftime("%Y-%m-%d %H:%M")


def input_at(moment: datetime | None) -> str:
    """A branch-local (naive) datetime as a datetime-local input's value (``2026-11-24T18:30``)."""
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""


def branch_of(call: Any) -> Branch | None:
    """The branch of the path (read once per request), or None on branch-less pages."""
    if "branch" not in call.params:
        return None
    if "branch_obj" not in call.extra:
        from chalicelib.services import branches, repos

        call.extra["branch_obj"] = branches.get_branch(repos.get(), call.params["branch"])
    return call.extra["branch_obj"]


def offered_languages(branch: Branch | None) -> list[str]:
    if branch is None:
        return list(i18n.LANGUAGES)
    return [*branch.languages, *(["en"] if "en" not in branch.languages else [])]


def language(call: Any, branch: Branch | None) -> tuple[str, bool]:
    """The console's language and whether it was just chosen (``?lang=``, then remembered in a cookie)."""
    offered = offered_languages(branch)
    request = _request(call)
    asked = (query(call).get("lang") or "").strip().lower()
    chosen = asked in offered
    remembered = cookies(request).get(LANG_COOKIE)
    lang = i18n.negotiate(offered, asked if chosen else remembered, request.headers.get("accept-language"))
    return lang, chosen


class StaffNames:
    """``staff_names(staff_id)`` -> the name (or email) of a staff member of the branch; one query at most."""

    def __init__(self, branch_id: str | None) -> None:
        self._branch = branch_id
        self._names: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._names is None:
            self._names = {}
            if self._branch:
                from chalicelib.services import repos, staff

                for member in staff.list_staff(repos.get(), self._branch):
                    self._names[member.id] = member.name or member.email
        return self._names

    def __call__(self, staff_id: str | None, default: str = "") -> str:
        if not staff_id:
            return default
        return self._load().get(staff_id, default)

    def all(self) -> dict[str, str]:
        return dict(self._load())


def csp() -> str:
    return (f"default-src 'none'; style-src '{pages.style_hash()}'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def _switch_url(call: Any) -> str:
    params = {k: v for k, v in query(call).items() if k not in ("lang", "done")}
    base = current_path(call)
    return base + "?" + (urlencode(params) + "&" if params else "")


def current_path(call: Any) -> str:
    return call.extra.get("path") or "/console"


def page_context(call: Any, branch: Branch | None) -> dict[str, Any]:
    names = call.extra.get("staff_names")
    if names is None:
        names = call.extra["staff_names"] = StaffNames(branch.id if branch else None)
    done = query(call).get("done") or ""
    return {
        "branch": branch,
        "principal": call.principal,
        "csrf": call.extra.get("csrf", ""),
        "staff_names": names,
        "done": done if _FLASH.fullmatch(done) else "",
        "switch_query": _switch_url(call),
        "languages": offered_languages(branch),
        "current_path": current_path(call),
        "console_labels": console_labels,
    }


def html(body: str, lang: str, status: int) -> Response:
    return Response(body=body, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8",
        "Content-Language": lang,
        "Cache-Control": "no-store",
        "Vary": "Accept-Language, Cookie",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": csp(),
    })


def render_page(call: Any, template: str, status: int = 200, **context: Any) -> Response:
    """A console page (``console/<name>.html``, extending ``console/_layout.html``) as a Response."""
    branch = context.pop("branch") if "branch" in context else branch_of(call)
    lang, chosen = language(call, branch)
    full = {**page_context(call, branch), "nav": "", **context}
    response = html(pages.render(template, lang, **full), lang, status)
    if chosen:
        add_cookie(response, cookie(LANG_COOKIE, lang, _LANG_COOKIE_AGE, http_only=False))
    return response


def error_page(call: Any, status: int, message: str = "", fields: dict[str, str] | None = None,
               code: str = "") -> Response:
    """A refusal or failure as a console page: 400 lists the messages, 403/404/409/500 say why."""
    branch = None
    principal = call.principal
    if "branch" in call.params and getattr(principal, "branch", None) == call.params["branch"] and status != 404:
        try:
            branch = branch_of(call)
        except Exception:  # the error page itself must not fail
            branch = None
    try:
        return render_page(call, "console/error.html", status, branch=branch, error_status=status, message=message,
                           fields=fields or {}, code=code, back_url=_back(call, branch))
    except Exception as failure:  # last resort: a plain page
        from chalicelib.observability import log_failure

        log_failure("console error page failed", failure)
        return html(f"<!doctype html><title>{status}</title><h1>{status}</h1>", "en", status)


def _back(call: Any, branch: Branch | None) -> str:
    if branch is not None:
        return f"/branches/{branch.id}/console"
    return "/console"
