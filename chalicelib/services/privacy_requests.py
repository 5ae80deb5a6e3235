"""A branch's privacy requests: recorded when they arrive, shown in the task list until answered.

``open_request`` records one (from staff, or from the person's privacy page), due one calendar month
after it was received; ``complete`` answers it (done, or refused with a note); a route that acts on a
person with a ``request_id`` (export, erase, restrict, correct) completes the request it answers through
``answer``. Logs carry ids and codes only.
"""

from __future__ import annotations

from chalicelib.domain import privacy_requests as rules
from chalicelib.domain.errors import InvalidInputError, NotFoundError
from chalicelib.domain.events import new_event_id
from chalicelib.domain.privacy_requests import AuditAction, Request
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services import clock
from chalicelib.services.repos import Repos
from chalicelib.store.privacy import PrivacyRepository


def _store(repos: Repos) -> PrivacyRepository:
    return PrivacyRepository(repos.scopes)


def open_request(repos: Repos, branch_id: str, *, kind: str, candidate_id: str, source: str, actor: str,
                 note: str = "") -> Request:
    """Record a request about one of the branch's people (400 at ``candidate_id`` for nobody of the branch)."""
    try:
        repos.candidates.get(branch_id, candidate_id)
    except NotFoundError:
        raise InvalidInputError(N_("Some fields are not valid."),
                                {"candidate_id": N_("There is no such person in this branch.")}) from None
    request = rules.new_request(new_event_id(), branch_id, kind=kind, candidate_id=candidate_id, source=source,
                                received_at=clock.now_iso(), opened_by=actor, note=note)
    _store(repos).create(request)
    metrics.add_metric(name="PrivacyRequestOpened", unit="Count", value=1)
    logger.info("privacy request opened", extra={"request_id": request.id, "kind": request.kind.value,
                                                 "source": request.source.value, "candidate_id": candidate_id})
    return request


def list_requests(repos: Repos, branch_id: str, *, status: str | None = None,
                  candidate_id: str | None = None) -> list[Request]:
    """The branch's requests (in ``status``; about ``candidate_id``), open first, earliest due first."""
    store = _store(repos)
    if status is not None:
        if status not in {s.value for s in rules.RequestStatus}:
            raise InvalidInputError(N_("Some fields are not valid."), {"status": N_("Choose open, done or refused.")})
        rows, cursor = store.by_status(branch_id, status)
        while cursor:
            more, cursor = store.by_status(branch_id, status, cursor=cursor)
            rows += more
        if candidate_id:
            rows = [r for r in rows if r.candidate_id == candidate_id]
    else:
        rows = store.all(branch_id, candidate_id)
    return sorted(rows, key=Request.sort_key)


def get_request(repos: Repos, branch_id: str, request_id: str) -> Request:
    return _store(repos).get(branch_id, request_id)


def open_page(repos: Repos, branch_id: str, *, limit: int, cursor: str | None) -> tuple[list[Request], str | None]:
    """A page of the open requests, earliest due first (the task list's source)."""
    return _store(repos).by_status(branch_id, rules.RequestStatus.OPEN.value, limit=limit, cursor=cursor)


def complete(repos: Repos, branch_id: str, request_id: str, *, actor: str, status: str = "done",
             note: str = "") -> Request:
    """Answer a request (``done``) or refuse it (``refused``, with a note): 409 when it is not open."""
    before = _store(repos).get(branch_id, request_id)
    after = rules.close(before, status=status, at=clock.now_iso(), by=actor, note=note)
    _store(repos).close(before, after)
    metrics.add_metric(name="PrivacyRequestClosed", unit="Count", value=1)
    logger.info("privacy request closed", extra={"request_id": request_id, "kind": before.kind.value,
                                                 "status": after.status.value})
    return after


def check(repos: Repos, branch_id: str, request_id: str | None, action: AuditAction,
          candidate_id: str) -> Request | None:
    """Before an action on a person: the request it answers, about that person, of the right kind and open
    (None when no ``request_id`` was given). 400 at ``request_id`` for a request that is not the branch's."""
    if not request_id:
        return None
    try:
        request = _store(repos).get(branch_id, request_id)
    except NotFoundError:
        raise InvalidInputError(N_("Some fields are not valid."),
                                {"request_id": N_("There is no such request in this branch.")}) from None
    rules.check_answers(request, action, candidate_id)
    return request


def answer(repos: Repos, request: Request | None, *, actor: str) -> Request | None:
    """After the action: the request it answered is done."""
    if request is None:
        return None
    return complete(repos, request.branch, request.id, actor=actor)


# --- Actions on a person that answer a request (the JSON API's; the console's pages call the same) --------
def export(repos: Repos, branch_id: str, candidate_id: str, *, actor: str, request_id: str | None = None,
           reason: str = "") -> tuple[dict, Request | None]:
    """Everything the branch holds on a person (``services.personal_data.export_person``), audited; the access
    request it answers is completed."""
    from chalicelib.services import audit, personal_data

    request = check(repos, branch_id, request_id, AuditAction.EXPORT, candidate_id)
    data = personal_data.export_person(repos, branch_id, candidate_id)
    audit.record(repos, branch_id, staff_id=actor, candidate_id=candidate_id, action="export", reason=reason)
    return data, answer(repos, request, actor=actor)


def erase(repos: Repos, branch_id: str, candidate_id: str, *, actor: str,
          request_id: str | None = None) -> tuple[object, Request | None]:
    """Erase a person (``services.personal_data.erase_person``: idempotent; a rerun finishes an interrupted
    erasure), audited (without a reason: the erasure blanks the reasons given about the person); the erasure
    request it answers is completed."""
    from chalicelib.services import audit, personal_data

    request = check(repos, branch_id, request_id, AuditAction.ERASE, candidate_id)
    result = personal_data.erase_person(repos, branch_id, candidate_id, actor)
    audit.record(repos, branch_id, staff_id=actor, candidate_id=candidate_id, action="erase")
    return result, answer(repos, request, actor=actor)
