"""A branch's coordinators plan info sessions, see who registered, and follow new candidates."""

from __future__ import annotations

from chalicelib.api.routing import Call, route
from chalicelib.api.signup import session_public
from chalicelib.api.signup_schemas import (
    CandidatePage,
    CandidatesQuery,
    CandidateSummary,
    InfoSessionIn,
    InfoSessionOut,
    InfoSessionPage,
    InfoSessionPatch,
    RegistrationList,
    RegistrationOut,
    SessionsQuery,
)
from chalicelib.domain.roles import STAFF_ROLES
from chalicelib.domain.sessions import InfoSession
from chalicelib.services import branches, candidates, repos, sessions

STAFF = set(STAFF_ROLES)
TAGS = ("info sessions",)


def session_out(session: InfoSession, time_zone: str, notified: int = 0) -> InfoSessionOut:
    return InfoSessionOut(
        **session_public(session, time_zone),
        capacity=session.capacity,
        seats_taken=session.seats_taken,
        status=session.status.value,
        duration_minutes=session.duration_minutes,
        created_at=session.created_at,
        updated_at=session.updated_at,
        notified=notified,
    )


def _tz(branch_id: str) -> str:
    return branches.get_branch(repos.get(), branch_id).time_zone


@route("/branches/{branch}/info-sessions", "GET", summary="List the branch's info sessions (upcoming first)",
       roles=STAFF, query=SessionsQuery, response=InfoSessionPage, tags=TAGS)
def list_sessions(call: Call) -> InfoSessionPage:
    branch = call.params["branch"]
    rows, cursor = sessions.list_sessions(
        repos.get(), branch, include_past=call.query.include_past, limit=call.query.limit, cursor=call.query.cursor
    )
    tz = _tz(branch)
    return InfoSessionPage(items=[session_out(s, tz) for s in rows], next=cursor)


@route("/branches/{branch}/info-sessions", "POST", summary="Plan an info session",
       roles=STAFF, body=InfoSessionIn, response=InfoSessionOut, status=201, tags=TAGS)
def create_session(call: Call) -> InfoSessionOut:
    branch = call.params["branch"]
    return session_out(sessions.create_session(repos.get(), branch, call.body), _tz(branch))


@route("/branches/{branch}/info-sessions/{session_id}", "GET", summary="Read an info session",
       roles=STAFF, response=InfoSessionOut, tags=TAGS)
def read_session(call: Call) -> InfoSessionOut:
    branch = call.params["branch"]
    return session_out(sessions.get_session(repos.get(), branch, call.params["session_id"]), _tz(branch))


@route("/branches/{branch}/info-sessions/{session_id}", "PATCH",
       summary="Change an info session (registrants are told by mail when its time or place changes)",
       roles=STAFF, body=InfoSessionPatch, response=InfoSessionOut, tags=TAGS)
def change_session(call: Call) -> InfoSessionOut:
    branch = call.params["branch"]
    changes = call.body.model_dump(exclude_unset=True)
    session, told = sessions.update_session(repos.get(), branch, call.params["session_id"], changes)
    return session_out(session, _tz(branch), told)


@route("/branches/{branch}/info-sessions/{session_id}/cancel", "POST",
       summary="Cancel an info session (registrants are told by mail, with the next sessions)",
       roles=STAFF, response=InfoSessionOut, tags=TAGS)
def cancel_session(call: Call) -> InfoSessionOut:
    branch = call.params["branch"]
    session, told = sessions.cancel_session(repos.get(), branch, call.params["session_id"])
    return session_out(session, _tz(branch), told)


@route("/branches/{branch}/info-sessions/{session_id}/registrations", "GET",
       summary="Who registered for an info session", roles=STAFF, response=RegistrationList, tags=TAGS)
def list_registrations(call: Call) -> RegistrationList:
    rows = sessions.registrations(repos.get(), call.params["branch"], call.params["session_id"])
    return RegistrationList(
        items=[
            RegistrationOut(
                candidate_id=r.candidate_id, name=r.name, email=r.email, role=r.role, language=r.language,
                status=r.status, registered_at=r.registered_at,
            )
            for r in rows
        ]
    )


@route("/branches/{branch}/candidates", "GET", summary="New candidates, newest first",
       roles=STAFF, query=CandidatesQuery, response=CandidatePage, tags=("candidates",))
def list_candidates(call: Call) -> CandidatePage:
    q: CandidatesQuery = call.query
    rows, cursor = candidates.list_candidates(
        repos.get(), call.params["branch"], role=q.role, status=q.status, limit=q.limit, cursor=q.cursor
    )
    items = [
        CandidateSummary(
            id=c.id, name=c.name, email=c.email, phone=c.phone, role=c.role.value, status=c.status.value,
            city=c.city, session_id=c.session_id, created_at=c.created_at,
        )
        for c in rows
    ]
    return CandidatePage(items=items, next=cursor)
