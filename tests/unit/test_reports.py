"""Reporting's pure part (domain/reports.py): what each event counts and in which month, periods, the
figures of a period on a known ground truth, order independence (Hypothesis), and small counts hidden
so that no subtraction recovers them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import reports
from chalicelib.domain.duos import MENTEE_EVALUATION, MENTOR_EVALUATION
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.events import Event
from chalicelib.domain.reports import (
    FUNNEL,
    METRICS,
    TABLE_COLUMN_GROUPS,
    TABLE_SHARES,
    UNKNOWN_MONTH,
    Period,
    add,
    aggregate,
    branch_figures,
    combine,
    deltas,
    month_of,
    months,
    parse_period,
    suppress,
    table_row,
)

BXL = "Europe/Brussels"
EXAMPLES = settings(max_examples=150, deadline=None)


def cand(kind: str, at: str = "2026-03-10T10:00:00Z", /, **data) -> Event:
    return Event(kind, "candidate", "c1", "staff-1", at, ("status",), data)


def duo(kind: str, at: str = "2026-03-10T10:00:00Z", /, **data) -> Event:
    return Event(kind, "duo", "d1", "staff-1", at, ("status",), data)


YES_MENTEE = {item: True for item in MENTEE_EVALUATION}
YES_MENTOR = {item: True for item in MENTOR_EVALUATION}

# --- deltas: every kind the reports count -------------------------------------------------------------
COUNTED = [
    (cand("candidate.signed_up", to="registered", role="mentee", heard_from="website"),
     [("2026-03", "registered.mentee", 1)]),
    (cand("candidate.signed_up", to="registered", role="mentor", heard_from="mentor"),
     [("2026-03", "registered.mentor", 1), ("2026-03", "recruited_by_mentor", 1)]),
    (cand("candidate.signed_up", to="registered", role="mentee", heard_from="mentor"),  # only mentors recruit mentors
     [("2026-03", "registered.mentee", 1)]),
    (cand("candidate.signed_up", to="registered"), [("2026-03", "registered.unknown", 1)]),
    (cand("candidate.imported", to="ready", role="mentor", row=3), [("2026-03", "registered.mentor", 1)]),
    (cand("candidate.attended", role="mentee", **{"from": "registered", "to": "attended"}),
     [("2026-03", "attended.mentee", 1)]),
    (cand("candidate.attended", role="mentee", **{"from": "no_show", "to": "attended"}),
     [("2026-03", "attended.mentee", 1)]),
    (cand("candidate.attended", role="mentee", **{"from": "attended", "to": "attended"}), []),
    (cand("candidate.no_show", role="mentor", **{"from": "attended", "to": "no_show"}),
     [("2026-03", "attended.mentor", -1)]),
    (cand("candidate.no_show", role="mentor", **{"from": "registered", "to": "no_show"}), []),
    (cand("intake.recorded", role="mentee", decision="ready", **{"from": "intake_scheduled", "to": "ready"}),
     [("2026-03", "intake.mentee", 1), ("2026-03", "ready.mentee", 1)]),
    (cand("intake.recorded", role="mentor", decision="ready", **{"from": "intake_scheduled", "to": "training"}),
     [("2026-03", "intake.mentor", 1)]),
    (cand("intake.recorded", role="mentee", decision="not_suitable",
          **{"from": "intake_scheduled", "to": "not_suitable"}),
     [("2026-03", "intake.mentee", 1)]),
    (cand("intake.recorded", decision="ready", **{"from": "intake_scheduled", "to": "ready"}),
     [("2026-03", "intake.unknown", 1), ("2026-03", "ready.unknown", 1)]),
    (cand("training.module_done", role="mentor", module="m1", **{"from": "training", "to": "ready"}),
     [("2026-03", "ready.mentor", 1)]),
    (cand("training.module_done", role="mentor", module="m1", **{"from": "training", "to": "training"}), []),
    (cand("training.module_undone", role="mentor", module="m1", **{"from": "ready", "to": "training"}),
     [("2026-03", "ready.mentor", -1)]),
    (cand("candidate.withdrawn", role="mentee", **{"from": "ready", "to": "withdrawn"}),
     [("2026-03", "withdrawn.mentee", 1)]),
    (cand("candidate.withdrawn", reason="cancelled_registration", **{"from": "registered", "to": "withdrawn"}),
     [("2026-03", "withdrawn.unknown", 1)]),
    (duo("duo.paired", to="first_meeting"), [("2026-03", "paired", 1)]),
    (duo("duo.answered", side="mentee", answer="yes"), []),
    (duo("duo.answered", side="mentor", answer="yes", to="agreed"), [("2026-03", "first_meeting", 1)]),
    (duo("duo.answered", side="mentor", answer="no", to="declined"),
     [("2026-03", "first_meeting", 1), ("2026-03", "declined", 1)]),
    (duo("duo.agreement_signed", "2026-03-02T09:00:00Z", to="active", started_on="2026-02-27",
         planned_end="2026-08-27"),
     [("2026-02", "started", 1)]),
    (duo("duo.agreement_signed", to="active"), [("2026-03", "started", 1)]),
    (duo("duo.closed", to="closed", kind="completed", ended_on="2026-03-01", started_on="2025-09-01"),
     [("2026-03", "completed", 1)]),
    (duo("duo.closed", "2026-04-01T08:00:00Z", to="closed", kind="stopped", ended_on="2026-03-30", reason="moved"),
     [("2026-03", "stopped", 1)]),
    (duo("duo.intervision_recorded", on="2026-02-12"), [("2026-02", "intervisions", 1)]),
    (duo("duo.service_recorded", service_id="s1", code="laptop_loan", on="2026-03-05", return_due="2026-06-05"),
     [("2026-03", "services.laptop_loan", 1)]),
    (duo("duo.evaluated", side="mentor", started_on="2025-10-20", would_mentor_again=True, keeps_in_touch=False),
     [("2025-10", "evaluated.mentor", 1), ("2025-10", "eval.would_mentor_again", 1)]),
    (duo("duo.evaluated", side="mentee", started_on="2025-10-20", **YES_MENTEE),
     [("2025-10", "evaluated.mentee", 1), *(("2025-10", f"eval.{i}", 1) for i in MENTEE_EVALUATION)]),
    (duo("duo.evaluated", side="mentee", **{i: False for i in MENTEE_EVALUATION}),
     [(UNKNOWN_MONTH, "evaluated.mentee", 1)]),
    (duo("duo.outcome_recorded", situation="job", started_on="2025-01-31"), [("2025-01", "outcome.job", 1)]),
    (duo("duo.outcome_recorded", situation="internship", started_on="2025-01-31"),
     [("2025-01", "outcome.internship", 1)]),
    (duo("duo.outcome_recorded", situation="searching"), [(UNKNOWN_MONTH, "outcome.searching", 1)]),
    (duo("duo.imported", status="closed", phase="done", started_on="2021-05-03", ended_on="2021-11-03",
         end_kind="completed", outcome="training", meetings=12, row=4),
     [("2021-05", "started", 1), ("2021-11", "completed", 1), ("2021-05", "outcome.training", 1)]),
    (duo("duo.imported", status="active", phase="active", started_on="2026-01-10", row=5),
     [("2026-01", "started", 1)]),
]


@pytest.mark.parametrize(("event", "expected"), COUNTED, ids=[f"{e.kind}-{i}" for i, (e, _) in enumerate(COUNTED)])
def test_each_counted_kind_adds_its_rows(event, expected):
    assert sorted(deltas(event, BXL)) == sorted(expected)
    for _, counter, _ in expected:
        assert counter in METRICS or counter.startswith(reports.SERVICES_PREFIX)


IGNORED = [
    cand("intake.scheduled", role="mentee", on="2026-03-12", **{"from": "attended", "to": "intake_scheduled"}),
    cand("candidate.coordinator_set", role="mentee", **{"from": None, "to": "staff-2"}),
    cand("candidate.status_changed", role="mentor", side="mentor", duo_id="d1", **{"from": "in_duo", "to": "ready"}),
    cand("candidate.status_changed", role="mentee", side="mentee", duo_id="d1", **{"from": "paired", "to": "ready"}),
    cand("training.module_undone", role="mentor", module="m2", **{"from": "training", "to": "training"}),
    cand("caseload.handed_over", **{"from": "staff-1", "to": "staff-2"}),
    Event("duo.imported", "candidate", "c1", "import:s", "2026-03-10T10:00:00Z", ("status",),
          {"duo_id": "d1", "side": "mentee", "from": "ready", "to": "in_duo"}),
    duo("duo.first_meeting_planned"),
    duo("duo.meeting_logged", on="2026-03-01", minutes=60, mode="online"),
    duo("duo.goal_added", goal_id="g1", status="open"),
    duo("duo.goal_updated", goal_id="g1", status="done"),
    duo("duo.checkin_recorded", on="2026-03-01", channel="call"),
    duo("duo.service_returned", service_id="s1", on="2026-03-01"),
    duo("duo.closed", to="closed", kind="something_else"),
    duo("duo.evaluated", side="nobody"),
    duo("duo.imported", status="first_meeting", phase="first_meeting", row=2),
    duo("duo.whatever_new"),
]


@pytest.mark.parametrize("event", IGNORED, ids=[e.kind for e in IGNORED])
def test_kinds_the_reports_ignore_add_nothing(event):
    assert deltas(event, BXL) == []


def test_an_unknown_situation_counts_as_unknown():
    # Older or odd data must still land somewhere rather than be lost.
    assert deltas(duo("duo.outcome_recorded", situation="moved_abroad", started_on="2025-01-01"), BXL) == [
        ("2025-01", "outcome.unknown", 1)]


# --- month_of: the branch's local month ---------------------------------------------------------------
@pytest.mark.parametrize(("at", "zone", "month"), [
    # 31 December 23:30 in Brussels (winter time, UTC+1) belongs to that year; half an hour later to the next.
    ("2026-12-31T22:30:00Z", BXL, "2026-12"),
    ("2026-12-31T22:59:59Z", BXL, "2026-12"),
    ("2026-12-31T23:00:00Z", BXL, "2027-01"),
    ("2026-12-31T23:30:00Z", BXL, "2027-01"),
    # summer time (UTC+2): 31 July 23:59:59 local is 21:59:59Z
    ("2026-07-31T21:59:59Z", BXL, "2026-07"),
    ("2026-07-31T22:00:00Z", BXL, "2026-08"),
    # winter time (UTC+1)
    ("2026-01-31T22:59:59Z", BXL, "2026-01"),
    ("2026-01-31T23:00:00Z", BXL, "2026-02"),
    # the month summer time starts (29 March 2026): on the 31st it is UTC+2 already
    ("2026-03-31T21:30:00Z", BXL, "2026-03"),
    ("2026-03-31T22:00:00Z", BXL, "2026-04"),
    # the month winter time returns (25 October 2026): on the 31st it is UTC+1 again
    ("2026-10-31T22:30:00Z", BXL, "2026-10"),
    ("2026-10-31T23:00:00Z", BXL, "2026-11"),
    # a UTC instant just after local midnight, still the previous month in UTC
    ("2026-05-31T22:00:01Z", BXL, "2026-06"),
    ("2026-05-31T22:00:01Z", "UTC", "2026-05"),
    # other spellings of an instant, and a local date
    ("2026-12-31T23:30:00+00:00", BXL, "2027-01"),
    ("2026-12-31T23:30:00.123456Z", BXL, "2027-01"),
    ("2026-12-31T23:30:00", BXL, "2027-01"),  # no offset: UTC
    ("2026-12-31", BXL, "2026-12"),
])
def test_month_of_is_the_local_month(at, zone, month):
    assert month_of(at, zone) == month


@pytest.mark.parametrize("at", [
    "2026-12-31T22:30:00Z", "2026-12-31T23:00:00Z", "2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z",
    "2026-10-25T00:59:59Z", "2026-10-25T01:00:00Z", "2026-06-30T21:59:59Z", "2026-06-30T22:00:00Z",
])
def test_rotterdam_lille_and_brussels_share_their_months(at):
    assert month_of(at, "Europe/Amsterdam") == month_of(at, "Europe/Paris") == month_of(at, BXL)


def test_a_duo_starting_on_31_december_late_evening_in_brussels_belongs_to_that_year():
    # Paired and signed at 23:30 local on 31 December: its pairing and its start are counted in that year.
    paired = duo("duo.paired", "2026-12-31T22:30:00Z", to="first_meeting")
    signed = duo("duo.agreement_signed", "2026-12-31T22:30:00Z", to="active")
    signed_dated = duo("duo.agreement_signed", "2027-01-04T08:00:00Z", to="active", started_on="2026-12-31")
    outcome = duo("duo.outcome_recorded", "2028-01-02T10:00:00Z", situation="job", started_on="2026-12-31")
    months_ = aggregate([paired, signed, signed_dated, outcome], BXL)
    year_2026 = branch_figures(months_, parse_period("2026"))
    assert year_2026.step("paired").total == 1
    assert year_2026.step("started").total == 2
    assert year_2026.outcomes.job.count == 1
    assert branch_figures(months_, parse_period("2027")).step("started").total == 0
    # An hour later it is 2027 in Brussels.
    late = aggregate([duo("duo.agreement_signed", "2026-12-31T23:30:00Z", to="active")], BXL)
    assert branch_figures(late, parse_period("2027")).step("started").total == 1


# --- periods ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "kind", "start", "end", "count"), [
    ("2026-07", "month", "2026-07", "2026-07", 1),
    ("2026-Q3", "quarter", "2026-07", "2026-09", 3),
    ("2026-q1", "quarter", "2026-01", "2026-03", 3),
    ("2026", "year", "2026-01", "2026-12", 12),
    (" 2026 ", "year", "2026-01", "2026-12", 12),
    ("2025..2026", "range", "2025-01", "2026-12", 24),
    ("2026-01..2026-06", "range", "2026-01", "2026-06", 6),
    ("2025-Q4..2026-Q1", "range", "2025-10", "2026-03", 6),
    ("2025-11..2026", "range", "2025-11", "2026-12", 14),
    ("2026..2026", "range", "2026-01", "2026-12", 12),
    ("2017..2026", "range", "2017-01", "2026-12", 120),
])
def test_parse_period(text, kind, start, end, count):
    period = parse_period(text)
    assert period == Period(kind, start, end)
    assert len(months(period)) == count
    assert months(period)[0] == start and months(period)[-1] == end
    assert parse_period(period.label) == period


def test_months_cross_the_year():
    assert months(parse_period("2025-11..2026-02")) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert parse_period("2026-Q3").label == "2026-Q3"
    assert parse_period("2025..2026").label == "2025..2026"
    assert parse_period("2026-02..2026-04").label == "2026-02..2026-04"
    assert parse_period("2025..2026").years == ["2025", "2026"]


@pytest.mark.parametrize("text", [
    "", "  ", None, 2026, "26", "20266", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "Q3-2026", "2026-7",
    "2026/07", "2026-07-01", "2027..2026", "2026-06..2026-01", "2016..2026", "2026..", "..2026", "1999",
    "2101", "2026...2027", "2026..2027..2028", "last year",
])
def test_bad_periods_are_refused_at_their_field(text):
    with pytest.raises(InvalidInputError) as caught:
        parse_period(text)
    assert set(caught.value.fields) == {"period"}


# --- figures on a synthetic ground truth ---------------------------------------------------------------
def _ground_truth(duos: int = 1000) -> list[Event]:
    """``duos`` duos started across 2025 and 2026: 55 % job, 19 % training or internship, 26 % searching."""
    events = []
    situations = ["job"] * 55 + ["training"] * 12 + ["internship"] * 7 + ["searching"] * 26
    for n in range(duos):
        started = f"{2025 + n % 2}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        sid = f"d{n}"
        events += [
            Event("duo.paired", "duo", sid, "s", f"{started}T09:00:00Z", (), {"to": "first_meeting"}),
            Event("duo.answered", "duo", sid, "s", f"{started}T10:00:00Z", (),
                  {"side": "mentee", "answer": "yes", "to": "agreed"}),
            Event("duo.agreement_signed", "duo", sid, "s", f"{started}T11:00:00Z", (), {"started_on": started}),
            Event("duo.closed", "duo", sid, "s", "2027-06-01T10:00:00Z", (),
                  {"kind": "completed", "ended_on": "2027-06-01", "started_on": started}),
            Event("duo.outcome_recorded", "duo", sid, "s", "2028-01-15T10:00:00Z", (),
                  {"situation": situations[n // 2 % 100], "started_on": started}),
            Event("duo.evaluated", "duo", sid, "s", "2027-06-02T10:00:00Z", (),
                  {"side": "mentor", "started_on": started, "would_mentor_again": n % 10 != 0,
                   "keeps_in_touch": n % 5 != 0}),
        ]
    return events


def test_the_cohort_shares_are_exactly_the_ground_truth():
    events = _ground_truth()
    random.Random(7).shuffle(events)
    aggregates = aggregate(events, BXL)
    both = branch_figures(aggregates, parse_period("2025..2026"))
    assert both.step("started").total == 1000 == both.outcomes.started == both.outcomes.recorded
    assert both.outcomes.job.share == 0.55
    assert both.outcomes.training_or_internship.share == 0.19
    assert both.outcomes.searching.share == 0.26
    assert both.outcomes.unknown.share == 0
    assert both.outcomes.not_recorded == 0
    assert both.evaluations["would_mentor_again"].share == 0.9
    assert both.evaluations["keeps_in_touch"].share == 0.8
    assert both.evaluations["gained_confidence"].share is None  # no mentee evaluated
    for year in ("2025", "2026"):
        one = branch_figures(aggregates, parse_period(year))
        assert one.outcomes.started == 500
        assert (one.outcomes.job.share, one.outcomes.training_or_internship.share, one.outcomes.searching.share) == (
            0.55, 0.19, 0.26)
    # the outcomes of 2028 and the closings of 2027 belong to their cohorts, not to the months they were recorded
    later = branch_figures(aggregates, parse_period("2027..2028"))
    assert later.outcomes.recorded == 0 and later.step("completed").total == 1000
    # two branches with the same truth: a country's shares are the same
    country = branch_figures(combine([aggregates, aggregate(_ground_truth(400), BXL)]), parse_period("2025..2026"))
    assert country.outcomes.started == 1400 and country.outcomes.job.share == 0.55


def test_the_funnel_rates_and_shares_of_a_period():
    at = "2026-05-10T10:00:00Z"
    events = [
        *(cand("candidate.signed_up", at, to="registered", role="mentee") for _ in range(10)),
        *(cand("candidate.signed_up", at, to="registered", role="mentor", heard_from="mentor") for _ in range(2)),
        *(cand("candidate.signed_up", at, to="registered", role="mentor", heard_from="website") for _ in range(3)),
        *(cand("candidate.attended", at, role="mentee", **{"from": "registered", "to": "attended"}) for _ in range(8)),
        *(cand("intake.recorded", at, role="mentee", **{"from": "intake_scheduled", "to": "ready"}) for _ in range(6)),
        *(cand("training.module_done", at, role="mentor", **{"from": "training", "to": "ready"}) for _ in range(4)),
        *(duo("duo.paired", at) for _ in range(5)),
        *(duo("duo.answered", at, to="agreed") for _ in range(3)),
        duo("duo.answered", at, to="declined"),
        *(duo("duo.agreement_signed", at, started_on="2026-05-09") for _ in range(3)),
        duo("duo.closed", at, kind="stopped", ended_on="2026-05-10"),
        *(duo("duo.intervision_recorded", at, on="2026-05-01") for _ in range(7)),
        duo("duo.service_recorded", at, code="workshop_cv", on="2026-05-02"),
        *(duo("duo.service_recorded", at, code="laptop_loan", on="2026-05-02") for _ in range(2)),
        duo("duo.outcome_recorded", at, situation="job"),  # no start: cohort unknown
    ]
    aggregates = aggregate(events, BXL)
    figures = branch_figures(aggregates, parse_period("2026-Q2"))
    assert [s.name for s in figures.funnel] == list(FUNNEL)
    assert [s.total for s in figures.funnel] == [15, 8, 6, 10, 5, 4, 3, 0, 1]
    assert figures.step("registered").by_role == {"mentee": 10, "mentor": 5, "unknown": 0}
    assert figures.mentors_trained == 4
    assert figures.dropout == reports.Share(1, 4) and figures.dropout_rate == 0.25
    assert figures.recruited_by_mentor.share == 0.4
    assert figures.intervisions == 7
    assert figures.services == {"laptop_loan": 2, "workshop_cv": 1}
    assert list(figures.counts)[-2:] == ["services.laptop_loan", "services.workshop_cv"]
    assert figures.outcomes.recorded == 0  # the month "unknown" belongs to no period...
    assert aggregates[UNKNOWN_MONTH] == {"outcome.job": 1}  # ...but the aggregate keeps it
    empty = branch_figures(aggregates, parse_period("2026-Q1"))
    assert empty.dropout_rate is None and empty.outcomes.job.share is None and empty.step("registered").total == 0
    # a newly onboarded branch: zeros, not errors
    new = branch_figures({}, parse_period("2026"), {"2026": {"duos": 10}})
    assert all(s.total == 0 for s in new.funnel) and new.targets[0].achieved == 0


def test_a_correction_in_a_later_month_never_shows_less_than_none():
    events = [cand("training.module_done", "2026-01-10T10:00:00Z", role="mentor",
                   **{"from": "training", "to": "ready"}),
              cand("training.module_undone", "2026-02-10T10:00:00Z", role="mentor",
                   **{"from": "ready", "to": "training"})]
    aggregates = aggregate(events, BXL)
    assert branch_figures(aggregates, parse_period("2026-02")).mentors_trained == 0
    assert branch_figures(aggregates, parse_period("2026-01")).mentors_trained == 1
    assert branch_figures(aggregates, parse_period("2026")).mentors_trained == 0


def test_targets_progress_year_to_date():
    events = [
        *(duo("duo.agreement_signed", started_on=f"2026-{m:02d}-15") for m in range(1, 13) for _ in range(2)),
        *(cand("training.module_done", f"2026-{m:02d}-15T10:00:00Z", role="mentor",
               **{"from": "training", "to": "ready"}) for m in range(1, 13)),
        *(cand("intake.recorded", "2025-06-15T10:00:00Z", role="mentee",
               **{"from": "intake_scheduled", "to": "ready"}) for _ in range(30)),
    ]
    aggregates = aggregate(events, BXL)
    targets = {"2026": {"duos": 50, "mentors": 20, "mentees": None}, "2025": {"mentees": 40, "duos": 0}}
    q3 = branch_figures(aggregates, parse_period("2026-Q3"), targets)
    assert [(t.year, t.metric, t.target, t.achieved) for t in q3.targets] == [
        ("2026", "duos", 50, 18), ("2026", "mentors", 20, 9)]
    assert q3.targets[0].share == 0.36
    both = branch_figures(aggregates, parse_period("2025..2026"), targets)
    assert [(t.year, t.metric, t.achieved, t.share) for t in both.targets] == [
        ("2025", "duos", 0, None), ("2025", "mentees", 30, 0.75), ("2026", "duos", 24, 0.48),
        ("2026", "mentors", 12, 0.6)]
    assert branch_figures(aggregates, parse_period("2026"), None).targets == ()


# --- order independence (Hypothesis) -------------------------------------------------------------------
_STATUSES = ("registered", "attended", "no_show", "intake_scheduled", "training", "ready", "paired", "in_duo",
             "withdrawn", None)
_KINDS = sorted(reports.COUNTED_KINDS | {"intake.scheduled", "duo.meeting_logged", "candidate.status_changed"})


@st.composite
def events(draw) -> Event:
    kind = draw(st.sampled_from(_KINDS))
    at = draw(st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2027, 1, 31)))
    data = {
        "role": draw(st.sampled_from(("mentee", "mentor", None))),
        "from": draw(st.sampled_from(_STATUSES)),
        "to": draw(st.sampled_from((*_STATUSES, "agreed", "declined"))),
        "heard_from": draw(st.sampled_from(("mentor", "website", None))),
        "kind": draw(st.sampled_from(("completed", "stopped", None))),
        "side": draw(st.sampled_from(("mentee", "mentor"))),
        "situation": draw(st.sampled_from(("job", "training", "internship", "searching", "unknown"))),
        "code": draw(st.sampled_from(("laptop_loan", "workshop_cv"))),
        "started_on": draw(st.sampled_from(("2025-01-31", "2025-12-31", "2026-06-01", None))),
        "ended_on": draw(st.sampled_from(("2026-01-01", None))),
        "on": draw(st.sampled_from(("2025-03-03", None))),
        "end_kind": draw(st.sampled_from(("completed", None))),
        "outcome": draw(st.sampled_from(("job", None))),
        **{item: draw(st.booleans()) for item in (*MENTEE_EVALUATION, *MENTOR_EVALUATION)},
    }
    subject = "duo" if kind.startswith("duo.") and draw(st.booleans()) else "candidate"
    return Event(kind, subject, "x", "s", at.isoformat() + "Z", (), {k: v for k, v in data.items() if v is not None})


def _flat(aggregates) -> dict[tuple[str, str], int]:
    return {(m, c): n for m, counters in aggregates.items() for c, n in counters.items() if n != 0}


@EXAMPLES
@given(st.lists(events(), max_size=60), st.randoms(use_true_random=False),
       st.sampled_from((BXL, "Europe/Amsterdam", "Europe/Paris", "UTC")))
def test_the_aggregate_is_the_sum_of_per_event_deltas_in_any_order(batch, rnd, zone):
    expected: Counter[tuple[str, str]] = Counter()
    for event in batch:
        for month, counter, n in deltas(event, zone):
            expected[(month, counter)] += n
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    # repeated deliveries are the store's business (a SEEN marker); each distinct event counts once here
    forward, backward = aggregate(batch, zone), aggregate(shuffled, zone)
    assert forward == backward
    assert _flat(forward) == {key: n for key, n in expected.items() if n != 0}
    # split anywhere, summed per part: the same aggregate (what per-branch and per-country sums rely on)
    cut = rnd.randint(0, len(batch))
    assert combine([aggregate(batch[:cut], zone), aggregate(batch[cut:], zone)]) == forward
    # and the figures of any period do not depend on the order either
    period = parse_period("2025..2026")
    assert branch_figures(forward, period) == branch_figures(backward, period)


def test_add_sums_in_place():
    aggregates: dict[str, dict[str, int]] = {"2026-01": {"paired": 2}}
    add(aggregates, [("2026-01", "paired", 1), ("2026-02", "started", 1), ("2026-01", "started", 1)])
    assert aggregates == {"2026-01": {"paired": 3, "started": 1}, "2026-02": {"started": 1}}


# --- suppression -------------------------------------------------------------------------------------------
HIDDEN = "<5"


def _lines(table, groups, column_groups):
    for total, members in groups:
        for col in {c for m in (total, *members) for c in table.get(m, {})}:
            yield [(total, col), *((m, col) for m in members)]
    for row in table:
        for total_col, member_cols in column_groups:
            yield [(row, total_col), *((row, c) for c in member_cols)]


def _check_protected(original, shown, groups, column_groups=(), shares=None, threshold=5):
    marker = f"<{threshold}"
    for row, cols in original.items():
        for col, value in cols.items():
            if col in (shares or {}):
                continue
            if isinstance(value, int) and 0 < value < threshold:
                assert shown[row][col] == marker, (row, col)  # small counts hidden
            if value == 0:
                assert shown[row][col] == 0, (row, col)  # zeros stay visible
            if shown[row][col] != marker:
                assert shown[row][col] == value  # what is shown is the truth
    for line in _lines(original, groups, column_groups):
        cells = [c for c in line if c[1] in original.get(c[0], {})]
        if line[0] not in cells:
            continue
        hidden = [c for c in cells if shown[c[0]][c[1]] == marker]
        # no hidden count is the difference between a visible total and visible members: two or none
        assert len(hidden) != 1, (line, hidden)
    for col, (numerator, base) in (shares or {}).items():
        for row, cols in shown.items():
            if col not in cols:
                continue
            if cols.get(numerator) == marker or cols.get(base) == marker:
                assert cols[col] == marker
            else:  # a visible share of a visible base: the rest (those who said no) is no small count
                rest = original[row][base] - original[row][numerator]
                assert not 0 < rest < threshold, (row, col)


COUNTRIES = {"BE": ["brussels", "liege", "antwerp", "ghent"], "NL": ["rotterdam"], "FR": ["lille"]}


def _network(values: dict[str, dict[str, int]]) -> tuple[dict, list]:
    table = {b: dict(cols) for b, cols in values.items()}
    groups = []
    for country, branches in COUNTRIES.items():
        table[country] = {c: sum(values[b][c] for b in branches) for c in values["brussels"]}
        groups.append((country, branches))
    table["total"] = {c: sum(table[k][c] for k in COUNTRIES) for c in values["brussels"]}
    groups.append(("total", list(COUNTRIES)))
    return table, groups


def test_a_single_small_branch_is_protected_by_a_second_one():
    values = {b: {"started": n} for b, n in
              zip(["brussels", "liege", "antwerp", "ghent", "rotterdam", "lille"], [40, 3, 25, 12, 7, 0], strict=True)}
    table, groups = _network(values)
    shown = suppress(table, groups)
    assert shown["liege"]["started"] == HIDDEN
    assert shown["ghent"]["started"] == HIDDEN  # the next smallest nonzero branch of Belgium
    assert shown["brussels"]["started"] == 40 and shown["BE"]["started"] == 80 and shown["total"]["started"] == 87
    assert shown["lille"]["started"] == 0  # zeros stay
    _check_protected(table, shown, groups)


def test_a_country_total_below_the_threshold_is_hidden_with_another_country():
    values = {b: {"started": n} for b, n in
              zip(["brussels", "liege", "antwerp", "ghent", "rotterdam", "lille"], [40, 0, 25, 12, 3, 9], strict=True)}
    table, groups = _network(values)
    shown = suppress(table, groups)
    assert shown["rotterdam"]["started"] == shown["NL"]["started"] == HIDDEN
    assert shown["FR"]["started"] == HIDDEN  # else total - BE - FR gives NL
    assert shown["lille"]["started"] == HIDDEN  # else FR = lille
    _check_protected(table, shown, groups)


def test_role_columns_and_shares():
    table = {"a": {"registered": 12, "registered.mentee": 10, "registered.mentor": 2, "registered.unknown": 0,
                   "eval.keeps_in_touch": 8, "evaluated.mentor": 10, "eval.keeps_in_touch_share": 0.8},
             "b": {"registered": 20, "registered.mentee": 10, "registered.mentor": 10, "registered.unknown": 0,
                   "eval.keeps_in_touch": 10, "evaluated.mentor": 10, "eval.keeps_in_touch_share": 1.0}}
    column_groups = [("registered", ("registered.mentee", "registered.mentor", "registered.unknown"))]
    shares = {"eval.keeps_in_touch_share": ("eval.keeps_in_touch", "evaluated.mentor")}
    shown = suppress(table, [], column_groups=column_groups, shares=shares)
    assert shown["a"]["registered.mentor"] == HIDDEN and shown["a"]["registered.mentee"] == HIDDEN
    assert shown["a"]["registered.unknown"] == 0
    # 8 of 10 said yes: 2 said no, a small group; the yes count and the share go
    assert shown["a"]["eval.keeps_in_touch"] == HIDDEN and shown["a"]["eval.keeps_in_touch_share"] == HIDDEN
    assert shown["a"]["evaluated.mentor"] == 10
    assert shown["b"] == table["b"]
    _check_protected(table, shown, [], column_groups, shares)


def test_another_threshold():
    shown = suppress({"x": {"n": 9, "m": 10, "z": 0}}, [], threshold=10)
    assert shown == {"x": {"n": "<10", "m": 10, "z": 0}}


@st.composite
def networks(draw):
    small = st.integers(0, 12)
    columns = ("started", "registered.mentee", "registered.mentor", "eval.keeps_in_touch", "evaluated.mentor")
    values = {}
    for branch in [b for bs in COUNTRIES.values() for b in bs]:
        row = {c: draw(small) for c in columns}
        row["registered"] = row["registered.mentee"] + row["registered.mentor"]
        row["evaluated.mentor"] = max(row["evaluated.mentor"], row["eval.keeps_in_touch"])
        values[branch] = row
    return values


@EXAMPLES
@given(networks(), st.sampled_from((3, 5, 10)))
def test_no_hidden_count_can_be_recovered_by_subtraction(values, threshold):
    table, groups = _network(values)
    shares = {"keeps_in_touch_share": ("eval.keeps_in_touch", "evaluated.mentor")}
    for cols in table.values():
        base = cols["evaluated.mentor"]
        cols["keeps_in_touch_share"] = cols["eval.keeps_in_touch"] / base if base else None
    column_groups = [("registered", ("registered.mentee", "registered.mentor"))]
    shown = suppress(table, groups, threshold, column_groups=column_groups, shares=shares)
    _check_protected(table, shown, groups, column_groups, shares, threshold)


def test_a_report_table_from_figures_suppresses_cleanly():
    events = _ground_truth(40)
    rows = {"brussels": table_row(branch_figures(aggregate(events, BXL), parse_period("2025..2026"))),
            "liege": table_row(branch_figures(aggregate(events[:30], BXL), parse_period("2025..2026")))}
    rows["BE"] = table_row(branch_figures(
        combine([aggregate(events, BXL), aggregate(events[:30], BXL)]), parse_period("2025..2026")))
    groups = [("BE", ["brussels", "liege"])]
    shown = suppress(rows, groups, column_groups=TABLE_COLUMN_GROUPS, shares=TABLE_SHARES)
    _check_protected(rows, shown, groups, TABLE_COLUMN_GROUPS, TABLE_SHARES)
    assert shown["brussels"]["started"] == 40 and shown["liege"]["started"] == 5
    assert set(TABLE_SHARES) <= set(rows["BE"])


def _determined_by_linear_algebra(table, shown, groups, column_groups, shares, marker="<5"):
    """An independent audit (floating point, not the module's exact elimination): every unknown (a hidden
    count, or a share's rest, never published) that the published sums pin down to one value."""
    import numpy as np

    unknown: dict[tuple[str, str], int] = {}
    rest = {num: base for num, base in shares.values()}

    def value(cell):
        row, col = cell
        if col.startswith("rest:"):
            return table[row][rest[col[5:]]] - table[row][col[5:]]
        return table[row][col]

    def hidden(cell):
        return cell[1].startswith("rest:") or shown[cell[0]][cell[1]] == marker

    lines = []
    counts = [c for c, v in table["total"].items() if c not in shares and isinstance(v, int)]
    lines += [[(t, c), *((m, c) for m in ms)] for t, ms in groups for c in counts]
    lines += [[(r, t), *((r, m) for m in ms)] for r in table for t, ms in column_groups]
    lines += [[(r, base), (r, num), (r, f"rest:{num}")] for num, base in rest.items() for r in table]
    lines += [[(t, f"rest:{num}"), *((m, f"rest:{num}") for m in ms)] for num in rest for t, ms in groups]
    equations = []
    for line in lines:
        coefficients = {}
        for i, cell in enumerate(line):
            if hidden(cell):
                coefficients[unknown.setdefault(cell, len(unknown))] = 1 if i == 0 else -1
        if coefficients:
            equations.append(coefficients)
    # the sums fall apart into families (a column's, the outcomes', an evaluation's): one small matrix each
    family = list(range(len(unknown)))

    def root(j):
        while family[j] != j:
            family[j] = family[family[j]]
            j = family[j]
        return j

    for coefficients in equations:
        first, *others = coefficients
        for j in others:
            family[root(j)] = root(first)
    pinned = set()
    for members in {root(j) for j in range(len(unknown))}:
        columns = [j for j in range(len(unknown)) if root(j) == members]
        rows = [e for e in equations if root(next(iter(e))) == members]
        matrix = np.array([[e.get(j, 0) for j in columns] for e in rows], dtype=float)
        eigenvalues, vectors = np.linalg.eigh(matrix.T @ matrix)  # its null space is the matrix's
        null = vectors[:, eigenvalues < 1e-9]
        pinned |= {j for i, j in enumerate(columns) if null.shape[1] == 0 or abs(null[i]).max() < 1e-9}
    return {cell: value(cell) for cell, j in unknown.items() if j in pinned}


@st.composite
def branch_aggregates(draw):
    counts = st.sampled_from((0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40))
    out = {}
    for branch in [b for bs in COUNTRIES.values() for b in bs]:
        c = {m: draw(counts) for m in METRICS}
        for side in ("mentee", "mentor"):
            items = reports.EVALUATION_ITEMS[side]
            c[f"evaluated.{side}"] = max(c[f"evaluated.{side}"], *(c[f"eval.{i}"] for i in items))
        c["first_meeting"] = max(c["first_meeting"], c["declined"])
        c["registered.mentor"] = max(c["registered.mentor"], c["recruited_by_mentor"])
        c["services.laptop_loan"] = draw(counts)
        out[branch] = {"2026-03": c}
    return out


@settings(max_examples=40, deadline=None)
@given(branch_aggregates())
def test_the_network_table_pins_no_small_count_down_even_combining_every_sum(aggregates):
    period = parse_period("2026")
    table = {b: table_row(branch_figures(a, period)) for b, a in aggregates.items()}
    groups = []
    for country, branches in COUNTRIES.items():
        table[country] = table_row(branch_figures(combine(aggregates[b] for b in branches), period))
        groups.append((country, branches))
    table["total"] = table_row(branch_figures(combine(aggregates.values()), period))
    groups.append(("total", list(COUNTRIES)))
    shown = suppress(table, groups, column_groups=TABLE_COLUMN_GROUPS, shares=TABLE_SHARES)
    _check_protected(table, shown, groups, TABLE_COLUMN_GROUPS, TABLE_SHARES)
    pinned = _determined_by_linear_algebra(table, shown, groups, TABLE_COLUMN_GROUPS, TABLE_SHARES)
    assert not {cell: v for cell, v in pinned.items() if 0 < v < 5}
