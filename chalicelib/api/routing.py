"""Declaring a route once: its roles, body, query and response models, for Chalice and OpenAPI.

Every handler runs through ``_dispatch``: correlation id, token check (before any body is
read), branch check, body and query validation, and one mapping of errors to statuses.
Handlers receive a ``Call`` and return a pydantic model (or None for 204).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Response
from pydantic import BaseModel, RootModel, ValidationError

from chalicelib.api import cors
from chalicelib.api.auth import authenticate, authenticate_token
from chalicelib.api.schemas import Error
from chalicelib.domain.branches import is_branch_id
from chalicelib.domain.errors import (
    ConflictError,
    DuoError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthenticatedError,
    UnavailableError,
)
from chalicelib.domain.roles import ANONYMOUS, Principal, Role
from chalicelib.domain.texts import N_, Text
from chalicelib.observability import log_failure, logger, metrics
from chalicelib.settings import get_settings

PUBLIC = frozenset({Role.ANONYMOUS})


class TooLargeError(InvalidInputError):
    """The body is larger than any form of ours needs."""

    code = "too_large"


class UnsupportedMediaError(InvalidInputError):
    """The body is not JSON."""

    code = "unsupported_media_type"


# Most specific first: the first class an error is an instance of gives its status.
RETRY_AFTER_SECONDS = "1"  # a 503 (throttled, unreachable): botocore has retried already; the caller may again
STATUS = {
    TooLargeError: 413,
    UnsupportedMediaError: 415,
    InvalidInputError: 400,
    UnauthenticatedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    UnavailableError: 503,
}
_PATH_PARAM = re.compile(r"{(\w+)}")
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_FRIENDLY = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("Unknown field."),
    "string_pattern_mismatch": N_("This value does not have the expected form."),
    "union_tag_not_found": N_("Say whether you sign up as a mentee or a mentor."),
    "union_tag_invalid": N_("Say whether you sign up as a mentee or a mentor."),
}
# Pydantic's own English messages, as msgids with its context's values named: a console page shows them in
# its language (``i18n.refusal``). Used only where the msgid filled with the values gives pydantic's text.
_PYDANTIC = {
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "too_long": N_("List should have at most %(max_length)s items after validation, not %(actual_length)s"),
    "too_short": N_("List should have at least %(min_length)s items after validation, not %(actual_length)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, %(error)s"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, %(error)s"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date, %(error)s"),
    "datetime_parsing": N_("Input should be a valid datetime, %(error)s"),
    "time_parsing": N_("Input should be in a valid time format, %(error)s"),
    "literal_error": N_("Input should be %(expected)s"),
    "enum": N_("Input should be %(expected)s"),
}


def _raised_text(item: Any) -> str:
    """A validator's own message: the text it raised (a ``Text`` keeps its msgid and values for the pages)."""
    raised = (item.get("ctx") or {}).get("error")
    text = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
    return text if isinstance(text, str) else str(item["msg"]).removeprefix("Value error, ")


def _pydantic_text(item: Any) -> str:
    """Pydantic's message of ``item`` (its English text), as a ``Text`` when a msgid above gives the same text."""
    message = str(item["msg"])
    msgid = _PYDANTIC.get(item["type"])
    if msgid is None:
        return message
    try:
        text = Text(msgid, dict(item.get("ctx") or {}))
    except (KeyError, TypeError, ValueError):
        return message
    return text if text == message else message


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    name: str
    summary: str
    roles: frozenset[Role]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    tags: tuple[str, ...] = ()
    page: bool = False  # an HTML page: the handler reads the request itself and returns a Response
    cors: bool = False  # callable from the websites in the branch's ``allowed_origins``
    console: bool = False  # a staff HTML page: cookie session, CSRF on POST, refusals as pages
    max_body_bytes: int = 0  # a larger body than the global limit, for this route only (0: the global one)
    upload: bool = False  # a console POST that may be multipart/form-data (a file field)
    module: str = ""  # where the handler is: ``route_table`` imports it on the route's first request

    @property
    def body_limit(self) -> int:
        return self.max_body_bytes or get_settings().max_body_bytes

    @property
    def public(self) -> bool:
        return Role.ANONYMOUS in self.roles

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def errors(self) -> list[int]:
        if self.console:
            return sorted({303, 400, 403, 404, *([409, 413, 415] if self.method == "POST" else [])})
        codes = {400, 404} if (self.body or self.query or self.path_params or self.page) else set()
        if not self.public:
            codes |= {401, 403}
        if self.body or (self.page and self.method == "POST"):
            codes |= {413, 415}
        if self.cors:
            codes.add(403)
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            codes.add(409)
        return sorted(codes)


ROUTES: list[RouteSpec] = []  # of the modules imported so far: all of them after ``route_table.load_all()``
VIEWS: dict[tuple[str, str], Callable[..., Response]] = {}  # (method, path): view(request, **path_params)


@dataclass
class Call:
    """What a handler gets: the verified caller, path parameters, validated body and query."""

    principal: Principal
    params: dict[str, str]
    body: Any = None
    query: Any = None
    correlation_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    headers: Any = None


def error_response(error: DuoError, status: int, correlation_id: str) -> Response:
    body = Error(code=error.code, message=error.message, fields=error.fields).model_dump()
    return Response(
        body=json.dumps(body),
        status_code=status,
        headers={"Content-Type": "application/json", "X-Correlation-Id": correlation_id},
    )


def _validation_error(error: ValidationError, *, tagged: bool = False) -> InvalidInputError:
    """One message per field; ``tagged``: a union on a tag (``role``) whose tag leads each location."""
    fields: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"][1:] if tagged and len(item["loc"]) > 1 else item["loc"]
        if item["type"] in ("union_tag_not_found", "union_tag_invalid"):
            loc = ("role",)
        path = ".".join(str(p) for p in loc) or "body"
        message = _FRIENDLY.get(item["type"]) or (_raised_text(item) if item["type"] == "value_error"
                                                  else _pydantic_text(item))
        fields.setdefault(path, message)
    return InvalidInputError(N_("Some fields are not valid."), fields)


def _authorise(spec: RouteSpec, principal: Principal, params: dict[str, str]) -> None:
    if principal.role not in spec.roles:
        raise ForbiddenError("Your role may not do this.")
    branch = params.get("branch")
    staff_route = branch is not None and not principal.is_head_office and not spec.public
    if staff_route and not principal.acts_for(branch):
        raise ForbiddenError("This belongs to another branch.")
    if staff_route and not _onboarded(branch):  # a token naming a branch that does not exist
        raise ForbiddenError("This account's branch is not onboarded.")


def _onboarded(branch: str) -> bool:
    from chalicelib.services import repos
    from chalicelib.services.branches import is_onboarded

    return is_onboarded(repos.get(), branch)


def _parse_body(spec: RouteSpec, request: Any) -> Any:
    raw = request.raw_body or b""
    if len(raw) > spec.body_limit:
        raise TooLargeError("The body is too large.", {"body": f"Send at most {spec.body_limit} bytes."})
    content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaError("Send JSON.", {"body": "Use Content-Type: application/json."})
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("The body is not valid JSON.", {"body": "Send a JSON object."}) from None
    if not isinstance(data, dict):
        raise InvalidInputError("The body must be a JSON object.", {"body": "Send a JSON object."})
    try:
        return spec.body.model_validate(data)  # type: ignore[union-attr]
    except ValidationError as error:
        raise _validation_error(error, tagged=issubclass(spec.body, RootModel)) from None


def csrf_for(token: str) -> str:
    """The console's CSRF token: derived from the session cookie, which only the page's own origin can
    read (HttpOnly: not even its scripts), so a form posted from elsewhere cannot carry it."""
    return hashlib.sha256(f"duo-csrf:{token}".encode()).hexdigest()


def _parse_form(request: Any, spec: RouteSpec | None = None) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    raw = request.raw_body or b""
    limit = spec.body_limit if spec else get_settings().max_body_bytes
    if len(raw) > limit:
        raise TooLargeError(N_("The form is too large."), {"form": N_("Send at most %(limit)s bytes.", limit=limit)})
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if raw and spec is not None and spec.upload and content_type == "multipart/form-data":
        return _parse_multipart(raw, request.headers.get("content-type") or "")
    if raw and content_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaError(N_("Send the form as application/x-www-form-urlencoded."))
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=500)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInputError(N_("The form could not be read."), {"form": N_("Send the form again.")}) from None


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, list[str]]:
    """A form with a file (standard library only): every field, the file's content as UTF-8 text."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        raise InvalidInputError(N_("The form could not be read."), {"form": N_("Send the form again.")})
    form: dict[str, list[str]] = {}
    for part in list(message.iter_parts())[:50]:
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        try:
            value = (part.get_payload(decode=True) or b"").decode("utf-8")
        except UnicodeDecodeError:
            why = N_("The file is not UTF-8 text: in your spreadsheet, save it as “CSV UTF-8” and send it again.")
            raise InvalidInputError(why, {str(name): why}) from None
        form.setdefault(str(name), []).append(value)
    return form


def _console_path(spec: RouteSpec, params: dict[str, str], request: Any) -> str:
    path = spec.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    if spec.method == "GET" and request.query_params:
        from urllib.parse import urlencode

        path += "?" + urlencode(dict(request.query_params))
    return path


def _dispatch_console(spec: RouteSpec, handler: Callable[[Call], Any], request: Any, params: dict[str, str],
                      correlation_id: str) -> Response:
    """A staff page: the session from the cookie (none or expired: 303 to sign in), every POST's CSRF
    field checked before its form is handed on, and every refusal answered as a page, never JSON."""
    from chalicelib.api import console_pages as web  # Jinja2 on first use

    call = Call(ANONYMOUS, params, None, None, correlation_id, {"request": request, "form": {}}, request.headers)
    try:
        if "branch" in params and not is_branch_id(params["branch"]):
            raise NotFoundError("There is no such branch.", code="branch_not_found")
        if any(not _ID.fullmatch(v) for k, v in params.items() if k != "branch"):
            raise NotFoundError("There is no such object.")
        call.extra["path"] = _console_path(spec, params, request)
        token = web.cookies(request).get(web.SESSION_COOKIE, "")
        try:
            call.principal = authenticate_token(token)
        except UnauthenticatedError:
            logger.info("console sign-in needed")
            return web.redirect(web.sign_in_url(call.extra["path"]))
        call.extra.update(token=token, csrf=csrf_for(token))
        logger.append_keys(role=call.principal.role.value)
        _authorise(spec, call.principal, params)
        if "branch" in params:
            metrics.add_dimension(name="branch", value=params["branch"])
        metrics.add_metric(name="Request", unit="Count", value=1)
        if spec.method == "POST":
            form = _parse_form(request, spec)
            sent = (form.get("csrf") or [""])[0]
            if not hmac.compare_digest(sent.encode(), call.extra["csrf"].encode()):
                raise ForbiddenError("This form has expired or was not sent from this console.", code="csrf")
            call.extra["form"] = form
        if spec.query is not None:
            try:
                call.query = spec.query.model_validate(dict(request.query_params or {}))
            except ValidationError as error:
                raise _validation_error(error) from None
        result = handler(call)
    except DuoError as error:
        status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
        logger.info("request refused", extra={"status": status, "code": error.code})
        result = web.error_page(call, status, error.message, error.fields, error.code)
        if status == 503:
            result.headers["Retry-After"] = RETRY_AFTER_SECONDS
    except Exception as failure:
        log_failure("request failed", failure, _failure_context(request, params))
        metrics.add_metric(name="UnhandledError", unit="Count", value=1)
        result = web.error_page(call, 500, "Something went wrong on our side; it has been logged.")
    result.headers["X-Correlation-Id"] = correlation_id
    return result


def _failure_context(request: Any, params: dict[str, str]) -> dict[str, Any]:
    """What an unexpected failure is logged with (through ``observability.masked``: personal values erased)."""
    from urllib.parse import parse_qs

    raw = request.raw_body or b""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    body: Any = {"bytes": len(raw)} if raw else None
    try:
        if raw and content_type in ("", "application/json"):
            body = json.loads(raw)
        elif raw and content_type == "application/x-www-form-urlencoded":
            body = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    except (ValueError, UnicodeDecodeError):
        pass
    return {"params": params, "query": dict(request.query_params or {}), "body": body}


def _dispatch(spec: RouteSpec, handler: Callable[[Call], Any], request: Any, params: dict[str, str]) -> Response:
    correlation_id = (request.headers.get("x-correlation-id") or "")[:64] or str(uuid.uuid4())
    if not re.fullmatch(r"[\w.-]{1,64}", correlation_id):
        correlation_id = str(uuid.uuid4())
    logger.set_correlation_id(correlation_id)
    # The branch only once it is one: a path may carry anything (a name typed into the address bar).
    logger.append_keys(route=f"{spec.method} {spec.path}",
                       branch=params["branch"] if is_branch_id(params.get("branch") or "") else None)
    if spec.console:
        return _dispatch_console(spec, handler, request, params, correlation_id)
    cors_headers: dict[str, str] = {}
    try:
        if "branch" in params and not is_branch_id(params["branch"]):
            raise NotFoundError("There is no such branch.", code="branch_not_found")
        if any(not _ID.fullmatch(v) for k, v in params.items() if k != "branch"):
            raise NotFoundError("There is no such object.")
        principal = ANONYMOUS if spec.public else authenticate(request.headers)
        logger.append_keys(role=principal.role.value)
        _authorise(spec, principal, params)
        if "branch" in params:
            metrics.add_dimension(name="branch", value=params["branch"])
        metrics.add_metric(name="Request", unit="Count", value=1)
        query = None
        if spec.query is not None:
            try:
                query = spec.query.model_validate(dict(request.query_params or {}))
            except ValidationError as error:
                raise _validation_error(error) from None
        if spec.cors:
            cors_headers = cors.check(params.get("branch", ""), request.headers)
        body = _parse_body(spec, request) if spec.body is not None else None
        extra = {"request": request} if spec.page else {}
        result = handler(Call(principal, params, body, query, correlation_id, extra, request.headers))
    except DuoError as error:
        status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
        logger.info("request refused", extra={"status": status, "code": error.code})
        response = error_response(error, status, correlation_id)
        response.headers.update(cors_headers)  # the branch's website may read why it was refused
        if status == 503:
            response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    except Exception as failure:
        log_failure("request failed", failure, _failure_context(request, params))
        metrics.add_metric(name="UnhandledError", unit="Count", value=1)
        error = DuoError("Something went wrong on our side; it has been logged.", code="internal_error")
        return error_response(error, 500, correlation_id)
    headers = {"X-Correlation-Id": correlation_id, **cors_headers}
    if isinstance(result, Response):
        result.headers.update(headers)
        return result
    if result is None:
        return Response(body="", status_code=204, headers=headers)
    headers["Content-Type"] = "application/json"
    return Response(body=result.model_dump_json(), status_code=spec.status, headers=headers)


def route(
    path: str,
    method: str,
    *,
    summary: str,
    roles: frozenset[Role] | set[Role],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    tags: tuple[str, ...] = (),
    page: bool = False,
    cors: bool = False,
    console: bool = False,
    max_body_bytes: int = 0,
    upload: bool = False,
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    """Declare ``handler``'s route: its spec in ``ROUTES`` (the source of /openapi.json and of the route table,
    ``route_table``) and its view in ``VIEWS``, which the app calls with the request.

    ``page``: a public HTML page; the handler gets the request in ``call.extra["request"]``, parses
    what it needs and returns a Response. ``cors``: a public JSON route that the branch's own
    websites may call from the browser; its preflight (OPTIONS) is answered here.
    ``console``: a staff HTML page (see ``_dispatch_console``); the handler returns a Response, made
    with ``chalicelib.api.console_pages.render_page`` or ``redirect``. ``max_body_bytes``: a larger body for this
    route only (imports); ``upload``: a console form that may come as multipart/form-data (a file).
    """
    if page and roles != PUBLIC:
        raise ValueError("pages are public")
    if console and (page or cors or body is not None or Role.ANONYMOUS in roles or not roles):
        raise ValueError("console pages are for signed-in staff, read forms themselves and are not CORS routes")

    def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        spec = RouteSpec(
            path, method, handler.__name__, summary, frozenset(roles), body, query, response, status, tags, page, cors,
            console, max_body_bytes, upload, handler.__module__,
        )
        ROUTES.append(spec)

        @functools.wraps(handler)
        def view(request: Any, **params: str) -> Response:
            return _dispatch(spec, handler, request, params)

        VIEWS[(method, path)] = view
        if cors:
            _register_preflight(path, method)
        return handler

    return register


def _register_preflight(path: str, method: str) -> None:
    methods = _PREFLIGHT.setdefault(path, [])
    methods.append(method)
    if len(methods) > 1:
        return  # one OPTIONS route per path; it reads the list when called

    def preflight(request: Any, **params: str) -> Response:
        branch = params.get("branch", "") if is_branch_id(params.get("branch", "")) else ""
        headers = cors.preflight_headers(branch, request.headers, methods)
        if not headers:
            error = ForbiddenError("This website may not use this form.", code="origin_not_allowed")
            return error_response(error, 403, str(uuid.uuid4()))
        return Response(body="", status_code=204, headers=headers)

    VIEWS[("OPTIONS", path)] = preflight


_PREFLIGHT: dict[str, list[str]] = {}
