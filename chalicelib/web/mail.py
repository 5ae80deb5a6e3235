"""Plain-text mails from ``templates/mail/<name>.txt``: the first line is the subject, the rest the body."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.web.pages import environment

MAILS = (
    "confirmation",
    "already_registered",
    "reminder",
    "session_changed",
    "session_cancelled",
    "registration_cancelled",
    # duos (part B)
    "duo_answer",
    "duo_answer_reminder",
    "duo_evaluation",
    "duo_evaluation_reminder",
    "duo_outcome",
    "duo_no_meeting",
    # privacy (issue 8): the privacy page, a copy of one's data, withdrawal, a new privacy notice
    "privacy_link",
    "privacy_copy",
    "privacy_withdrawn",
    "privacy_consent",
)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def render_mail(mail: str, lang: str, /, **context: Any) -> tuple[str, str]:
    """``(subject, text)`` of ``mail`` in ``lang``; the context holds ``branch``, ``name`` (the candidate's)
    and the mail's own (see the contract). Positional-only, so that ``name`` may be in the context."""
    if mail not in MAILS:
        raise ValueError(f"unknown mail {mail!r}")
    text = environment(lang).get_template(f"mail/{mail}.txt").render(**context)
    subject, _, body = text.strip().partition("\n")
    # A subject is one line whatever the data holds (no header injection through a name).
    subject = " ".join(subject.split())
    body = _BLANK_LINES.sub("\n\n", body.strip()) + "\n"
    return subject, body
