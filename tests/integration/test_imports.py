"""Importing a branch's spreadsheets: dry run first, each row all or nothing, safe to run twice."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest

from chalicelib.api.routing import csrf_for
from chalicelib.services import people
from chalicelib.services import repos as repos_module
from chalicelib.store.imports import ImportRepository
from local.seed import DEMO_DOMAIN, demo_subject
from tests.conftest import bearer, token

B = "antwerp"
PEOPLE = (
    "role;name;email;phone;birth_date;language;languages;sectors;help_needs;status;training_done;coordinator_email\n"
    "mentee;Amal Benali;amal@example.org;+32 470 12 34 56;02/04/2001;nl;ar:native, nl:fluent;logistics;cv;ready;;"
    f"coordinator.{B}@{DEMO_DOMAIN}\n"
    "mentor;Jan Peeters;jan@example.org;;1958-09-14;nl;nl:native;logistics;;ready;all;\n"
    "mentee;Sara El Idrissi;sara@example.org;;2000-01-05;nl;;;;ready;;\n"
    "mentor;Piet Claes;piet@example.org;;1955-03-03;nl;;;;ready;all;\n"
    "mentee;Noor Haddad;noor@example.org;;1999-11-11;nl;;;;ready;;\n"
)
BAD_ROW = "mentee;;not-an-email;;31/02/2001;nl;;;;sleeping;;\n"
DUOS = (
    "mentee_email,mentor_email,first_meeting_on,started_on,ended_on,end_kind,end_reason,outcome,meetings\n"
    "amal@example.org,jan@example.org,2026-03-01,2026-03-10,,,,,5\n"
    "sara@example.org,jan@example.org,,2025-01-15,2025-07-15,completed,,job,12\n"
    "noor@example.org,piet@example.org,2026-11-20,,,,,,\n"
)


def send(client, csv: str, *, kind: str = "people", dry_run: bool = False, role: str = "branch_admin",
         branch: str = B, path_branch: str = B):
    answer = client.http.post(f"/branches/{path_branch}/imports", headers=bearer(role, branch),
                              body=json.dumps({"kind": kind, "csv": csv, "dry_run": dry_run}))
    return answer.status_code, json.loads(answer.body)


def everyone(branch: str = B):
    rows, _ = repos_module.get().candidates.list(branch, role=None, status=None, limit=100, cursor=None)
    return {c.email: c for c in rows}


def test_a_dry_run_lists_every_rows_problems_and_writes_nothing(client):
    status, report = send(client, PEOPLE + BAD_ROW, dry_run=True)
    assert status == 200, report
    assert (report["total"], report["ready"], report["errors"], report["imported"]) == (6, 5, 1, 0)
    bad = next(r for r in report["rows"] if r["row"] == 7)
    assert bad["result"] == "error"
    assert {p["column"] for p in bad["problems"]} == {"name", "email", "birth_date", "status"}
    assert everyone() == {}


def test_import_then_import_again_writes_each_person_once(client):
    status, first = send(client, PEOPLE + BAD_ROW)
    assert status == 200 and (first["imported"], first["errors"]) == (5, 1)
    status, again = send(client, PEOPLE + BAD_ROW)
    assert (again["imported"], again["already_there"], again["errors"]) == (0, 5, 1)
    ids = [r["record_id"] for r in first["rows"] if r["row"] < 7]
    assert [r["record_id"] for r in again["rows"] if r["row"] < 7] == ids
    people_now = everyone()
    assert len(people_now) == 5
    amal = people_now["amal@example.org"]
    assert amal.status.value == "ready" and amal.help_needs == ["cv"] and amal.birth_date == "2001-04-02"
    assert amal.coordinator_id == demo_subject("coordinator", B)
    assert people_now["jan@example.org"].training.keys() >= {"welcome", "closing"}
    trail, _ = repos_module.get().events.for_subject(B, "candidate", amal.id)
    assert [(e.kind, e.actor) for e in trail] == [("candidate.imported", f"import:{demo_subject('branch_admin', B)}")]
    assert "amal" not in json.dumps(trail[0].data).lower()


def test_an_imported_person_is_found_by_search(client):
    send(client, PEOPLE)
    found = people.search(repos_module.get(), B, "benal")
    assert [c.email for c in found] == ["amal@example.org"]
    assert [c.email for c in people.search(repos_module.get(), B, "0470")] == ["amal@example.org"]


def test_duos_set_both_people_and_a_second_run_duplicates_nothing(client):
    send(client, PEOPLE)
    ghost_row = "ghost@example.org,piet@example.org,,2026-01-01,,,,,\n"
    status, dry = send(client, DUOS + ghost_row, kind="duos", dry_run=True)
    assert status == 200 and (dry["ready"], dry["errors"]) == (3, 1)
    ghost = next(r for r in dry["rows"] if r["row"] == 5)
    assert ghost["problems"][0]["column"] == "mentee_email" and "No mentee" in ghost["problems"][0]["message"]
    assert everyone()["amal@example.org"].status.value == "ready"  # the dry run wrote nothing
    status, report = send(client, DUOS, kind="duos")
    assert status == 200 and report["imported"] == 3, report
    folks = everyone()
    active, closed, _first = (r["record_id"] for r in report["rows"])
    assert (folks["amal@example.org"].status.value, folks["amal@example.org"].duo_id) == ("in_duo", active)
    # Jan's closed duo came after his open one: he stays in his current duo, with both in his history.
    assert (folks["jan@example.org"].status.value, folks["jan@example.org"].duo_id) == ("in_duo", active)
    assert folks["jan@example.org"].duo_ids == [active, closed]
    assert (folks["sara@example.org"].status.value, folks["sara@example.org"].duo_id) == ("finished", "")
    assert {folks["noor@example.org"].status.value, folks["piet@example.org"].status.value} == {"paired"}
    duos = repos_module.get().duos
    assert duos.get(B, active).planned_end == "2026-09-10" and duos.get(B, active).meeting_count == 5
    assert duos.get(B, closed).outcome["situation"] == "job"
    status, again = send(client, DUOS, kind="duos")
    assert (again["imported"], again["already_there"]) == (0, 3)
    assert everyone()["jan@example.org"].duo_ids == [active, closed]
    trail, _ = repos_module.get().events.for_subject(B, "duo", active)
    assert [e.kind for e in trail] == ["duo.imported"]


def test_a_mentor_in_an_open_duo_cannot_get_a_second_one(client):
    send(client, PEOPLE)
    duos = DUOS.splitlines()[0] + "\namal@example.org,jan@example.org,,2026-03-10,,,,,\n" \
                                  "sara@example.org,jan@example.org,,2026-04-10,,,,,\n"
    _, report = send(client, duos, kind="duos", dry_run=True)
    second = next(r for r in report["rows"] if r["row"] == 3)
    assert second["result"] == "error" and "another open duo" in second["problems"][0]["message"]


def test_a_row_that_fails_writes_nothing_of_it(client, monkeypatch):
    send(client, PEOPLE)
    # The guard of Amal's email exists; pretend the check missed it (as if she signed up meanwhile).
    monkeypatch.setattr(ImportRepository, "owners", lambda self, branch, wanted: {})
    _, report = send(client, PEOPLE.replace("Amal Benali", "Amal Two"))
    assert report["already_there"] == 5 and report["imported"] == 0
    assert len(everyone()) == 5
    assert people.search(repos_module.get(), B, "two") == []  # no stray search term either


def test_a_duo_whose_person_changed_meanwhile_is_not_half_written(client, monkeypatch):
    send(client, PEOPLE)
    real = ImportRepository.candidates

    def stale(self, branch, ids):
        found = real(self, branch, ids)
        jan = next(c for c in found.values() if c.email == "jan@example.org")
        jan.version -= 1
        return found

    monkeypatch.setattr(ImportRepository, "candidates", stale)
    _, report = send(client, DUOS.splitlines()[0] + "\n" + DUOS.splitlines()[1] + "\n", kind="duos")
    assert report["errors"] == 1 and "run the import again" in report["rows"][0]["problems"][0]["message"]
    folks = everyone()
    assert folks["amal@example.org"].status.value == "ready" and folks["amal@example.org"].duo_ids == []
    assert repos_module.get().duos.list(B)[0] == []


@pytest.mark.parametrize("role, branch", [("coordinator", B), ("branch_admin", "ghent"), ("head_office", None)])
def test_only_the_branchs_admin_may_import(client, role, branch):
    status, _ = send(client, PEOPLE, role=role, branch=branch)
    assert status == 403
    assert everyone() == {}


def test_a_file_larger_than_the_usual_body_limit_is_taken_here_only(client):
    rows = "".join(f"mentee;Person {i};p{i}@example.org;;;nl;;;;registered;;\n" for i in range(1200))
    csv = PEOPLE.splitlines()[0] + "\n" + rows
    assert len(csv) > 64 * 1024
    status, report = send(client, csv, dry_run=True)
    assert status == 200 and report["ready"] == 1200
    big = json.dumps({"starts_at": "2030-01-01T10:00", "format": "online", "language": "nl", "address": "x" * 70000})
    other = client.http.post(f"/branches/{B}/info-sessions", headers=bearer("coordinator", B), body=big)
    assert other.status_code == 413


# --- the console page -------------------------------------------------------------------------------

def _multipart(fields: dict[str, str], file_text: str) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\n'
                 f"Content-Type: text/csv\r\n\r\n\ufeff{file_text}\r\n--{boundary}--\r\n")
    return f"multipart/form-data; boundary={boundary}", "".join(parts).encode("utf-8")


def test_console_upload_shows_the_dry_run_then_imports(client):
    session = token("branch_admin", B)
    cookie = {"Cookie": f"duo_session={session}", "Accept-Language": "en"}
    page = client.http.get(f"/branches/{B}/console/import", headers=cookie)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.body.decode()
    content_type, body = _multipart({"csrf": csrf_for(session), "kind": "people", "action": "check"}, PEOPLE + BAD_ROW)
    checked = client.http.post(f"/branches/{B}/console/import", headers={**cookie, "Content-Type": content_type},
                               body=body)
    html = checked.body.decode()
    assert checked.status_code == 200, html[:500]
    assert 'data-row="7"' in html and "is not a date" in html and 'value="import"' in html
    assert everyone() == {}
    form = {"csrf": csrf_for(session), "kind": "people", "action": "import", "csv": PEOPLE + BAD_ROW}
    done = client.http.post(f"/branches/{B}/console/import", body=urlencode(form),
                            headers={**cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and len(everyone()) == 5
    assert "Import done" in done.body.decode()


def test_console_upload_needs_the_csrf_field_and_the_admin_role(client):
    session = token("branch_admin", B)
    content_type, body = _multipart({"csrf": "forged", "kind": "people"}, PEOPLE)
    answer = client.http.post(f"/branches/{B}/console/import", body=body,
                              headers={"Cookie": f"duo_session={session}", "Content-Type": content_type})
    assert answer.status_code == 403 and everyone() == {}
    coordinator = client.http.get(f"/branches/{B}/console/import",
                                  headers={"Cookie": f"duo_session={token('coordinator', B)}"})
    assert coordinator.status_code == 403
