"""Personal link pages of duos (public, HTML, no JavaScript): the answer after the first meeting, the
evaluation after the closing, the situation at 12 months. In the person's language; the token in the
path is the secret (no CSRF token needed: a POST only ever changes once, the link is then used)."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.pages import html, page
from chalicelib.api.routing import PUBLIC, Call, route
from chalicelib.domain import duos as rules
from chalicelib.domain.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.services import repos, surveys
from chalicelib.settings import get_settings
from chalicelib.web import console_labels_duos as words
from chalicelib.web import forms, i18n

TAGS = ("pages",)
PATH = "/branches/{branch}/links/{token}"


def _lang(call: Call, offered: list[str], preferred: str | None) -> str:
    request = call.extra["request"]
    asked = (request.query_params or {}).get("lang") or preferred
    return i18n.negotiate(offered, asked, request.headers.get("accept-language"))


def _render(call: Call, view: surveys.LinkView, status: int = 200, errors: dict[str, str] | None = None,
            values: dict[str, Any] | None = None) -> Response:
    lang = _lang(call, view.branch.languages, view.person.language)
    other = view.duo.mentor_name if view.side == "mentee" else view.duo.mentee_name
    gone = view.state in ("used", "done")
    return html(
        "link.html", lang, 410 if view.state == "expired" else status, view.branch,
        state=view.state, purpose=view.purpose, name=view.person.name, other_name=other,
        items=rules.EVALUATION_ITEMS.get(view.side, ()), questions=words.EVALUATION,
        outcomes=[(code, i18n.gettext(lang, words.OUTCOME[code])) for code in rules.OUTCOMES],
        errors={k: i18n.refusal(lang, v) for k, v in (errors or {}).items()}, values=values or {},
        thanks=gone,
    )


def _gone(call: Call) -> Response:
    lang = _lang(call, list(i18n.LANGUAGES), None)
    return html("link.html", lang, 404, None, state="gone", purpose="", name="", other_name="", items=(),
                questions={}, outcomes=[], errors={}, values={}, thanks=False)


@route(PATH, "GET", summary="A personal duo link: answer, evaluation or outcome (HTML)", roles=PUBLIC,
       page=True, tags=TAGS)
@page
def link_page(call: Call) -> Response:
    try:
        view = surveys.open_link(repos.get(), call.params["branch"], call.params["token"])
    except surveys.LinkGoneError:
        return _gone(call)
    return _render(call, view)


@route(PATH, "POST", summary="Answer through a personal duo link (form-encoded; HTML answer)", roles=PUBLIC,
       page=True, tags=TAGS)
@page
def link_submit(call: Call) -> Response:
    branch_id, token = call.params["branch"], call.params["token"]
    try:
        values = forms.parse(call.extra["request"].raw_body, get_settings().max_body_bytes)
    except forms.FormError:
        values = {}
    r = repos.get()
    try:
        view = surveys.submit(r, branch_id, token, {k: v for k, v in values.items() if isinstance(v, str)})
    except surveys.LinkGoneError:
        return _gone(call)
    except InvalidInputError as error:
        return _render(call, surveys.open_link(r, branch_id, token), 400, error.fields, values)
    except (ConflictError, NotFoundError):
        return _render(call, surveys.open_link(r, branch_id, token), 409)
    return _render(call, view)
