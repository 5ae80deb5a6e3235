"""Reading a branch's spreadsheets: every problem named by row, column and in plain words."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.branches import END_REASONS, HELP_NEEDS, TRAINING_MODULES
from chalicelib.domain.candidates import CandidateRole, CandidateStatus
from chalicelib.domain.imports import DuoRow, PersonRow, Problem, Rules, parse, parse_date

TODAY = date(2026, 11, 24)
RULES = Rules("nl", HELP_NEEDS, TRAINING_MODULES, TRAINING_MODULES, END_REASONS)
PEOPLE_HEADER = "role,name,email,phone,birth_date,postcode,city,language,languages,sectors,help_needs,availability," \
                "status,training_done,coordinator_email"
MENTEE = 'mentee,Amal Benali,Amal@Example.org,+32 470 12 34 56,02/04/2001,2000,Antwerpen,nl,"ar:native; nl:fluent",' \
         'logistics,cv;network,mon_evening,ready,,'
MENTOR = "mentor,Jan Peeters,jan@example.org,,1958-09-14,2000,Antwerpen,nl,nl:native,logistics,,tue_morning,ready,all,"


def people(*rows: str, header: str = PEOPLE_HEADER) -> tuple[list, list[Problem]]:
    parsed = parse("people", "\n".join([header, *rows]), RULES, today=TODAY)
    return parsed.rows, parsed.problems


def duos(*rows: str, header: str = "mentee_email,mentor_email,first_meeting_on,started_on,ended_on,end_kind,"
                                   "end_reason,outcome,meetings") -> tuple[list, list[Problem]]:
    parsed = parse("duos", "\n".join([header, *rows]), RULES, today=TODAY)
    return parsed.rows, parsed.problems


def test_good_people_rows_are_read_with_their_codes_and_dates():
    rows, problems = people(MENTEE, MENTOR)
    assert problems == []
    mentee, mentor = rows
    assert isinstance(mentee, PersonRow) and mentee.role is CandidateRole.MENTEE
    assert mentee.email == "amal@example.org"  # the guard compares emails without case
    assert mentee.birth_date == "2001-04-02"
    assert mentee.languages == [("ar", "native"), ("nl", "fluent")]
    assert mentee.help_needs == ["cv", "network"] and mentee.status is CandidateStatus.READY
    assert mentor.training == {m: TODAY.isoformat() for m in TRAINING_MODULES}


def test_semicolons_a_byte_order_mark_and_header_spelling_are_accepted():
    text = "\ufeffRole;Name;E-mail;Status\r\nmentee;Amal Benali;amal@example.org;registered\r\n;;;\r\n"
    text = text.replace("E-mail", "Email")
    parsed = parse("people", text, RULES, today=TODAY)
    assert parsed.problems == [] and parsed.total == 1
    assert parsed.rows[0].name == "Amal Benali" and parsed.rows[0].language == "nl"  # the branch's language


@pytest.mark.parametrize("text, expected", [
    ("2024-03-01", date(2024, 3, 1)), ("01/03/2024", date(2024, 3, 1)), ("1/3/2024", date(2024, 3, 1)),
    ("01.03.2024", date(2024, 3, 1)), ("2024-03-01 00:00:00", date(2024, 3, 1)),
    ("31/02/2024", None), ("03-01-2024", None), ("yesterday", None), ("2024/03/01", None),
])
def test_dates_in_excel_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("row, column, words", [
    (MENTEE.replace("mentee,", "student,", 1), "role", "mentee or mentor"),
    (MENTEE.replace("Amal Benali", ""), "name", "required"),
    (MENTEE.replace("Amal@Example.org", "amal.example.org"), "email", "not an email"),
    (MENTEE.replace("+32 470 12 34 56", "call me"), "phone", "not a phone"),
    (MENTEE.replace("02/04/2001", "2001-02-30"), "birth_date", "31/12/2024 or 2024-12-31"),
    (MENTEE.replace("02/04/2001", "02/04/2031"), "birth_date", "future"),
    (MENTEE.replace(",nl,", ",de,", 1), "language", "one of nl, fr, en"),
    (MENTEE.replace("ar:native", "xx:native"), "languages", "Unknown language code"),
    (MENTEE.replace("ar:native", "ar"), "languages", "level"),
    (MENTEE.replace("logistics", "space"), "sectors", "Unknown: space"),
    (MENTEE.replace("cv;network", "cv;magic"), "help_needs", "Unknown: magic"),
    (MENTEE.replace("mon_evening", "monday"), "availability", "Unknown: monday"),
    (MENTEE.replace(",ready,", ",in_duo,"), "status", "duos file"),
    (MENTEE.replace(",ready,", ",sleeping,"), "status", "Unknown stage"),
    (MENTEE.replace(",ready,", ",training,"), "status", "Only mentors"),
    (MENTEE.replace(",ready,,", ",ready,welcome,"), "training_done", "for mentors"),
    (MENTEE + "boss", "coordinator_email", "not an email"),
    (MENTOR.replace(",,tue", ",cv,tue"), "help_needs", "for mentees"),
    (MENTOR.replace(",all,", ",welcome,"), "training_done", "missing: role_of_mentor"),
    (MENTOR.replace(",all,", ",yoga,").replace(",ready,", ",training,"), "training_done", "Unknown training module"),
    (MENTOR.replace(",ready,", ",finished,"), "status", "ready (available again)"),
])
def test_each_bad_person_cell_is_named_with_its_row_and_column(row, column, words):
    rows, problems = people(MENTOR, row)
    assert [r.row for r in rows] == [2]  # the good row is kept, the bad one is not
    mine = [p for p in problems if p.row == 3]
    assert any(p.column == column and words in p.message for p in mine), problems


def test_the_same_person_twice_in_a_file_is_reported_at_the_second_row():
    _, problems = people(MENTEE, MENTEE.replace("Amal Benali", "A. Benali"))
    assert problems == [Problem(3, "", "This person appears twice in this file (same email and role): see row 2.")]


def test_header_problems_stop_before_the_rows():
    _, problems = people("mentee,Amal", header="role,name,shoe_size")
    assert {(p.row, p.column) for p in problems} == {(1, "shoe_size"), (1, "email"), (1, "status")}
    assert parse("people", "  \n", RULES, today=TODAY).problems[0].message.startswith("The file is empty")


def test_a_row_longer_than_the_header_is_reported():
    _, problems = people(MENTEE + ",extra")
    assert problems and problems[0].row == 2 and "more cells" in problems[0].message


def test_good_duo_rows_open_and_closed():
    rows, problems = duos(
        "amal@example.org,jan@example.org,2025-01-10,15/01/2025,,,,,4",
        "sara@example.org,jan@example.org,,2024-01-15,2024-07-15,completed,,job,12",
        "noor@example.org,piet@example.org,2026-11-20,,,,,,",
    )
    assert problems == []
    active, closed, first = rows
    assert isinstance(active, DuoRow) and active.is_open and active.started_on == "2025-01-15" and active.meetings == 4
    assert not closed.is_open and closed.outcome == "job" and closed.key_date == "2024-01-15"
    assert first.key_date == "2026-11-20" and first.started_on == ""


@pytest.mark.parametrize("row, column, words", [
    ("amal@example.org,amal@example.org,,2025-01-15,,,,,", "mentor_email", "same person"),
    ("amal@example.org,jan@example.org,,,,,,,", "started_on", "Give the date"),
    ("amal@example.org,jan@example.org,2025-02-01,2025-01-15,,,,,", "first_meeting_on", "before the start"),
    ("amal@example.org,jan@example.org,2025-01-10,,2025-03-01,completed,,,", "started_on", "ended needs"),
    ("amal@example.org,jan@example.org,,2025-01-15,2024-12-01,completed,,,", "ended_on", "before the start"),
    ("amal@example.org,jan@example.org,,2025-01-15,2025-06-01,,,,", "end_kind", "completed or stopped"),
    ("amal@example.org,jan@example.org,,2025-01-15,2025-06-01,stopped,,,", "end_reason", "why"),
    ("amal@example.org,jan@example.org,,2025-01-15,2025-06-01,stopped,bored,,", "end_reason", "Unknown reason"),
    ("amal@example.org,jan@example.org,,2025-01-15,,,,job,", "outcome", "ended"),
    ("amal@example.org,jan@example.org,,2025-01-15,2025-06-01,completed,,rich,", "outcome", "Unknown outcome"),
    ("amal@example.org,jan@example.org,,2025-01-15,,,,,many", "meetings", "whole number"),
    ("amal@example.org,jan@example.org,2025-01-10,,,,,,3", "meetings", "once the duo started"),
    ("amal@example.org,jan@example.org,,2027-01-15,,,,,", "started_on", "future"),
])
def test_each_bad_duo_cell_is_named(row, column, words):
    _, problems = duos(row)
    assert any(p.row == 2 and p.column == column and words in p.message for p in problems), problems
