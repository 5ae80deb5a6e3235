"""The public HTML pages: the signup form and the personal link page (server-rendered, no JavaScript).

Thin handlers: read the form, build the contract's JSON body, validate it with ``SignupIn``, call the
signup service, render a template in the page's language. Every outcome is a page, never JSON.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from typing import Any

from chalice import Response
from pydantic import ValidationError

from chalicelib.api.routing import PUBLIC, RETRY_AFTER_SECONDS, STATUS, Call, route
from chalicelib.api.signup_schemas import SignupIn
from chalicelib.domain import candidates as vocabulary
from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import CandidateRole
from chalicelib.domain.errors import ConflictError, DuoError, InvalidInputError, NotFoundError
from chalicelib.observability import log_failure, metrics
from chalicelib.services import branches, repos, signup
from chalicelib.settings import get_settings
from chalicelib.web import forms, i18n, labels, pages

TAGS = ("pages",)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _csp(branch: Branch | None) -> str:
    origins = (branch.effective_config().get("allowed_origins") or []) if branch else []
    ancestors = " ".join(origins) or "'none'"
    return (f"default-src 'none'; style-src '{pages.style_hash()}'; img-src 'self'; form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {ancestors}")


def html(template: str, lang: str, status: int, branch: Branch | None = None, /, **context: Any) -> Response:
    """A rendered page with the headers every page of ours carries."""
    context.setdefault("switch_query", "?")
    body = pages.render(template, lang, branch=branch, **context)
    return Response(body=body, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8",
        "Content-Language": lang,
        "Cache-Control": "no-store",  # personal data, and a form token per rendering
        "Vary": "Accept-Language",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": _csp(branch),
    })


def _request(call: Call) -> Any:
    return call.extra["request"]


def _query(call: Call) -> dict[str, str]:
    return dict(_request(call).query_params or {})


def _accept(call: Call) -> str | None:
    return _request(call).headers.get("accept-language")


def _unavailable(error: NotFoundError, call: Call) -> Response:
    """A closed branch gets its "closed" page; anything else unknown the generic one. Both 404."""
    lang = i18n.negotiate(list(i18n.LANGUAGES), _query(call).get("lang"), _accept(call))
    if error.code == "branch_closed":
        branch = branches.get_branch(repos.get(), call.params["branch"])
        lang = i18n.negotiate(branch.languages, _query(call).get("lang"), _accept(call))
        return html("closed.html", lang, 404, branch)
    return html("message.html", lang, 404, kind="not_found")


def page(handler: Callable[[Call], Response]) -> Callable[[Call], Response]:
    """Refusals and failures as pages too (the router would answer JSON)."""

    @functools.wraps(handler)
    def wrapper(call: Call) -> Response:
        try:
            return handler(call)
        except NotFoundError as error:
            return _unavailable(error, call)
        except DuoError as error:
            status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
            lang = i18n.negotiate(list(i18n.LANGUAGES), _query(call).get("lang"), _accept(call))
            response = html("message.html", lang, status, kind="error")
            if status == 503:  # busy: the same form may be sent again
                response.headers["Retry-After"] = RETRY_AFTER_SECONDS
            return response
        except Exception as failure:
            log_failure("page failed", failure, {"params": call.params})
            metrics.add_metric(name="UnhandledError", unit="Count", value=1)
            lang = i18n.negotiate(list(i18n.LANGUAGES), _query(call).get("lang"), _accept(call))
            return html("message.html", lang, 500, kind="error")

    return wrapper


# --- The signup form ------------------------------------------------------------------------------
def _role(value: str | None) -> str | None:
    return value if value in forms.ROLES else None


def _form(branch: Branch, lang: str, fixed_role: str | None, status: int = 200,
          values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          form_token: str | None = None) -> Response:
    config = branch.effective_config()
    role = CandidateRole(fixed_role) if fixed_role else None
    query = f"?role={fixed_role}&" if fixed_role else "?"
    return html(
        "signup.html", lang, status, branch,
        role=fixed_role, role_fixed=fixed_role is not None, switch_query=query,
        sessions=signup.open_sessions(repos.get(), branch, role),
        values=values or {}, errors=forms.ordered(errors or {}),
        form_token=form_token or secrets.token_urlsafe(24),
        spoken_languages=vocabulary.SPOKEN_LANGUAGES, levels=vocabulary.LANGUAGE_LEVELS,
        looking_for=vocabulary.LOOKING_FOR, sectors=vocabulary.SECTORS, max_sectors=vocabulary.MAX_SECTORS,
        education_levels=vocabulary.EDUCATION_LEVELS, heard_from=vocabulary.HEARD_FROM,
        privacy_url=(config["signup"].get("privacy_notice_url") or {}).get(lang, ""),
        retention_months=config["retention"]["candidate_months"],
        country=i18n.country_name(branch.country, lang),
    )


@route("/branches/{branch}/signup", "GET", summary="The signup form (HTML)", roles=PUBLIC, page=True, tags=TAGS)
@page
def signup_form(call: Call) -> Response:
    query = _query(call)
    branch = signup.open_branch(repos.get(), call.params["branch"])
    lang = i18n.negotiate(branch.languages, query.get("lang"), _accept(call))
    return _form(branch, lang, _role(query.get("role")))


@route("/branches/{branch}/signup", "POST", summary="Send the signup form (form-encoded; HTML answer)",
       roles=PUBLIC, page=True, tags=TAGS)
@page
def signup_submit(call: Call) -> Response:
    request, query = _request(call), _query(call)
    branch = signup.open_branch(repos.get(), call.params["branch"])
    fixed_role = _role(query.get("role"))
    lang = i18n.negotiate(branch.languages, query.get("lang"), _accept(call))
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        if content_type != "application/x-www-form-urlencoded":
            raise forms.FormError(forms.UNREADABLE)
        values = forms.parse(request.raw_body, get_settings().max_body_bytes)
    except forms.FormError as error:
        status = 413 if error.message == forms.TOO_LARGE else 400
        return _form(branch, lang, fixed_role, status, errors={"form": i18n.gettext(lang, error.message)})
    lang = i18n.negotiate(branch.languages, values.get("lang") or query.get("lang"), _accept(call))
    token = values.get("form_token") if _TOKEN.fullmatch(values.get("form_token") or "") else None

    def again(status: int, errors: dict[str, str], new_token: bool = False) -> Response:
        return _form(branch, lang, fixed_role, status, values, errors, None if new_token else token)

    role = _role(values.get("role")) or fixed_role or ""
    body, slots = forms.to_body(values, role, lang)
    errors = forms.precheck(values, branch.effective_config()["signup"]["max_text_length"], lang)
    try:
        parsed = SignupIn.model_validate(body)
    except ValidationError as error:
        return again(400, {**forms.schema_errors(error.errors(), slots, lang), **errors})
    if errors:
        return again(400, errors)
    try:
        receipt = signup.sign_up(repos.get(), branch.id, parsed, idempotency_key=token)
    except signup.NotEligibleError as error:
        reasons = [labels.refusal_message(r, role, branch, lang) for r in error.refusals]
        elsewhere = (error.elsewhere.get(lang) or "").strip()
        back = f"?role={role}&lang={lang}"
        return html("not_eligible.html", lang, 400, branch, reasons=reasons, elsewhere=elsewhere, back_url=back)
    except signup.SessionFullError as error:
        message = forms.SESSION_GONE.get(error.code, forms.SESSION_GONE["session_full"])
        return again(409, {"session_id": i18n.gettext(lang, message)}, new_token=True)
    except InvalidInputError as error:
        return again(400, forms.service_errors(error.fields, slots, lang))
    return html("confirmation.html", lang, 200, branch, name=parsed.root.name, session=receipt.session)


# --- The personal link page -----------------------------------------------------------------------
def _manage(call: Call, view: signup.RegistrationView, token: str, status: int = 200,
            lang: str | None = None, notice: str = "", errors: dict[str, str] | None = None) -> Response:
    lang = lang or i18n.negotiate(view.branch.languages, _query(call).get("lang") or view.language, _accept(call))
    return html(
        "manage.html", lang, status, view.branch, registration=view, other_sessions=view.other_sessions,
        token=token, notice=notice, errors=errors or {}, values={}, switch_query=f"?token={token}&",
        signup_url=f"../signup?role={view.role.value}&lang={lang}",
    )


def _bad_link(call: Call, lang: str | None = None) -> Response:
    lang = lang or i18n.negotiate(list(i18n.LANGUAGES), _query(call).get("lang"), _accept(call))
    return html("message.html", lang, 404, kind="bad_link")


@route("/branches/{branch}/registrations/{candidate_id}", "GET",
       summary="A candidate's personal link: their registration (HTML)", roles=PUBLIC, page=True, tags=TAGS)
@page
def registration_page(call: Call) -> Response:
    token = _query(call).get("token") or ""
    try:
        view = signup.registration(repos.get(), call.params["branch"], call.params["candidate_id"], token)
    except NotFoundError as error:
        if error.code in ("branch_closed", "branch_not_found"):
            raise
        return _bad_link(call)
    return _manage(call, view, token)


@route("/branches/{branch}/registrations/{candidate_id}", "POST",
       summary="Cancel or change a registration through the personal link (form-encoded; HTML answer)",
       roles=PUBLIC, page=True, tags=TAGS)
@page
def registration_submit(call: Call) -> Response:
    branch_id, candidate_id = call.params["branch"], call.params["candidate_id"]
    try:
        values = forms.parse(_request(call).raw_body, get_settings().max_body_bytes)
    except forms.FormError:
        values = {}
    token = values.get("token") or _query(call).get("token") or ""
    r = repos.get()
    try:
        view = signup.registration(r, branch_id, candidate_id, token)
    except NotFoundError as error:
        if error.code in ("branch_closed", "branch_not_found"):
            raise
        return _bad_link(call)
    lang = i18n.negotiate(view.branch.languages, values.get("lang") or view.language, _accept(call))
    action = values.get("action")
    try:
        if action == "cancel":
            signup.cancel_registration(r, branch_id, candidate_id, token)
            back = f"../signup?role={view.role.value}&lang={lang}"
            return html("message.html", lang, 200, view.branch, kind="cancelled", link_url=back)
        if action == "change" and values.get("session_id"):
            changed = signup.change_registration(r, branch_id, candidate_id, token, values["session_id"])
            return _manage(call, changed, token, lang=lang, notice=i18n.gettext(lang, forms.CHANGED))
        error_text = i18n.gettext(lang, forms.MESSAGES["session_id"]["*"])
        return _manage(call, view, token, 400, lang, errors={"session_id": error_text})
    except signup.SessionFullError as error:
        message = forms.SESSION_GONE.get(error.code, forms.SESSION_GONE["session_full"])
        fresh = signup.registration(r, branch_id, candidate_id, token)
        return _manage(call, fresh, token, 409, lang, errors={"session_id": i18n.gettext(lang, message)})
    except (InvalidInputError, ConflictError) as error:
        fresh = signup.registration(r, branch_id, candidate_id, token)
        text = forms.ALREADY_CANCELLED if error.code == "already_cancelled" else forms.MESSAGES["session_id"]["*"]
        return _manage(call, fresh, token, 409, lang, errors={"session_id": i18n.gettext(lang, text)})
