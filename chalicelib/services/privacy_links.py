"""A person's privacy links: their privacy page (what we hold, a copy, withdraw or give consent), and the
one-use link to the copy itself, without signing in.

A link is 192 random bits (``secrets.token_hex(24)``, path-safe) that only the mail holds; the table keeps
its sha256 in an item that says what the link is for (``purpose``), whose it is (``candidate_id``), in which
branch (the item's partition), until when it works (``valid_until``) and whether it was used (``used_at``).
A token is looked up under the branch of the URL only, so another branch's token, a duo's token, a mistyped
or a forgotten one is the same 404 (no oracle); a known one past its time, or used, is a 410 page.

Why this is at least as strong as a signed token (an HMAC or JWT carrying purpose, person and expiry):
- Nothing to guess: 192 bits from the OS's CSPRNG, against a 256-bit hash; the table never holds the token,
  so a leak of the table (a backup, an export) gives no working link either.
- No key to leak or rotate: a signed token is only as safe as its signing key, which would live in the
  Lambda's environment or a secret store and would forge links for every person of every branch at once.
- Revocable: deleting the item (or the person: erasure removes the candidate, and a link to nobody is a 404)
  ends a link now, where a signed token works until it expires unless a deny-list is kept, which is a table
  lookup anyway.
- Scoped in the item, not in what the bearer sends: purpose, person, branch and expiry are read from the
  table, so changing any part of the URL (the branch, the purpose) finds nothing, and a one-use link is
  marked used in a conditional write, so two requests at once cannot both use it.

Purposes: ``privacy`` (the privacy page, 12 months, reusable: every mail to a person carries a fresh one),
``export`` (the copy, 24 hours, one use: mailed from the privacy page, so asking for a copy is confirmed by
mail) and ``download`` (the copy as a JSON file, from the page the export link opened: one use, until the
export link's own end).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.domain.branches import Branch
from chalicelib.domain.candidates import Candidate
from chalicelib.domain.errors import DuoError, NotFoundError
from chalicelib.domain.events import CANDIDATE_ACTOR, Event
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services import clock
from chalicelib.services.links import digest
from chalicelib.services.repos import Repos
from chalicelib.settings import get_settings
from chalicelib.store.consent import ConsentRepository, ConsentRow
from chalicelib.store.links import Link

VALIDITY = {"privacy": timedelta(days=365), "export": timedelta(hours=24), "download": timedelta(hours=24)}
REUSABLE = frozenset({"privacy"})
_TOKEN = re.compile(r"[0-9a-f]{48}")


class BadLinkError(NotFoundError):
    """Unknown, mistyped, another branch's or another purpose's link: the same 404 whichever."""

    code = "link_not_valid"


class LinkGoneError(DuoError):
    """A real link of this person that no longer works: expired, or used (one-use links). Answered 410."""

    code = "link_gone"

    def __init__(self, message: str, state: str) -> None:
        super().__init__(message, code=f"link_{state}")
        self.state = state  # expired | used


@dataclass(frozen=True)
class PrivacyLink:
    """A resolved link: whose it is, in which branch, what for, and the token it came with."""

    branch: str
    candidate_id: str
    purpose: str
    token: str
    valid_until: str


def new_token() -> tuple[str, str]:
    """192 random bits as 48 hex characters (path-safe), and the digest the table keeps."""
    token = secrets.token_hex(24)
    return token, digest(token)


def mint(repos: Repos, branch_id: str, candidate_id: str, purpose: str, valid_until: str | None = None) -> str:
    """A new link of ``purpose`` for the person; returns the token (only the mail holds it).
    ``valid_until``: an earlier end than the purpose's own (a download ends with its export link)."""
    if purpose not in VALIDITY:
        raise ValueError(f"unknown privacy link purpose {purpose!r}")
    token, hashed = new_token()
    until = clock.iso(clock.now() + VALIDITY[purpose])
    if valid_until and valid_until < until:
        until = valid_until
    repos.links.add(Link(branch_id, hashed, purpose, "", "", until, None, candidate_id))
    return token


def resolve(repos: Repos, branch_id: str, token: str, purpose: str | tuple[str, ...]) -> PrivacyLink:
    """The link behind ``token`` in ``branch_id`` for ``purpose`` (one, or any of several).

    Raises BadLinkError (404) unless the token is a privacy link of this branch and purpose; LinkGoneError
    (410) when it expired, or when a one-use link was used. Does not use it (see ``use``)."""
    purposes = (purpose,) if isinstance(purpose, str) else purpose
    if not _TOKEN.fullmatch(token or ""):
        raise BadLinkError(N_("This link is not valid."))
    link = repos.links.get(branch_id, digest(token))
    if link is None or link.purpose not in purposes or not link.candidate_id:
        raise BadLinkError(N_("This link is not valid."))
    if link.used_at and link.purpose not in REUSABLE:
        raise LinkGoneError(N_("This link has been used."), "used")
    if link.valid_until <= clock.now_iso():
        raise LinkGoneError(N_("This link has expired."), "expired")
    return PrivacyLink(branch_id, link.candidate_id, link.purpose, token, link.valid_until)


def use(repos: Repos, link: PrivacyLink) -> None:
    """Mark a one-use link used (a conditional write: of two requests at once, one wins, the other gets 410)."""
    if link.purpose in REUSABLE:
        return
    if not repos.links.use(link.branch, digest(link.token), clock.now_iso()):
        raise LinkGoneError(N_("This link has been used."), "used")
    logger.info("privacy link used", extra={"purpose": link.purpose})


def privacy_url(branch_id: str, token: str, lang: str) -> str:
    return f"{get_settings().public_url}/branches/{branch_id}/privacy/{token}?lang={lang}"


def copy_url(branch_id: str, token: str, lang: str) -> str:
    return f"{get_settings().public_url}/branches/{branch_id}/privacy/copy/{token}?lang={lang}"


# --- What the privacy pages do -----------------------------------------------------------------------------
REQUEST_EVERY = timedelta(minutes=15)  # one mail per address and branch this often, whatever the form receives


def mail_link(repos: Repos, branch: Branch, candidate: Candidate | ConsentRow, mail: str, **context: Any) -> bool:
    """Mail ``candidate`` (their ``id``, ``email``, ``name``, ``language``) a fresh privacy link in the body of
    ``mail`` (``link_url``), in their language. Never raises: a mail that cannot be made or sent is logged and
    counted (see ``notify.send``)."""
    from chalicelib.services import notify

    lang = language_of(branch, candidate.language)
    try:
        token = mint(repos, branch.id, candidate.id, "privacy")
    except Exception as error:
        logger.error("privacy link not made", extra={"mail": mail, "error": type(error).__name__})
        return False
    return notify.send(repos, mail, candidate.email, lang, branch=branch, name=candidate.name,
                       link_url=privacy_url(branch.id, token, lang), **context)


def request_link(repos: Repos, branch_id: str, email: str) -> int:
    """The request form: mail a privacy link to each person of THIS branch with ``email`` (a mentee and a
    mentor record may share one). Returns how many were mailed, which the page never shows: the answer is the
    same whether the address is known or not. An address gets at most one mail per ``REQUEST_EVERY``."""
    branch = repos.branches.get(branch_id)
    now = clock.now()
    store = ConsentRepository(repos.scopes)
    if not store.claim_request(branch_id, email, now, now + REQUEST_EVERY):
        logger.info("privacy link request held back", extra={"reason": "asked_recently"})
        return 0
    mailed = 0
    for candidate_id in store.owners_of(branch_id, email):
        try:
            candidate = repos.candidates.get(branch_id, candidate_id)
        except NotFoundError:
            continue
        mailed += mail_link(repos, branch, candidate, "privacy_link")
    metrics.add_metric(name="PrivacyLinkRequested", unit="Count", value=1)
    logger.info("privacy link requested", extra={"mailed": mailed})
    return mailed


def send_copy(repos: Repos, link: PrivacyLink) -> bool:
    """"Send me a copy": mail the person a one-use export link (asking is confirmed by mail: only someone who
    reads their mail opens the copy)."""
    from chalicelib.services import notify

    branch = repos.branches.get(link.branch)
    candidate = repos.candidates.get(link.branch, link.candidate_id)
    lang = language_of(branch, candidate.language)
    token = mint(repos, link.branch, link.candidate_id, "export")
    ConsentRepository(repos.scopes).record(link.branch, Event(
        "privacy.copy_sent", "candidate", link.candidate_id, CANDIDATE_ACTOR, clock.now_iso(), (),
        {"role": candidate.role.value}))
    logger.info("privacy copy link sent", extra={"candidate_id": link.candidate_id})
    return notify.send(repos, "privacy_copy", candidate.email, lang, branch=branch, name=candidate.name,
                       link_url=copy_url(link.branch, token, lang), privacy=(link.branch, link.candidate_id))


@dataclass
class Copy:
    """What an export link opens: everything the branch holds on the person, and (for the readable page) a
    one-use link to the same as a file."""

    branch: Branch
    candidate: Candidate
    data: dict[str, Any]
    download_token: str = ""


def open_copy(repos: Repos, branch_id: str, token: str, *, as_file: bool) -> Copy:
    """Open an export link (the readable page, or ``as_file``) or a download link (always the file), once.
    The copy is made before the link is used, so a failure leaves the link working."""
    from chalicelib.services import personal_data  # H3's export

    link = resolve(repos, branch_id, token, ("export", "download"))
    branch = repos.branches.get(branch_id)
    try:
        candidate = repos.candidates.get(branch_id, link.candidate_id)
    except NotFoundError:
        raise BadLinkError(N_("This link is not valid.")) from None  # erased meanwhile: nothing left to show
    data = personal_data.export_person(repos, branch_id, link.candidate_id)
    use(repos, link)
    download = ""
    if link.purpose == "export" and not as_file:
        download = mint(repos, branch_id, link.candidate_id, "download", valid_until=link.valid_until)
    metrics.add_metric(name="PrivacyCopyOpened", unit="Count", value=1)
    logger.info("privacy copy opened", extra={"candidate_id": link.candidate_id, "file": as_file or not download})
    return Copy(branch, candidate, data, download)


def language_of(branch: Branch, preferred: str) -> str:
    return preferred if preferred in branch.languages else branch.languages[0]


@dataclass
class PrivacyPage:
    """What the person's privacy page shows: their record, their consent, and whether a newer privacy notice
    asks for their consent (``outdated``; ``required``: the branch needs it)."""

    link: PrivacyLink
    branch: Branch
    candidate: Candidate
    consent: ConsentRow
    notice_version: str
    outdated: bool
    required: bool


def open_page(repos: Repos, branch_id: str, token: str) -> PrivacyPage:
    """The privacy page behind a privacy link (404 when the person is gone: erased)."""
    from chalicelib.services import consent

    link = resolve(repos, branch_id, token, "privacy")
    branch = repos.branches.get(branch_id)
    try:
        candidate = repos.candidates.get(branch_id, link.candidate_id)
        row = ConsentRepository(repos.scopes).get(branch_id, link.candidate_id)
    except NotFoundError:
        raise BadLinkError(N_("This link is not valid.")) from None
    version = consent.current_version(branch)
    outdated = not row.withdrawn and str(row.consent.get("version", "")) != version
    return PrivacyPage(link, branch, candidate, row, version, outdated, consent.reconsent_required(branch))
