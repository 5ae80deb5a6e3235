"""People: the JSON routes of attendance, intake, training, withdrawal, coordinators, search, caseloads.

Thin: each handler hands its validated body to ``services.people`` and shapes the answer.
"""

from __future__ import annotations

from chalicelib.api.people_schemas import (
    AttendanceIn,
    CaseloadIn,
    CaseloadOut,
    CoordinatorIn,
    EventOut,
    EventPage,
    IntakeIn,
    IntakeScheduleIn,
    PersonOut,
    ReadinessOut,
    SearchHit,
    SearchQuery,
    SearchResult,
    TrainingIn,
    WithdrawIn,
)
from chalicelib.api.privacy import record_read
from chalicelib.api.privacy_schemas import EventsReadQuery, PersonReadQuery
from chalicelib.api.routing import Call, route
from chalicelib.domain.candidates import Candidate
from chalicelib.domain.events import Event
from chalicelib.domain.roles import STAFF_ROLES, Role
from chalicelib.services import people, repos
from chalicelib.services.people import IntakeData, Person

STAFF = frozenset(STAFF_ROLES)
ADMIN = frozenset({Role.BRANCH_ADMIN})
TAGS = ("people",)
CANDIDATE = "/branches/{branch}/candidates/{candidate_id}"


def person_out(person: Person) -> PersonOut:
    c, r = person.candidate, person.readiness
    return PersonOut(
        id=c.id, role=c.role.value, status=c.status.value, status_since=c.status_since, version=c.version,
        name=c.name, email=c.email, phone=c.phone, birth_date=c.birth_date, postcode=c.postcode, city=c.city,
        language=c.language, languages=[{"code": x.code, "level": x.level} for x in c.languages],
        session_id=c.session_id, looking_for=c.looking_for, sectors=c.sectors, education_level=c.education_level,
        work_permit=c.work_permit, profession=c.profession, available_six_months=c.available_six_months,
        heard_from=c.heard_from, coordinator_id=c.coordinator_id, intake=c.intake, training=c.training,
        help_needs=c.help_needs, availability=c.availability, duo_id=c.duo_id, duo_ids=c.duo_ids,
        declined_with=c.declined_with, created_at=c.created_at, updated_at=c.updated_at, restricted=c.restricted,
        readiness=ReadinessOut(modules=list(r.modules), required=list(r.required), done=list(r.done),
                               missing=list(r.missing), complete=r.complete) if r else None,
    )


def event_out(e: Event) -> EventOut:
    return EventOut(id=e.id, kind=e.kind, actor=e.actor, at=e.at, fields=list(e.fields), data=e.data)


def _answer(call: Call, c: Candidate) -> PersonOut:
    r = repos.get()
    return person_out(people.person_of(r, r.branches.get(call.params["branch"]), c))


@route(CANDIDATE, "GET", summary="A person: their record, intake, training and current duo (the read is "
       "audited, with the reason given)", roles=STAFF, query=PersonReadQuery, response=PersonOut, tags=TAGS)
def read_person(call: Call) -> PersonOut:
    person = people.get_person(repos.get(), call.params["branch"], call.params["candidate_id"])
    record_read(call, person.candidate.id, "read_person")
    return person_out(person)


@route(CANDIDATE + "/events", "GET", summary="A person's trail of changes, newest first (the read is audited)",
       roles=STAFF, query=EventsReadQuery, response=EventPage, tags=TAGS)
def person_events(call: Call) -> EventPage:
    rows, cursor = people.events(repos.get(), call.params["branch"], call.params["candidate_id"],
                                 limit=call.query.limit, cursor=call.query.cursor)
    record_read(call, call.params["candidate_id"], "read_events")
    return EventPage(items=[event_out(e) for e in rows], next=cursor)


@route(CANDIDATE + "/attendance", "POST", summary="Mark whether a person came to their info session",
       roles=STAFF, body=AttendanceIn, response=PersonOut, tags=TAGS)
def mark_attendance(call: Call) -> PersonOut:
    b: AttendanceIn = call.body
    c = people.mark_attendance(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                               attended=b.attended, version=b.version)
    return _answer(call, c)


@route(CANDIDATE + "/intake-schedule", "POST",
       summary="Schedule a person's intake interview (the caller becomes their coordinator if they have none)",
       roles=STAFF, body=IntakeScheduleIn, response=PersonOut, tags=TAGS)
def schedule_intake(call: Call) -> PersonOut:
    b: IntakeScheduleIn = call.body
    c = people.schedule_intake(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                               at=b.at, version=b.version)
    return _answer(call, c)


def intake_data(b: IntakeIn) -> IntakeData:
    return IntakeData(
        experience=b.experience, expectations=b.expectations, help_needs=list(b.help_needs),
        availability=list(b.availability), languages=[{"code": x.code, "level": x.level} for x in b.languages],
        sectors=list(b.sectors), help_offers=list(b.help_offers), interests=list(b.interests),
        digital_skills=b.digital_skills, notes=b.notes, decision=b.decision, reason=b.reason or "",
    )


@route(CANDIDATE + "/intake", "POST",
       summary="Record a person's intake and its decision (ready, training for mentors, not suitable, withdrawn)",
       roles=STAFF, body=IntakeIn, response=PersonOut, tags=TAGS)
def record_intake(call: Call) -> PersonOut:
    c = people.record_intake(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                             intake_data(call.body), version=call.body.version)
    return _answer(call, c)


@route(CANDIDATE + "/training", "POST",
       summary="Record (or undo) a mentor's training module; the last required one makes them ready",
       roles=STAFF, body=TrainingIn, response=PersonOut, tags=TAGS)
def record_training(call: Call) -> PersonOut:
    b: TrainingIn = call.body
    c = people.record_training(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                               module=b.module, completed_on=b.completed_on, version=b.version)
    return _answer(call, c)


@route(CANDIDATE + "/withdraw", "POST", summary="A person leaves the programme (not while paired or in a duo)",
       roles=STAFF, body=WithdrawIn, response=PersonOut, tags=TAGS)
def withdraw_person(call: Call) -> PersonOut:
    c = people.withdraw(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                        version=call.body.version)
    return _answer(call, c)


@route(CANDIDATE + "/coordinator", "POST", summary="Make a staff member responsible for a person",
       roles=STAFF, body=CoordinatorIn, response=PersonOut, tags=TAGS)
def set_coordinator(call: Call) -> PersonOut:
    b: CoordinatorIn = call.body
    c = people.set_coordinator(repos.get(), call.principal, call.params["branch"], call.params["candidate_id"],
                               coordinator_id=b.coordinator_id, version=b.version)
    return _answer(call, c)


@route("/branches/{branch}/caseload", "POST",
       summary="Hand a coordinator's caseload (people and open duos) over to another staff member",
       roles=ADMIN, body=CaseloadIn, response=CaseloadOut, tags=TAGS)
def hand_over_caseload(call: Call) -> CaseloadOut:
    b: CaseloadIn = call.body
    moved = people.hand_over(repos.get(), call.principal, call.params["branch"], from_id=b.from_, to_id=b.to)
    return CaseloadOut(**moved)


def search_hit(c: Candidate) -> SearchHit:
    return SearchHit(id=c.id, name=c.name, email=c.email, phone=c.phone, role=c.role.value, status=c.status.value,
                     coordinator_id=c.coordinator_id, duo_id=c.duo_id)


@route("/branches/{branch}/search", "GET",
       summary="Find people by the start of a name, email or phone (accent- and case-insensitive)",
       roles=STAFF, query=SearchQuery, response=SearchResult, tags=TAGS)
def search_people(call: Call) -> SearchResult:
    rows = people.search(repos.get(), call.params["branch"], call.query.q, call.query.limit)
    return SearchResult(items=[search_hit(c) for c in rows])
