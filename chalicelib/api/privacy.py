"""Personal data over the JSON API (issue 8): privacy requests, a person's export, erasure, restriction and
correction, the access audit, and the head office's audit counts.

Thin: the services do the work (``services.privacy_requests``, ``services.people``, ``services.audit``,
``services.personal_data``). Every read of a person by staff is written to the access audit with the reason
given (``?reason=`` or the ``X-Access-Reason`` header, at most 200 characters): ``record_read`` is what the
people routes and the console's person page call.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date
from typing import Any

from chalice import Response

from chalicelib.api.people_schemas import PersonOut
from chalicelib.api.privacy_schemas import (
    AuditCountOut,
    AuditEntryOut,
    AuditPage,
    AuditQuery,
    AuditSummaryOut,
    CompleteIn,
    CorrectionIn,
    EraseIn,
    ErasureOut,
    ExportOut,
    ExportQuery,
    RequestIn,
    RequestList,
    RequestOut,
    RequestsQuery,
    RestrictIn,
)
from chalicelib.api.routing import Call, route
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.privacy_requests import AuditEntry, Request, check_reason
from chalicelib.domain.roles import STAFF_ROLES, Role
from chalicelib.services import audit, clock, people, privacy_requests, repos

STAFF = frozenset(STAFF_ROLES)
ADMIN = frozenset({Role.BRANCH_ADMIN})
TAGS = ("personal data",)
REQUESTS = "/branches/{branch}/privacy/requests"
CANDIDATE = "/branches/{branch}/candidates/{candidate_id}"  # the person's own resource (api/people.py)
REASON_HEADER = "x-access-reason"


# --- The access audit of reads ------------------------------------------------------------------------------
def access_reason(call: Call) -> str:
    """The reason a staff member gave for reading a person: the query's ``reason`` (validated by the route's
    query model, or read from the page's own query), else the ``X-Access-Reason`` header; 400 over 200
    characters."""
    reason = getattr(call.query, "reason", None) if call.query is not None else None
    if reason is None and call.extra.get("request") is not None:
        reason = (call.extra["request"].query_params or {}).get("reason")
    if not reason and call.headers is not None:
        reason = call.headers.get(REASON_HEADER) or ""
    return check_reason(reason)


def actor_id(call: Call) -> str:
    return call.principal.staff_id or call.principal.subject


def record_read(call: Call, candidate_id: str, action: str) -> None:
    """Write a read of ``candidate_id`` by the caller to the access audit (after the read succeeded)."""
    audit.record(repos.get(), call.params["branch"], staff_id=actor_id(call), candidate_id=candidate_id,
                 action=action, reason=access_reason(call))


# --- Shaping ------------------------------------------------------------------------------------------------
def request_out(r: Request) -> RequestOut:
    return RequestOut(id=r.id, kind=r.kind.value, candidate_id=r.candidate_id, source=r.source.value,
                      status=r.status.value, received_at=r.received_at, due_on=r.due_on,
                      overdue=r.overdue(clock.today()), done_at=r.done_at, done_by=r.done_by, note=r.note,
                      opened_by=r.opened_by)


def entry_out(e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(id=e.id, at=e.at, staff_id=e.staff_id, candidate_id=e.candidate_id, action=e.action.value,
                         reason=e.reason)


def _person(call: Call, candidate: Any) -> PersonOut:
    from chalicelib.api.people import person_out  # that module records its reads through this one

    r = repos.get()
    return person_out(people.person_of(r, r.branches.get(call.params["branch"]), candidate))


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


# --- Requests -----------------------------------------------------------------------------------------------
@route(REQUESTS, "GET", summary="The branch's privacy requests, open first by due date", roles=STAFF,
       query=RequestsQuery, response=RequestList, tags=TAGS)
def list_privacy_requests(call: Call) -> RequestList:
    rows = privacy_requests.list_requests(repos.get(), call.params["branch"], status=call.query.status,
                                          candidate_id=call.query.candidate_id)
    return RequestList(items=[request_out(r) for r in rows])


@route(REQUESTS, "POST", summary="Record a person's privacy request (due one calendar month after today)",
       roles=STAFF, body=RequestIn, response=RequestOut, status=201, tags=TAGS)
def open_privacy_request(call: Call) -> RequestOut:
    b: RequestIn = call.body
    request = privacy_requests.open_request(repos.get(), call.params["branch"], kind=b.kind,
                                            candidate_id=b.candidate_id, source="staff", actor=actor_id(call),
                                            note=b.note)
    return request_out(request)


@route(REQUESTS + "/{request_id}/complete", "POST",
       summary="Answer a privacy request (done) or refuse it (with a note); 409 when it is not open",
       roles=ADMIN, body=CompleteIn, response=RequestOut, tags=TAGS)
def complete_privacy_request(call: Call) -> RequestOut:
    b: CompleteIn = call.body
    request = privacy_requests.complete(repos.get(), call.params["branch"], call.params["request_id"],
                                        actor=actor_id(call), status=b.status, note=b.note)
    return request_out(request)


# --- Actions on a person ------------------------------------------------------------------------------------
@route(CANDIDATE + "/export", "GET",
       summary="Everything the branch holds on a person, as a JSON attachment (audited; completes an access "
               "request given as request_id)", roles=ADMIN, query=ExportQuery, response=ExportOut, tags=TAGS)
def export_person(call: Call) -> Response:
    branch, candidate_id = call.params["branch"], call.params["candidate_id"]
    data, _ = privacy_requests.export(repos.get(), branch, candidate_id, actor=actor_id(call),
                                      request_id=call.query.request_id, reason=access_reason(call))
    body = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    return Response(body=body, status_code=200, headers={
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": f'attachment; filename="duo-{branch}-person-{candidate_id}.json"',
        "Cache-Control": "no-store",
    })


@route(CANDIDATE + "/erase", "POST",
       summary="Erase a person for good (confirm: their id; idempotent; completes an erasure request given as "
               "request_id)", roles=ADMIN, body=EraseIn, response=ErasureOut, tags=TAGS)
def erase_person(call: Call) -> ErasureOut:
    b: EraseIn = call.body
    candidate_id = call.params["candidate_id"]
    if b.confirm != candidate_id:
        repos.get().candidates.get(call.params["branch"], candidate_id)  # 404 first for nobody of the branch
        raise InvalidInputError("Confirm with the person's id.", {"confirm": "Type the person's id to confirm."})
    result, request = privacy_requests.erase(repos.get(), call.params["branch"], candidate_id, actor=actor_id(call),
                                             request_id=b.request_id)
    return ErasureOut(candidate_id=candidate_id, deleted=int(getattr(result, "deleted", 0)),
                      scrubbed=int(getattr(result, "scrubbed", 0)),
                      already_erased=bool(getattr(result, "already_erased", False)),
                      request=request_out(request) if request else None)


@route(CANDIDATE + "/restrict", "POST",
       summary="Restrict the processing of a person's data (out of matching, no steps) or lift it (completes a "
               "restriction request given as request_id)", roles=ADMIN, body=RestrictIn, response=PersonOut,
       tags=TAGS)
def restrict_person(call: Call) -> PersonOut:
    b: RestrictIn = call.body
    c = people.restrict(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                        restricted=b.restricted, request_id=b.request_id, reason=access_reason(call))
    return _person(call, c)


@route(CANDIDATE, "PATCH",
       summary="Correct a person's contact details (the event names the fields, never the values; completes a "
               "rectification request given as request_id)", roles=ADMIN, body=CorrectionIn, response=PersonOut,
       tags=TAGS)
def correct_person(call: Call) -> PersonOut:
    b: CorrectionIn = call.body
    c = people.correct(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"], b.changes(),
                       version=b.version, request_id=b.request_id, reason=access_reason(call))
    return _person(call, c)


# --- The access audit ---------------------------------------------------------------------------------------
@route("/branches/{branch}/privacy/audit", "GET",
       summary="Who read or acted on people's data, newest first: one person's entries, or one month's",
       roles=ADMIN, query=AuditQuery, response=AuditPage, tags=TAGS)
def audit_log(call: Call) -> AuditPage:
    q: AuditQuery = call.query
    rows, cursor = audit.audit_entries(repos.get(), call.params["branch"], candidate_id=q.candidate_id,
                                       month=q.month, limit=q.limit, cursor=q.cursor)
    return AuditPage(items=[entry_out(e) for e in rows], next=cursor)


@route("/reports/audits", "GET",
       summary="How many access-audit entries each branch has per month (head office: counts only)",
       roles={Role.HEAD_OFFICE}, response=AuditSummaryOut, tags=TAGS)
def audit_counts(call: Call) -> AuditSummaryOut:
    return AuditSummaryOut(items=[AuditCountOut(**row) for row in audit.audit_summary(repos.get())])
