"""Mails to candidates: rendered from the web layer's templates in their language, sent through SES.

A mail that cannot be sent never undoes what was registered: it is logged (without the address or
anything personal) and counted, and the caller goes on. Every mail to a candidate carries their privacy
link in its footer (``privacy=(branch, candidate)``).
"""

from __future__ import annotations

from typing import Any

from chalicelib.observability import logger, metrics
from chalicelib.services import privacy_links
from chalicelib.services.repos import Repos
from chalicelib.settings import get_settings


def manage_url(branch: str, candidate_id: str, token: str, lang: str) -> str:
    return f"{get_settings().public_url}/branches/{branch}/registrations/{candidate_id}?token={token}&lang={lang}"


def signup_url(branch: str, lang: str) -> str:
    return f"{get_settings().public_url}/branches/{branch}/signup?lang={lang}"


def send(repos: Repos, mail: str, to: str, lang: str, *, privacy: tuple[str, str] | None = None,
         **context: Any) -> bool:
    """Render ``mail`` in ``lang`` and send it to ``to``; True when sent.

    ``privacy``: ``(branch_id, candidate_id)`` of the candidate the mail is for: a fresh privacy link of theirs
    goes in the footer (``privacy_url``), where they can see, copy or stop what we hold on them."""
    if privacy:
        try:
            token = privacy_links.mint(repos, privacy[0], privacy[1], "privacy")
            context["privacy_url"] = privacy_links.privacy_url(privacy[0], token, lang)
        except Exception as error:  # the mail goes without the footer link rather than not at all
            logger.error("privacy link not made", extra={"mail": mail, "error": type(error).__name__})
    try:
        from chalicelib.web.mail import render_mail  # templates load on first mail, not at cold start

        subject, text = render_mail(mail, lang, **context)
        repos.mailer.send(to, subject, text)
    except Exception as error:
        logger.error("mail not sent", extra={"mail": mail, "error": type(error).__name__})
        metrics.add_metric(name="MailFailed", unit="Count", value=1)
        return False
    metrics.add_metric(name="MailSent", unit="Count", value=1)
    return True
