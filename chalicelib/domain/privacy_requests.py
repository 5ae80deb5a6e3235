"""Requests a person makes about their data (GDPR articles 15-18), and the staff's audit of reads (pure).

A request is recorded when it arrives (from the person through their privacy link, or typed in by staff
who received it by mail, phone or at the desk), is due one calendar month after it was received (article
12(3)), shows in the branch's task list until it is done (or refused, with a reason code), and is kept
as the branch's proof that it answered: ids, codes and dates only, never the person's data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.domain.duos import add_months
from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.texts import N_


class RequestKind(StrEnum):
    ACCESS = "access"  # a copy of their data (article 15; the export, article 20)
    ERASURE = "erasure"  # article 17
    RESTRICTION = "restriction"  # article 18: keep, but do not process
    RECTIFICATION = "rectification"  # article 16: correct their contact details


class RequestStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"  # with a note saying why (a code or a short staff note)


class RequestSource(StrEnum):
    STAFF = "staff"  # received by staff and recorded by them
    CANDIDATE = "candidate"  # the person's own privacy page


CLOSED_STATUSES = (RequestStatus.DONE, RequestStatus.REFUSED)
ANSWER_WITHIN_MONTHS = 1
NOTE_MAX = 200  # a code or a short staff note: never the person's data


class AuditAction(StrEnum):
    """What a staff member did with a person's data, as the access audit records it."""

    READ_PERSON = "read_person"
    READ_EVENTS = "read_events"
    EXPORT = "export"
    ERASE = "erase"
    RESTRICT = "restrict"
    CORRECT = "correct"


REASON_MAX = 200  # the optional "why" of a read


# The request kind that each action on a person answers (a route given ``request_id`` completes it).
ANSWERS = {
    AuditAction.EXPORT: (RequestKind.ACCESS,),
    AuditAction.ERASE: (RequestKind.ERASURE,),
    AuditAction.RESTRICT: (RequestKind.RESTRICTION,),
    AuditAction.CORRECT: (RequestKind.RECTIFICATION,),
}


@dataclass(frozen=True)
class Request:
    id: str
    branch: str
    kind: RequestKind
    candidate_id: str
    source: RequestSource
    status: RequestStatus
    received_at: str  # UTC ISO 8601
    due_on: str  # ISO date: one calendar month after it was received
    done_at: str = ""
    done_by: str = ""
    note: str = ""
    opened_by: str = ""  # a staff id, or "candidate"

    @property
    def open(self) -> bool:
        return self.status is RequestStatus.OPEN

    def overdue(self, today: date) -> bool:
        return self.open and today > date.fromisoformat(self.due_on)

    def sort_key(self) -> tuple[bool, str, str]:
        """Open first, then the earliest due."""
        return (not self.open, self.due_on, self.id)


def due_on(received: date) -> date:
    """One calendar month after the day received (31 January: 28 or 29 February)."""
    return add_months(received, ANSWER_WITHIN_MONTHS)


def check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInputError(N_("Some fields are not valid."), {"note": N_("Use at most %(count)s characters.",
                                                                               count=NOTE_MAX)})
    return note


def new_request(request_id: str, branch: str, *, kind: str, candidate_id: str, source: str, received_at: str,
                opened_by: str, note: str = "") -> Request:
    """A request as it arrives (``received_at``: UTC ISO); 400 at the field for an unknown kind or source."""
    fields: dict[str, str] = {}
    if kind not in {k.value for k in RequestKind}:
        fields["kind"] = N_("Choose one of: %(values)s.", values=", ".join(k.value for k in RequestKind))
    if source not in {s.value for s in RequestSource}:
        fields["source"] = N_("Choose one of: %(values)s.", values=", ".join(s.value for s in RequestSource))
    if fields:
        raise InvalidInputError(N_("Some fields are not valid."), fields)
    received = date.fromisoformat(received_at[:10])
    return Request(request_id, branch, RequestKind(kind), candidate_id, RequestSource(source), RequestStatus.OPEN,
                   received_at, due_on(received).isoformat(), note=check_note(note), opened_by=opened_by)


def close(request: Request, *, status: str, at: str, by: str, note: str = "") -> Request:
    """The request answered (``done``) or refused: 409 ``request_not_open`` when it was closed before."""
    if status not in {s.value for s in CLOSED_STATUSES}:
        raise InvalidInputError(N_("Some fields are not valid."), {"status": N_("Choose done or refused.")})
    if not request.open:
        raise ConflictError(N_("This request is %(status)s already.",
                                status=request.status.value), code="request_not_open")
    return replace(request, status=RequestStatus(status), done_at=at, done_by=by,
                   note=check_note(note) or request.note)


def check_answers(request: Request, action: AuditAction, candidate_id: str) -> None:
    """A request named in an action on a person must be about that person and of the kind the action
    answers (400 at ``request_id``), and still open (409)."""
    if request.candidate_id != candidate_id:
        raise InvalidInputError(N_("Some fields are not valid."),
                                {"request_id": N_("This request is about someone else.")})
    if request.kind not in ANSWERS.get(action, ()):
        raise InvalidInputError(N_("Some fields are not valid."),
                                {"request_id": N_("This request asks for %(kind)s, not this.",
                                                   kind=request.kind.value)})
    if not request.open:
        raise ConflictError(N_("This request is %(status)s already.",
                                status=request.status.value), code="request_not_open")


def check_reason(reason: str | None) -> str:
    """The optional reason a staff member gives for a read: at most ``REASON_MAX`` characters, one line."""
    text = " ".join((reason or "").split())
    if len(text) > REASON_MAX:
        raise InvalidInputError(N_("Some fields are not valid."), {"reason": N_("Use at most %(count)s characters.",
                                                                                 count=REASON_MAX)})
    return text


@dataclass(frozen=True)
class AuditEntry:
    """One access to a person's data by staff: who, when, which person, what, and why if they said."""

    id: str
    at: str  # UTC ISO 8601
    staff_id: str
    candidate_id: str
    action: AuditAction
    reason: str = ""

    @property
    def month(self) -> str:
        return self.at[:7]


# --- Rectification (article 16): the contact details staff may correct, checked as the signup checks them ---
CONTACT_FIELDS = ("name", "email", "phone", "postcode", "city", "birth_date", "language")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,20}$")
_POSTCODE = re.compile(r"^[A-Za-z0-9 -]{3,10}$")


def check_contact(changes: dict[str, Any], *, languages: list[str] | tuple[str, ...], today: date) -> dict[str, str]:
    """The corrected values, stripped (``birth_date`` as an ISO date): 400 with a message at each field that
    the signup form would refuse (``languages``: the branch's; ``today``: no birth date after it)."""
    fields: dict[str, str] = {}
    out: dict[str, str] = {}
    for name, value in changes.items():
        if name not in CONTACT_FIELDS:
            fields[name] = N_("This field cannot be corrected here.")
            continue
        text = (value.isoformat() if isinstance(value, date) else str(value if value is not None else "")).strip()
        problem = _contact_problem(name, text, languages, today)
        if problem:
            fields[name] = problem
        else:
            out[name] = text
    if fields:
        raise InvalidInputError(N_("Some fields are not valid."), fields)
    return out


def _contact_problem(name: str, text: str, languages: list[str] | tuple[str, ...], today: date) -> str:
    if name in ("name", "city"):
        most = 200 if name == "name" else 80
        if not text:
            return "This field is required."
        if len(text) > most:
            return f"Use at most {most} characters."
        return "Use letters, digits and punctuation only." if _CONTROL.search(text) else ""
    if name == "email":
        ok = 3 <= len(text) <= 254 and _EMAIL.match(text)
        return "" if ok else "Give an email address such as name@example.org."
    if name == "phone":
        return "" if _PHONE.match(text) else "Give a phone number of 6 to 20 digits, spaces or + ( ) . / -."
    if name == "postcode":
        return "" if _POSTCODE.match(text) else "Give a postcode of 3 to 10 letters, digits, spaces or hyphens."
    if name == "birth_date":
        try:
            born = date.fromisoformat(text)
        except ValueError:
            return "Give a date such as 2001-04-02."
        return "" if date(1900, 1, 1) <= born <= today else "This date of birth is not possible."
    if name == "language":
        return "" if text in languages else f"Choose one of the branch's languages: {', '.join(languages)}."
    return ""
