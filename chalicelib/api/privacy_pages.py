"""A person's own privacy pages (public, HTML, no JavaScript, phone-first, in their language).

- ``/branches/{b}/privacy``: the request form. An email address gets a mail with a privacy link for each
  person of THIS branch with that address; the answer is the same whether the address is known or not.
- ``/branches/{b}/privacy/{privacy_token}``: the person's privacy page: what we hold, "Send me a copy" (a
  mail with a one-use export link: asking is confirmed by mail), "Withdraw my consent" (with a confirmation
  step on the same page), and "I agree to the new privacy notice" when theirs is older.
- ``/branches/{b}/privacy/copy/{copy_token}``: the copy, once: a readable page of everything the branch holds,
  events included, with a one-use download of the same as JSON (or ``?format=json``: the file at once).

Forms are form-encoded, as the other public pages. The token in the path is the secret (as the duo links):
a page elsewhere cannot post to it without knowing it, so no further CSRF field is needed; the request form
can only make us mail a person their own link, at most once per address every few minutes. A token of
another branch, a duo's token or a mistyped one is 404; an expired or used one 410, with the request form.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from chalice import Response

from chalicelib.api.pages import html, page
from chalicelib.api.routing import PUBLIC, Call, route
from chalicelib.domain.branches import Branch
from chalicelib.domain.errors import ConflictError
from chalicelib.observability import metrics
from chalicelib.services import consent, privacy_links, repos
from chalicelib.services.privacy_links import BadLinkError, LinkGoneError
from chalicelib.settings import get_settings
from chalicelib.web import forms, i18n

TAGS = ("pages",)
FORM = "/branches/{branch}/privacy"
PERSON = FORM + "/{privacy_token}"
COPY = FORM + "/copy/{copy_token}"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")


def _request(call: Call) -> Any:
    return call.extra["request"]


def _query(call: Call) -> dict[str, str]:
    return dict(_request(call).query_params or {})


def _lang(call: Call, branch: Branch, preferred: str | None = None, sent: str | None = None) -> str:
    asked = sent or _query(call).get("lang") or preferred
    return i18n.negotiate(branch.languages, asked, _request(call).headers.get("accept-language"))


def _notice_url(branch: Branch, lang: str) -> str:
    return (branch.effective_config()["signup"].get("privacy_notice_url") or {}).get(lang, "")


def _values(call: Call) -> dict[str, Any]:
    try:
        return forms.parse(_request(call).raw_body, get_settings().max_body_bytes)
    except forms.FormError:
        return {}


def _form_page(call: Call, branch: Branch, lang: str, status: int, state: str, form_url: str, *,
               errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Response:
    from chalicelib.web import privacy_labels as words

    return html("privacy.html", lang, status, branch, state=state, form_url=form_url,
                errors={k: i18n.refusal(lang, v) for k, v in (errors or {}).items()},
                values={"email": (values or {}).get("email", "")} if errors else {},
                notice=i18n.gettext(lang, words.NOTICE["requested"]) if state == "sent" else "",
                privacy_notice_url=_notice_url(branch, lang))


def _link_failed(call: Call, error: Exception, form_url: str) -> Response:
    """A bad link (404) or a gone one (410): say so, and offer the request form for a new link."""
    branch = repos.get().branches.get(call.params["branch"])
    lang = _lang(call, branch)
    if isinstance(error, LinkGoneError):
        return _form_page(call, branch, lang, 410, error.state, form_url)
    return _form_page(call, branch, lang, 404, "bad_link", form_url)


# --- The request form ----------------------------------------------------------------------------------
@route(FORM, "GET", summary="Your data with us: ask for a link to your privacy page (HTML)", roles=PUBLIC,
       page=True, tags=TAGS)
@page
def privacy_form(call: Call) -> Response:
    branch = repos.get().branches.get(call.params["branch"])
    return _form_page(call, branch, _lang(call, branch), 200, "form", "")


@route(FORM, "POST", summary="Ask for a link to your privacy page by mail (form-encoded; HTML answer, the same "
       "whether the address is known or not)", roles=PUBLIC, page=True, tags=TAGS)
@page
def privacy_request(call: Call) -> Response:
    branch = repos.get().branches.get(call.params["branch"])
    request = _request(call)
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    values = _values(call) if content_type == "application/x-www-form-urlencoded" else {}
    lang = _lang(call, branch, sent=values.get("lang"))
    email = str(values.get("email") or "").strip()
    if not email or not _EMAIL.match(email):
        from chalicelib.web import privacy_labels as words

        return _form_page(call, branch, lang, 400, "form", "", values=values,
                          errors={"email": words.EMAIL_MISSING if not email else words.EMAIL_INVALID})
    if values.get("website"):  # the trap for robots: answer as usual, send nothing
        metrics.add_metric(name="PrivacyRequestTrapped", unit="Count", value=1)
    else:
        privacy_links.request_link(repos.get(), branch.id, email)
    return _form_page(call, branch, lang, 200, "sent", "")


# --- The person's privacy page -------------------------------------------------------------------------
def _summary(view: privacy_links.PrivacyPage, lang: str) -> list[tuple[str, str]]:
    """What we hold, in short: their contact details and where they are (the copy has everything)."""
    from chalicelib.web import privacy_labels as words

    person = view.candidate
    reader = words.reader_for(lang, view.branch)
    rows = [
        ("name", person.name), ("email", person.email), ("phone", person.phone), ("birth_date", person.birth_date),
        ("postcode", person.postcode), ("city", person.city),
        ("languages", [{"code": x.code, "level": x.level} for x in person.languages]),
        ("role", person.role.value), ("status", person.status.value), ("consent", view.consent.consent),
    ]
    return [(reader.name(key, words.PERSON), reader.value(value, key)) for key, value in rows]


def _person_page(call: Call, view: privacy_links.PrivacyPage, lang: str | None = None, status: int = 200, *,
                 notice: str = "", confirm: bool = False, errors: dict[str, str] | None = None) -> Response:
    from chalicelib.web import privacy_labels as words

    lang = lang or _lang(call, view.branch, view.candidate.language)
    withdrawn_at = view.consent.consent.get("withdrawn_at") or ""
    return html(
        "privacy_person.html", lang, status, view.branch, person=view.candidate, summary=_summary(view, lang),
        outdated=view.outdated, required=view.required, withdrawn=words.reader_for(lang, view.branch).value(
            withdrawn_at) if withdrawn_at else "",
        confirm_withdraw=confirm, notice=i18n.gettext(lang, words.NOTICE[notice]) if notice else "",
        errors={k: i18n.refusal(lang, v) for k, v in (errors or {}).items()},
        privacy_notice_url=_notice_url(view.branch, lang),
    )


@route(PERSON, "GET", summary="Your privacy page: what we hold, a copy, your consent (HTML)", roles=PUBLIC,
       page=True, tags=TAGS)
@page
def privacy_page(call: Call) -> Response:
    try:
        view = privacy_links.open_page(repos.get(), call.params["branch"], call.params["privacy_token"])
    except (BadLinkError, LinkGoneError) as error:
        return _link_failed(call, error, "../privacy")
    return _person_page(call, view)


@route(PERSON, "POST", summary="Through your privacy page: send me a copy, withdraw or give consent "
       "(form-encoded; HTML answer)", roles=PUBLIC, page=True, tags=TAGS)
@page
def privacy_action(call: Call) -> Response:
    r, branch_id, token = repos.get(), call.params["branch"], call.params["privacy_token"]
    values = _values(call)
    try:
        view = privacy_links.open_page(r, branch_id, token)
    except (BadLinkError, LinkGoneError) as error:
        return _link_failed(call, error, "../privacy")
    lang = _lang(call, view.branch, view.candidate.language, values.get("lang"))
    action = values.get("action")
    who = view.candidate.id
    if action == "copy":
        privacy_links.send_copy(r, view.link)
        return _person_page(call, view, lang, notice="copy_sent")
    if action == "withdraw":
        if values.get("confirm") != "yes":
            return _person_page(call, view, lang, confirm=not view.consent.withdrawn)
        consent.withdraw_consent(r, branch_id, who, via="privacy_page")
        return _person_page(call, privacy_links.open_page(r, branch_id, token), lang, notice="withdrawn")
    if action == "consent" and not view.consent.withdrawn:
        try:
            consent.give_consent(r, branch_id, who, version=view.notice_version, language=lang)
        except ConflictError:  # withdrawn meanwhile
            return _person_page(call, privacy_links.open_page(r, branch_id, token), lang, 409)
        return _person_page(call, privacy_links.open_page(r, branch_id, token), lang, notice="consent_given")
    from chalicelib.web import privacy_labels as words

    return _person_page(call, view, lang, 400, errors={"action": words.ACTION_UNKNOWN})


# --- The copy ------------------------------------------------------------------------------------------
def _file(copy: privacy_links.Copy) -> Response:
    on = str(copy.data.get("exported_at", ""))[:10] or "copy"
    name = f"duo-{copy.branch.id}-my-data-{on}.json"
    return Response(
        body=json.dumps(copy.data, ensure_ascii=False, indent=2, sort_keys=False, default=str),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"},
    )


@route(COPY, "GET", summary="A copy of your data, once: a readable page, or ?format=json for the file",
       roles=PUBLIC, page=True, tags=TAGS)
@page
def privacy_copy(call: Call) -> Response:
    from chalicelib.web import privacy_labels as words

    as_file = _query(call).get("format") == "json"
    try:
        copy = privacy_links.open_copy(repos.get(), call.params["branch"], call.params["copy_token"],
                                       as_file=as_file)
    except (BadLinkError, LinkGoneError) as error:
        return _link_failed(call, error, "../../privacy")
    if as_file or not copy.download_token:
        return _file(copy)
    lang = _lang(call, copy.branch, copy.candidate.language)
    reader = words.reader_for(lang, copy.branch)
    # The page opens once: no language switch (it would open the link again); it is in their language.
    single = dataclasses.replace(copy.branch, languages=[lang])
    return html("privacy_copy.html", lang, 200, single, sections=words.readable(copy.data, lang, copy.branch),
                exported_on=reader.value(str(copy.data.get("exported_at", "")) or None),
                download_url=f"{copy.download_token}?format=json")
