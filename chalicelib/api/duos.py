"""Duos: the JSON API of every step from the pairing to the 12-month outcome (staff of the branch)."""

from __future__ import annotations

from chalicelib.api import duo_schemas as s
from chalicelib.api.routing import Call, route
from chalicelib.api.schemas import PageQuery
from chalicelib.domain import duos as rules
from chalicelib.domain.duos import Duo
from chalicelib.domain.roles import STAFF_ROLES
from chalicelib.services import clock, repos
from chalicelib.services import duos as service

STAFF = set(STAFF_ROLES)
TAGS = ("duos",)
BASE = "/branches/{branch}/duos/{duo_id}"


def actor(call: Call) -> str:
    return call.principal.staff_id or call.principal.subject


def summary(duo: Duo) -> s.DuoSummary:
    return s.DuoSummary(
        id=duo.id, mentee_id=duo.mentee_id, mentor_id=duo.mentor_id, mentee_name=duo.mentee_name,
        mentor_name=duo.mentor_name, coordinator_id=duo.coordinator_id, status=duo.status.value,
        phase=rules.phase(duo).value, first_meeting_at=duo.first_meeting_at, started_on=duo.started_on,
        planned_end=duo.planned_end, created_at=duo.created_at, version=duo.version,
    )


def duo_out(duo: Duo) -> s.DuoOut:
    now = clock.now()
    due = rules.outcome_due_on(duo)
    flags = s.Flags(
        answer_overdue=rules.answer_overdue(duo, now), no_recent_meeting=rules.no_recent_meeting(duo, now),
        missing_intervisions=rules.missing_intervisions(duo, now.date()), evaluation_due=rules.evaluation_due(duo),
        outcome_due=rules.outcome_due(duo, now), laptops_due=bool(rules.laptops_due(duo, now)),
    )
    return s.DuoOut(
        **summary(duo).model_dump(), answers=duo.answers, answer_due_at=clock.iso(rules.answer_due_at(duo)),
        agreement=duo.agreement, meeting_count=duo.meeting_count, last_meeting_on=duo.last_meeting_on,
        goals=duo.goals, checkins=duo.checkins, intervisions=duo.intervisions, services=duo.services,
        ended_on=duo.ended_on, end_kind=duo.end_kind, end_reason=duo.end_reason, evaluations=duo.evaluations,
        outcome=duo.outcome, outcome_due_on=due.isoformat() if due else None, updated_at=duo.updated_at,
        flags=flags,
    )


def _ids(call: Call) -> tuple[str, str]:
    return call.params["branch"], call.params["duo_id"]


@route("/branches/{branch}/duos", "POST", summary="Pair a ready mentee with a ready mentor (mails both)",
       roles=STAFF, body=s.PairIn, response=s.DuoOut, status=201, tags=TAGS)
def create_duo(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.pair(repos.get(), call.params["branch"], b.mentee_id, b.mentor_id, b.first_meeting_at,
                                actor(call)))


@route("/branches/{branch}/duos", "GET", summary="The branch's duos, newest first, or one phase's list",
       roles=STAFF, query=s.DuosQuery, response=s.DuoPage, tags=TAGS)
def list_duos(call: Call) -> s.DuoPage:
    q = call.query
    rows, cursor = service.list_duos(repos.get(), call.params["branch"], phase=q.phase, limit=q.limit,
                                     cursor=q.cursor)
    return s.DuoPage(items=[summary(d) for d in rows], next=cursor)


@route(BASE, "GET", summary="A duo", roles=STAFF, response=s.DuoOut, tags=TAGS)
def read_duo(call: Call) -> s.DuoOut:
    return duo_out(service.get_duo(repos.get(), *_ids(call)))


@route(BASE + "/events", "GET", summary="A duo's trail, newest first", roles=STAFF, query=PageQuery,
       response=s.EventPage, tags=TAGS)
def duo_events(call: Call) -> s.EventPage:
    rows, cursor = service.duo_events(repos.get(), *_ids(call), limit=call.query.limit, cursor=call.query.cursor)
    items = [s.EventOut(id=e.id, kind=e.kind, actor=e.actor, at=e.at, fields=list(e.fields), data=e.data)
             for e in rows]
    return s.EventPage(items=items, next=cursor)


@route(BASE + "/meetings", "GET", summary="A duo's meeting log, newest first", roles=STAFF, query=PageQuery,
       response=s.MeetingPage, tags=TAGS)
def duo_meetings(call: Call) -> s.MeetingPage:
    rows, cursor = service.meetings(repos.get(), *_ids(call), limit=call.query.limit, cursor=call.query.cursor)
    return s.MeetingPage(items=[s.MeetingOut(**m) for m in rows], next=cursor)


@route(BASE + "/first-meeting", "POST", summary="Move the first meeting (fresh answer links by mail)",
       roles=STAFF, body=s.FirstMeetingIn, response=s.DuoOut, tags=TAGS)
def move_first_meeting(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.reschedule(repos.get(), *_ids(call), b.first_meeting_at, b.version, actor(call)))


@route(BASE + "/answers", "POST", summary="Record a 24-hour answer (two yeses: agreed; a no: declined)",
       roles=STAFF, body=s.AnswerIn, response=s.DuoOut, tags=TAGS)
def record_answer(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.answer(repos.get(), *_ids(call), b.side, b.answer, b.version, actor(call)))


@route(BASE + "/agreement", "POST", summary="Record the signed agreement (starts the six months)",
       roles=STAFF, body=s.AgreementIn, response=s.DuoOut, tags=TAGS)
def record_agreement(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.record_agreement(repos.get(), *_ids(call), b.signed_on, b.mentee, b.mentor, b.branch,
                                            b.version, actor(call)))


@route(BASE + "/meetings", "POST", summary="Log a meeting", roles=STAFF, body=s.MeetingIn, response=s.DuoOut,
       status=201, tags=TAGS)
def log_meeting(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.log_meeting(repos.get(), *_ids(call), b.on, b.minutes, b.mode, b.version, actor(call)))


@route(BASE + "/goals", "POST", summary="Add a goal to the action plan", roles=STAFF, body=s.GoalIn,
       response=s.DuoOut, status=201, tags=TAGS)
def add_goal(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.add_goal(repos.get(), *_ids(call), b.title, b.target_date, b.version, actor(call)))


@route(BASE + "/goals/{goal_id}", "PATCH", summary="Change a goal's status or target date", roles=STAFF,
       body=s.GoalPatch, response=s.DuoOut, tags=TAGS)
def change_goal(call: Call) -> s.DuoOut:
    b = call.body
    clear = "target_date" in b.model_fields_set and b.target_date is None
    return duo_out(service.update_goal(repos.get(), *_ids(call), call.params["goal_id"], b.status, b.target_date,
                                       clear, b.version, actor(call)))


@route(BASE + "/checkins", "POST", summary="Record a coordinator's check-in", roles=STAFF, body=s.CheckinIn,
       response=s.DuoOut, status=201, tags=TAGS)
def add_checkin(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.add_checkin(repos.get(), *_ids(call), b.on, b.channel, b.version, actor(call)))


@route(BASE + "/intervisions", "POST", summary="Record the mentor's intervision", roles=STAFF,
       body=s.IntervisionIn, response=s.DuoOut, status=201, tags=TAGS)
def add_intervision(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.add_intervision(repos.get(), *_ids(call), b.on, b.version, actor(call)))


@route(BASE + "/services", "POST", summary="Record a workshop or service (a laptop loan with its return date)",
       roles=STAFF, body=s.ServiceIn, response=s.DuoOut, status=201, tags=TAGS)
def add_service(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.add_service(repos.get(), *_ids(call), b.code, b.on, b.return_due, b.version, actor(call)))


@route(BASE + "/services/{service_id}/returned", "POST", summary="Record that a loan came back", roles=STAFF,
       body=s.ReturnedIn, response=s.DuoOut, tags=TAGS)
def service_returned(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.service_returned(repos.get(), *_ids(call), call.params["service_id"], b.on, b.version,
                                            actor(call)))


@route(BASE + "/close", "POST", summary="Close the duo (mails both their evaluation link)", roles=STAFF,
       body=s.CloseIn, response=s.DuoOut, tags=TAGS)
def close_duo(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.close(repos.get(), *_ids(call), b.ended_on, b.kind, b.reason, b.version, actor(call)))


@route(BASE + "/evaluations", "POST", summary="Record an evaluation (after the closing)", roles=STAFF,
       body=s.EvaluationIn, response=s.DuoOut, tags=TAGS)
def record_evaluation(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.submit_evaluation(repos.get(), *_ids(call), b.side, dict(b.answers), b.version,
                                             actor(call)))


@route(BASE + "/outcome", "POST", summary="Record the mentee's situation (12 months after the start)",
       roles=STAFF, body=s.OutcomeIn, response=s.DuoOut, tags=TAGS)
def record_outcome(call: Call) -> s.DuoOut:
    b = call.body
    return duo_out(service.record_outcome(repos.get(), *_ids(call), b.situation, b.version, actor(call)))
