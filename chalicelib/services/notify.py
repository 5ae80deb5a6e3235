"""Mails to candidates: rendered from the web layer's templates in their language, sent through SES.

A mail that cannot be sent never undoes what was registered: it is logged (without the address or
anything personal) and counted, and the caller goes on.
"""

from __future__ import annotations

from typing import Any

from chalicelib.observability import logger, metrics
from chalicelib.services.repos import Repos
from chalicelib.settings import get_settings


def manage_url(branch: str, candidate_id: str, token: str, lang: str) -> str:
    return f"{get_settings().public_url}/branches/{branch}/registrations/{candidate_id}?token={token}&lang={lang}"


def signup_url(branch: str, lang: str) -> str:
    return f"{get_settings().public_url}/branches/{branch}/signup?lang={lang}"


def send(repos: Repos, mail: str, to: str, lang: str, **context: Any) -> bool:
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
