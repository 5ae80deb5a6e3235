"""The task rules at their boundaries, with fixed moments (no clock, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus
from chalicelib.domain.duos import Duo, DuoStatus
from chalicelib.domain.tasks import Task, TaskKind, candidate_tasks, duo_tasks, for_coordinator

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MEETING = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def person(status: CandidateStatus, *, since: str = "2026-11-10T10:00:00Z", intake: dict | None = None,
           coordinator: str = "staff-1", role: CandidateRole = CandidateRole.MENTEE) -> Candidate:
    return Candidate(
        id="c1", branch="ghent", role=role, status=status, name="Amal Benali", email="a@example.org",
        phone="+32470123456", birth_date="2001-04-02", postcode="9000", city="Gent", languages=[],
        heard_from="website", language="nl", consent_version="1", consent_language="nl",
        consent_at="2026-11-01T10:00:00Z", session_id="s1", created_at="2026-11-01T10:00:00Z",
        status_since=since, coordinator_id=coordinator, intake=intake,
    )


def duo(status: DuoStatus = DuoStatus.FIRST_MEETING, **fields) -> Duo:
    base = dict(id="d1", branch="ghent", mentee_id="c1", mentor_id="c2", mentee_name="Amal Benali",
                mentor_name="Jan Peeters", first_meeting_at="2026-11-20T18:00:00Z", created_at="2026-11-10T10:00:00Z",
                coordinator_id="staff-1", status=status)
    base.update(fields)
    return Duo(**base)


def active(**fields) -> Duo:
    values = dict(answers={"mentee": {"answer": "yes"}, "mentor": {"answer": "yes"}}, started_on="2026-06-01",
                  planned_end="2026-12-01", last_meeting_on="2026-11-20", intervisions=["2026-07-01", "2026-09-01"])
    values.update(fields)
    return duo(DuoStatus.ACTIVE, **values)


def closed(**fields) -> Duo:
    values = dict(ended_on="2026-11-20", end_kind="completed", evaluations={"mentee": {}, "mentor": {}},
                  outcome=None, started_on="2026-05-01", planned_end="2026-11-01",
                  intervisions=["2026-07-01", "2026-09-01"])
    values.update(fields)
    return duo(DuoStatus.CLOSED, **values)


def kinds(tasks: list[Task]) -> list[str]:
    return [t.kind.value for t in tasks]


def only(tasks: list[Task], kind: TaskKind) -> Task:
    found = [t for t in tasks if t.kind is kind]
    assert len(found) == 1, kinds(tasks)
    return found[0]


# --- Intakes ---------------------------------------------------------------------------------------
def test_an_attended_candidate_has_an_intake_to_schedule_within_seven_days_naming_them_and_their_coordinator():
    task = only(candidate_tasks(person(CandidateStatus.ATTENDED, since="2026-11-17T19:00:00Z"), NOW),
                TaskKind.INTAKE_TO_SCHEDULE)
    assert (task.subject_kind, task.subject_id, task.coordinator_id) == ("candidate", "c1", "staff-1")
    assert [(p.id, p.name, p.role) for p in task.people] == [("c1", "Amal Benali", "mentee")]
    assert task.due == "2026-11-24" and not task.overdue  # seven days after: due today, not late yet
    late = candidate_tasks(person(CandidateStatus.ATTENDED, since="2026-11-16T19:00:00Z"), NOW)
    assert late[0].overdue and late[0].due == "2026-11-23"


def test_a_planned_intake_is_due_on_its_day_and_overdue_the_day_after():
    def intake_at(at: str) -> list[Task]:
        return candidate_tasks(person(CandidateStatus.INTAKE_SCHEDULED, intake={"scheduled_at": at}), NOW)

    assert intake_at("2026-11-25T00:00:00Z") == []  # tomorrow: nothing to do yet
    today = only(intake_at("2026-11-24T15:00:00Z"), TaskKind.INTAKE_DUE)  # later today: due, not late
    assert today.due == "2026-11-24T15:00:00Z" and not today.overdue
    assert only(intake_at("2026-11-23T23:59:59Z"), TaskKind.INTAKE_DUE).overdue  # yesterday, not recorded


@pytest.mark.parametrize("status", [s for s in CandidateStatus if s not in (CandidateStatus.ATTENDED,
                                                                            CandidateStatus.INTAKE_SCHEDULED)])
def test_other_candidate_statuses_give_no_task(status):
    assert candidate_tasks(person(status, intake={"scheduled_at": "2026-11-01T10:00:00Z"}), NOW) == []


# --- The 24-hour answers ------------------------------------------------------------------------------
def test_no_answer_is_pending_before_the_first_meeting():
    assert duo_tasks(duo(), MEETING - timedelta(seconds=1)) == []


@pytest.mark.parametrize("after, kind, overdue", [
    (timedelta(0), TaskKind.ANSWER_PENDING, False),
    (timedelta(hours=20), TaskKind.ANSWER_PENDING, False),  # the reminder goes; still within the 24 hours
    (timedelta(hours=24), TaskKind.ANSWER_PENDING, False),  # exactly 24 hours: not late yet
    (timedelta(hours=24, seconds=1), TaskKind.ANSWER_OVERDUE, True),
])
def test_answers_are_pending_for_24_hours_after_the_first_meeting_then_overdue(after, kind, overdue):
    task = only(duo_tasks(duo(), MEETING + after), kind)
    assert task.overdue is overdue and task.due == "2026-11-21T18:00:00Z"
    assert task.detail["sides"] == ["mentee", "mentor"]
    assert [p.name for p in task.people] == ["Amal Benali", "Jan Peeters"] and task.subject_kind == "duo"


def test_only_the_side_still_to_answer_is_named_and_two_answers_end_the_task():
    one = duo(answers={"mentee": {"answer": "yes", "at": "2026-11-20T20:00:00Z", "by": "link"}})
    assert only(duo_tasks(one, MEETING + timedelta(hours=30)), TaskKind.ANSWER_OVERDUE).detail["sides"] == ["mentor"]
    both = duo(DuoStatus.AGREED, answers={"mentee": {"answer": "yes"}, "mentor": {"answer": "yes"}},
               phase_since="2026-11-21T10:00:00Z")
    assert kinds(duo_tasks(both, NOW)) == ["agreement_to_record"]


def test_an_agreement_is_due_a_week_after_the_second_yes():
    agreed = duo(DuoStatus.AGREED, phase_since="2026-11-17T10:00:00Z")
    task = only(duo_tasks(agreed, NOW), TaskKind.AGREEMENT_TO_RECORD)
    assert task.due == "2026-11-24" and not task.overdue
    assert only(duo_tasks(agreed, NOW + timedelta(days=1)), TaskKind.AGREEMENT_TO_RECORD).overdue


def test_a_declined_pairing_gives_no_task():
    assert duo_tasks(duo(DuoStatus.DECLINED, answers={"mentee": {"answer": "no"}}), NOW) == []


# --- Mentoring ---------------------------------------------------------------------------------------------
def test_no_meeting_for_14_days_shows_on_the_14th_day_and_is_late_after():
    assert duo_tasks(active(last_meeting_on="2026-11-11"), NOW) == []  # 13 days
    task = only(duo_tasks(active(last_meeting_on="2026-11-10"), NOW), TaskKind.NO_MEETING_14_DAYS)
    assert task.due == "2026-11-24" and not task.overdue and task.detail["last_meeting_on"] == "2026-11-10"
    assert only(duo_tasks(active(last_meeting_on="2026-11-09"), NOW), TaskKind.NO_MEETING_14_DAYS).overdue


def test_a_duo_without_any_meeting_counts_the_14_days_from_its_start():
    assert kinds(duo_tasks(active(last_meeting_on=None, started_on="2026-11-10", planned_end="2027-05-10"), NOW)) == [
        "no_meeting_14_days"]
    assert duo_tasks(active(last_meeting_on=None, started_on="2026-11-11", planned_end="2027-05-11"), NOW) == []


def test_intervisions_are_flagged_within_30_days_of_the_planned_end_when_fewer_than_two():
    one = ["2026-07-01"]
    assert duo_tasks(active(planned_end="2026-12-25", intervisions=one), NOW) == []  # 31 days ahead
    task = only(duo_tasks(active(planned_end="2026-12-24", intervisions=one), NOW), TaskKind.MISSING_INTERVISIONS)
    assert task.due == "2026-12-24" and not task.overdue and task.detail["intervisions"] == 1
    assert duo_tasks(active(planned_end="2026-12-24"), NOW) == []  # two: nothing missing
    late = only(duo_tasks(active(planned_end="2026-11-23", intervisions=[]), NOW), TaskKind.MISSING_INTERVISIONS)
    assert late.overdue


def test_a_closed_duo_with_fewer_than_two_intervisions_stays_flagged():
    task = only(duo_tasks(closed(intervisions=["2026-07-01"]), NOW), TaskKind.MISSING_INTERVISIONS)
    assert task.overdue and task.due == "2026-11-01"


# --- Closing, evaluations and outcome ----------------------------------------------------------------------
def test_evaluations_are_due_a_week_after_closing_naming_the_missing_sides():
    missing = closed(ended_on="2026-11-17", evaluations={"mentor": {"would_mentor_again": True}})
    task = only(duo_tasks(missing, NOW), TaskKind.EVALUATION_DUE)
    assert task.detail["sides"] == ["mentee"] and task.due == "2026-11-24" and not task.overdue
    assert only(duo_tasks(missing, NOW + timedelta(days=1)), TaskKind.EVALUATION_DUE).overdue
    assert duo_tasks(closed(), NOW) == []  # both in, outcome not due yet


def test_the_outcome_is_due_12_months_after_the_start():
    started = closed(started_on="2025-11-24", planned_end="2026-05-24")
    task = only(duo_tasks(started, NOW), TaskKind.OUTCOME_DUE)
    assert task.due == "2026-11-24" and not task.overdue
    assert duo_tasks(closed(started_on="2025-11-25", planned_end="2026-05-25"), NOW) == []  # one day short
    assert only(duo_tasks(started, NOW + timedelta(days=1)), TaskKind.OUTCOME_DUE).overdue
    recorded = closed(started_on="2025-11-24", outcome={"situation": "job"})
    assert duo_tasks(recorded, NOW) == []


# --- Laptops --------------------------------------------------------------------------------------------------
def laptop(return_due: str, returned_on: str | None = None) -> dict:
    return {"id": "sv1", "code": "laptop_loan", "on": "2026-09-01", "return_due": return_due,
            "returned_on": returned_on}


def test_a_laptop_shows_seven_days_before_its_return_date_and_is_late_after():
    assert duo_tasks(active(services=[laptop("2026-12-02")]), NOW) == []  # 8 days ahead
    task = only(duo_tasks(active(services=[laptop("2026-12-01")]), NOW), TaskKind.LAPTOP_DUE_BACK)
    assert task.due == "2026-12-01" and not task.overdue and task.detail == {"service_id": "sv1", "code": "laptop_loan"}
    assert only(duo_tasks(closed(services=[laptop("2026-11-23")]), NOW), TaskKind.LAPTOP_DUE_BACK).overdue
    assert duo_tasks(active(services=[laptop("2026-11-23", "2026-11-22")]), NOW) == []  # returned


def test_other_services_have_nothing_to_return():
    workshop = {"id": "sv2", "code": "cv_workshop", "on": "2026-09-01", "return_due": None, "returned_on": None}
    assert duo_tasks(active(services=[workshop]), NOW) == []


# --- Mine ---------------------------------------------------------------------------------------------------------
def test_mine_keeps_the_tasks_of_the_records_the_staff_member_is_responsible_for():
    tasks = duo_tasks(duo(), NOW) + candidate_tasks(person(CandidateStatus.ATTENDED, coordinator="staff-2"), NOW)
    assert kinds(for_coordinator(tasks, "staff-2")) == ["intake_to_schedule"]
    assert len(for_coordinator(tasks, None)) == 2
    assert for_coordinator(tasks, "staff-3") == []


def test_overdue_tasks_sort_first_then_the_earliest_due():
    tasks = duo_tasks(duo(), NOW) + candidate_tasks(person(CandidateStatus.ATTENDED, since="2026-11-20T10:00:00Z"),
                                                    NOW)
    ordered = sorted(tasks, key=Task.sort_key)
    assert [t.kind.value for t in ordered] == ["answer_overdue", "intake_to_schedule"]
