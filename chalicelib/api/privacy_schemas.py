"""Bodies, queries and answers of the privacy routes (issue 8): requests, export, erasure, restriction,
correction, the access audit and the head office's audit counts."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from chalicelib.api.people_schemas import EventsQuery, Version
from chalicelib.api.schemas import Email, Language, Out, PageQuery, Strict, Text
from chalicelib.domain.privacy_requests import NOTE_MAX, REASON_MAX, AuditAction, RequestKind, RequestStatus
from chalicelib.domain.texts import N_

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]
Note = Annotated[str, Field(max_length=NOTE_MAX, description="A code or a short staff note: never the person's "
                                                             "data.")]
Reason = Annotated[str, Field(max_length=REASON_MAX, description="Why the data is read (kept in the access audit); "
                                                                 "also as the X-Access-Reason header.")]
Month = Annotated[str, Field(pattern=r"^20\d\d-(0[1-9]|1[0-2])$", description="A month such as 2026-11.")]
KindName = Literal[tuple(k.value for k in RequestKind)]  # type: ignore[valid-type]
StatusName = Literal[tuple(s.value for s in RequestStatus)]  # type: ignore[valid-type]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --- Reads of a person (audited) ---
class PersonReadQuery(Strict):
    reason: Reason = ""


class EventsReadQuery(EventsQuery):
    reason: Reason = ""


class ExportQuery(Strict):
    request_id: Id | None = Field(None, description="The access request this copy answers (completed by it).")
    reason: Reason = ""


# --- Requests ---
class RequestIn(Strict):
    kind: KindName
    candidate_id: Id
    note: Note = ""


class RequestsQuery(Strict):
    status: StatusName | None = Field(None, description="Only the requests in this status (default: all, open "
                                                        "first).")
    candidate_id: Id | None = None


class CompleteIn(Strict):
    status: Literal["done", "refused"] = "done"
    note: Note = Field("", description="Why it was refused, or how it was answered (a code or a short note).")


class RequestOut(Out):
    id: str
    kind: KindName
    candidate_id: str
    source: Literal["staff", "candidate"]
    status: StatusName
    received_at: str = Field(description="UTC, ISO 8601.")
    due_on: str = Field(description="One calendar month after it was received (ISO date).")
    overdue: bool
    done_at: str
    done_by: str
    note: str
    opened_by: str


class RequestList(Out):
    items: list[RequestOut]


# --- Actions on a person ---
class EraseIn(Strict):
    confirm: Annotated[str, Field(max_length=64, description="The person's id, typed again to confirm.")]
    request_id: Id | None = Field(None, description="The erasure request this answers (completed by it).")


class ErasureOut(Out):
    candidate_id: str
    deleted: int = Field(description="Items removed.")
    scrubbed: int = Field(description="Events and duos whose personal fields were removed.")
    already_erased: bool
    request: RequestOut | None = None


class RestrictIn(Strict):
    restricted: bool = Field(description="true restricts the processing of the person's data; false lifts it.")
    request_id: Id | None = Field(None, description="The restriction request this answers (completed by it).")


class CorrectionIn(Strict):
    """The contact details to correct (any of them), checked as the signup form checks them."""

    version: Version
    request_id: Id | None = Field(None, description="The rectification request this answers (completed by it).")
    name: Text = None  # type: ignore[assignment]
    email: Email = None  # type: ignore[assignment]
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ()./-]{6,20}$")] = None  # type: ignore[assignment]
    postcode: Annotated[str, Field(pattern=r"^[A-Za-z0-9 -]{3,10}$")] = None  # type: ignore[assignment]
    city: Annotated[str, Field(min_length=1, max_length=80)] = None  # type: ignore[assignment]
    birth_date: date = None  # type: ignore[assignment]
    language: Language = Field(None, description="The language we write to them in (one of the branch's).")

    @field_validator("name", "city")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        if value is not None and _CONTROL.search(value):
            raise ValueError(N_("Use letters, digits and punctuation only."))
        return value

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value is not None and (value < date(1900, 1, 1) or value > date.today()):
            raise ValueError(N_("This date of birth is not possible."))
        return value

    @model_validator(mode="after")
    def _something(self) -> CorrectionIn:
        if not self.changes() and not self.request_id:
            raise ValueError(N_("Give at least one detail to correct."))
        return self

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"version", "request_id"}, exclude_none=True).items()}


# --- The access audit ---
class AuditQuery(PageQuery):
    candidate_id: Id | None = Field(None, description="One person's entries (all months, or `month`'s).")
    month: Month | None = Field(None, description="One month's entries (default without a person: this month).")


class AuditEntryOut(Out):
    id: str
    at: str = Field(description="UTC, ISO 8601.")
    staff_id: str
    candidate_id: str
    action: Literal[tuple(a.value for a in AuditAction)]  # type: ignore[valid-type]
    reason: str


class AuditPage(Out):
    items: list[AuditEntryOut]
    next: str | None = Field(None, description="Pass as ?cursor= for the next page.")


class AuditCountOut(Out):
    branch: str
    month: str
    entries: int = Field(description="How many accesses were recorded (counts only: no person, no staff).")


class AuditSummaryOut(Out):
    items: list[AuditCountOut]


# --- The export (documentation of the JSON attachment) ---
class ExportOut(Out):
    model_config = ConfigDict(extra="allow", defer_build=True)

    format: str = Field(description="duo.person-export/1")
    branch: dict[str, Any]
    exported_at: str
    person: dict[str, Any]
    registrations: list[dict[str, Any]]
    duos: list[dict[str, Any]]
    events: list[dict[str, Any]]
    requests: list[dict[str, Any]]
