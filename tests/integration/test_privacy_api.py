"""Personal data over the JSON API (issue 8): privacy requests and their deadlines in the task list, the access
audit of every read (and the head office's counts), restriction, correction, export and erasure."""

from __future__ import annotations

import json
from datetime import date

import pytest

from chalicelib.domain.privacy_requests import due_on
from chalicelib.services import repos as repos_module
from chalicelib.store import keys
from chalicelib.store.models import GuardItem
from local.seed import demo_subject
from tests.conftest import bearer
from tests.integration.duo_helpers import pair, ready_candidate
from tests.integration.signup_helpers import plan_session, sign_up_candidate

B, OTHER = "antwerp", "ghent"
COORD = demo_subject("coordinator", B)
ADMIN = demo_subject("branch_admin", B)


@pytest.fixture(autouse=True)
def clock(frozen_clock):
    return frozen_clock  # 2026-11-24 09:00 UTC


@pytest.fixture
def session(client):
    return plan_session(client, B)["id"]


@pytest.fixture
def mentee(client, session):
    return sign_up_candidate(client, B, session)[0]


def call(client, method: str, path: str, role: str = "branch_admin", branch: str | None = B, body=None,
         headers: dict | None = None):
    return client.http.request(method, path, headers={**bearer(role, branch), **(headers or {})},
                               body=json.dumps(body) if body is not None else None)


def ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, answer.body
    return json.loads(answer.body) if answer.body else {}


def refused(answer, status: int) -> dict:
    assert answer.status_code == status, answer.body
    return json.loads(answer.body)


def person_url(cid: str, tail: str = "", branch: str = B) -> str:
    return f"/branches/{branch}/candidates/{cid}" + (f"/{tail}" if tail else "")


def open_request(client, cid: str, kind: str = "access", role: str = "coordinator", **extra) -> dict:
    return ok(call(client, "POST", f"/branches/{B}/privacy/requests", role,
                   body={"kind": kind, "candidate_id": cid, **extra}), 201)


def requests(client, role: str = "coordinator", query: str = "") -> list[dict]:
    return ok(call(client, "GET", f"/branches/{B}/privacy/requests{query}", role))["items"]


def complete(client, request_id: str, role: str = "branch_admin", branch: str = B, **body):
    return call(client, "POST", f"/branches/{branch}/privacy/requests/{request_id}/complete", role, branch,
                body={"status": "done", **body})


def audit_of(client, cid: str, query: str = "") -> list[dict]:
    return ok(call(client, "GET", f"/branches/{B}/privacy/audit?candidate_id={cid}{query}"))["items"]


def version(cid: str, branch: str = B) -> int:
    return repos_module.get().candidates.get(branch, cid).version


def trail(client, cid: str) -> list[dict]:
    return ok(call(client, "GET", person_url(cid, "events")))["items"]


# --- Requests --------------------------------------------------------------------------------------------
def test_a_request_is_due_one_calendar_month_after_it_came():
    assert due_on(date(2026, 11, 24)) == date(2026, 12, 24)
    assert due_on(date(2027, 1, 31)) == date(2027, 2, 28)
    assert due_on(date(2028, 1, 31)) == date(2028, 2, 29)
    assert due_on(date(2026, 12, 15)) == date(2027, 1, 15)


def test_staff_record_a_request_and_see_it_open_first_until_answered(client, mentee, clock):
    first = open_request(client, mentee, "access", note="by phone")
    assert first["status"] == "open" and first["source"] == "staff" and first["opened_by"] == COORD
    assert first["received_at"] == "2026-11-24T09:00:00Z" and first["due_on"] == "2026-12-24"
    assert not first["overdue"] and first["note"] == "by phone"
    clock.advance(days=2)
    second = open_request(client, mentee, "erasure", role="branch_admin")
    assert second["due_on"] == "2026-12-26"
    done = ok(complete(client, first["id"], note="sent by mail"))
    assert done["status"] == "done" and done["done_by"] == ADMIN and done["done_at"] == "2026-11-26T09:00:00Z"
    assert done["note"] == "sent by mail"
    assert [r["id"] for r in requests(client)] == [second["id"], first["id"]]  # open first
    assert [r["id"] for r in requests(client, query="?status=done")] == [first["id"]]
    assert [r["id"] for r in requests(client, query="?status=open")] == [second["id"]]
    assert [r["id"] for r in requests(client, query=f"?candidate_id={mentee}")] == [second["id"], first["id"]]
    clock.advance(days=31)
    assert requests(client, query="?status=open")[0]["overdue"] is True


def test_a_request_is_answered_once_and_may_be_refused_with_a_note(client, mentee):
    request = open_request(client, mentee, "rectification")
    assert refused(complete(client, request["id"], role="coordinator"), 403)["code"] == "forbidden"
    answer = ok(complete(client, request["id"], status="refused", note="identity_not_confirmed"))
    assert answer["status"] == "refused" and answer["note"] == "identity_not_confirmed"
    again = refused(complete(client, request["id"]), 409)
    assert again["code"] == "request_not_open"
    assert refused(complete(client, request["id"], status="open"), 400)["fields"].keys() == {"status"}
    assert refused(complete(client, request["id"], note="x" * 201), 400)["fields"].keys() == {"note"}


@pytest.mark.parametrize("body, field", [
    ({"kind": "objection"}, "kind"),
    ({"candidate_id": "not an id!"}, "candidate_id"),
    ({"candidate_id": "nobody-here"}, "candidate_id"),
    ({"note": "x" * 201}, "note"),
    ({"colour": "red"}, "colour"),
])
def test_a_request_with_a_bad_field_is_refused_at_that_field(client, mentee, body, field):
    answer = call(client, "POST", f"/branches/{B}/privacy/requests", "coordinator",
                  body={"kind": "access", "candidate_id": mentee, **body})
    assert refused(answer, 400)["fields"].keys() == {field}


def test_requests_stay_in_their_branch(client, mentee):
    request = open_request(client, mentee)
    # Another branch's staff on this branch's routes: 403; this branch's ids under their own branch: 404.
    assert call(client, "GET", f"/branches/{B}/privacy/requests", "coordinator", OTHER).status_code == 403
    assert complete(client, request["id"], branch=OTHER, role="branch_admin").status_code == 404
    assert call(client, "POST", f"/branches/{OTHER}/privacy/requests", "coordinator", OTHER,
                body={"kind": "access", "candidate_id": mentee}).status_code == 400
    assert call(client, "GET", f"/branches/{B}/privacy/requests", "head_office", None).status_code == 403
    assert ok(call(client, "GET", f"/branches/{OTHER}/privacy/requests", "coordinator", OTHER))["items"] == []


def test_the_task_list_shows_an_open_request_until_it_is_done(client, mentee, clock):
    request = open_request(client, mentee, "erasure")

    def privacy_tasks() -> list[dict]:
        items = ok(call(client, "GET", f"/branches/{B}/tasks?limit=100", "coordinator"))["items"]
        return [t for t in items if t["kind"] == "privacy_request"]

    [task] = privacy_tasks()
    assert task["subject_kind"] == "candidate" and task["subject_id"] == mentee
    assert task["due"] == "2026-12-24" and task["overdue"] is False
    assert task["detail"] == {"request_id": request["id"], "request_kind": "erasure", "source": "staff"}
    assert [p["id"] for p in task["people"]] == [mentee] and task["people"][0]["name"] == "Amal Benali"
    assert task["url"] == f"/branches/{B}/console/people/{mentee}"
    clock.advance(days=31)
    [late] = privacy_tasks()
    assert late["overdue"] is True
    items = ok(call(client, "GET", f"/branches/{B}/tasks?limit=100", "coordinator"))["items"]
    assert items[0]["overdue"]  # overdue first, whatever the source
    session_cookie = "duo_session=" + bearer("coordinator", B)["Authorization"].split(" ", 1)[1]
    page = client.http.get(f"/branches/{B}/console/tasks", headers={"Cookie": session_cookie})  # the console too
    assert page.status_code == 200 and b'data-kind="privacy_request"' in page.body
    ok(complete(client, request["id"]))
    assert privacy_tasks() == []


def test_the_task_list_pages_through_every_source_with_requests_first(client, mentee):
    for _ in range(3):
        open_request(client, mentee, "access")
    seen: list[dict] = []
    cursor = ""
    for _ in range(20):
        page = ok(call(client, "GET", f"/branches/{B}/tasks?limit=1{cursor}", "coordinator"))
        seen += page["items"]
        if not page["next"]:
            break
        cursor = f"&cursor={page['next']}"
    everything = ok(call(client, "GET", f"/branches/{B}/tasks?limit=100", "coordinator"))["items"]
    assert sorted(json.dumps(t, sort_keys=True) for t in seen) == sorted(json.dumps(t, sort_keys=True)
                                                                         for t in everything)
    assert sum(1 for t in seen if t["kind"] == "privacy_request") == 3


# --- The access audit ----------------------------------------------------------------------------------------
def test_every_read_of_a_person_by_staff_is_audited_with_who_when_and_why(client, mentee, clock):
    ok(call(client, "GET", person_url(mentee) + "?reason=phone%20call%20about%20intake", "coordinator"))
    clock.advance(minutes=5)
    ok(call(client, "GET", person_url(mentee, "events"), "coordinator", headers={"X-Access-Reason": "trail check"}))
    clock.advance(minutes=5)
    ok(call(client, "GET", person_url(mentee), "branch_admin"))
    entries = audit_of(client, mentee)
    assert [(e["action"], e["staff_id"], e["at"], e["reason"], e["candidate_id"]) for e in entries] == [
        ("read_person", ADMIN, "2026-11-24T09:10:00Z", "", mentee),
        ("read_events", COORD, "2026-11-24T09:05:00Z", "trail check", mentee),
        ("read_person", COORD, "2026-11-24T09:00:00Z", "phone call about intake", mentee),
    ]
    month = ok(call(client, "GET", f"/branches/{B}/privacy/audit?month=2026-11"))["items"]
    assert [e["id"] for e in month] == [e["id"] for e in entries]
    assert ok(call(client, "GET", f"/branches/{B}/privacy/audit"))["items"] == month  # this month by default
    assert ok(call(client, "GET", f"/branches/{B}/privacy/audit?month=2026-10"))["items"] == []
    paged = ok(call(client, "GET", f"/branches/{B}/privacy/audit?candidate_id={mentee}&limit=2"))
    rest = ok(call(client, "GET", f"/branches/{B}/privacy/audit?candidate_id={mentee}&limit=2&cursor={paged['next']}"))
    assert [e["id"] for e in paged["items"] + rest["items"]] == [e["id"] for e in entries]


def test_a_read_that_fails_is_not_audited_and_a_long_reason_is_refused(client, mentee):
    assert call(client, "GET", person_url("nobody-at-all"), "coordinator").status_code == 404
    answer = call(client, "GET", person_url(mentee) + "?reason=" + "x" * 201, "coordinator")
    assert refused(answer, 400)["fields"].keys() == {"reason"}
    answer = call(client, "GET", person_url(mentee, "events"), "coordinator", headers={"X-Access-Reason": "y" * 201})
    assert refused(answer, 400)["fields"].keys() == {"reason"}
    assert audit_of(client, mentee) == []


@pytest.mark.parametrize("query, field", [("month=2026-13", "month"), ("candidate_id=no%20way", "candidate_id"),
                                          ("limit=0", "limit"), ("cursor=nonsense", "cursor"), ("who=me", "who")])
def test_the_audit_query_is_checked_at_each_field(client, query, field):
    answer = call(client, "GET", f"/branches/{B}/privacy/audit?{query}")
    assert refused(answer, 400)["fields"].keys() == {field}


def test_only_branch_admins_review_the_audit(client, mentee):
    assert call(client, "GET", f"/branches/{B}/privacy/audit", "coordinator").status_code == 403
    assert call(client, "GET", f"/branches/{B}/privacy/audit", "branch_admin", OTHER).status_code == 403
    assert call(client, "GET", f"/branches/{B}/privacy/audit", "head_office", None).status_code == 403


def test_the_head_office_sees_how_many_audit_entries_each_branch_has_but_not_whose(client, mentee, clock):
    for _ in range(3):
        ok(call(client, "GET", person_url(mentee), "coordinator"))
    ghent = sign_up_candidate(client, OTHER, plan_session(client, OTHER)["id"])[0]
    ok(call(client, "GET", person_url(ghent, branch=OTHER), "coordinator", OTHER))
    clock.advance(days=10)  # December
    ok(call(client, "GET", person_url(mentee, "events"), "coordinator"))
    assert call(client, "GET", "/reports/audits", "branch_admin").status_code == 403
    answer = call(client, "GET", "/reports/audits", "head_office", None)
    counts = ok(answer)["items"]
    assert {"branch": B, "month": "2026-11", "entries": 3} in counts
    assert {"branch": B, "month": "2026-12", "entries": 1} in counts
    assert {"branch": OTHER, "month": "2026-11", "entries": 1} in counts
    body = answer.body.decode()
    assert mentee not in body and ghent not in body and COORD not in body and "reason" not in body
    for row in counts:
        assert set(row) == {"branch", "month", "entries"}


def test_audit_counts_stay_out_of_the_reports_and_survive_their_rebuild(client, mentee, repos):
    from chalicelib.services import audit, reports

    ok(call(client, "GET", person_url(mentee), "coordinator"))
    before = audit.audit_summary(repos)
    assert {"branch": B, "month": "2026-11", "entries": 1} in before
    reports.rebuild(repos, B)  # replaces the branch's month items: the audit counts stay as they are
    assert audit.audit_summary(repos) == before
    months = repos.aggregates.months(B)
    assert months and all(len(m) == 7 and m[4] == "-" for m in months)  # MONTH# items only
    assert not any("audit" in counter for counters in months.values() for counter in counters)
    assert ok(call(client, "GET", f"/branches/{B}/reports?period=2026", "coordinator"))["branch"] == B


# --- Restriction --------------------------------------------------------------------------------------------
def restrict(client, cid: str, restricted: bool = True, role: str = "branch_admin", branch: str = B, **body):
    return call(client, "POST", person_url(cid, "restrict", branch), role, branch,
                body={"restricted": restricted, **body})


def test_a_restricted_person_is_kept_but_no_step_is_taken_on_them(client, mentee):
    request = open_request(client, mentee, "restriction")
    assert restrict(client, mentee, role="coordinator").status_code == 403
    p = ok(restrict(client, mentee, request_id=request["id"]))
    assert p["restricted"] == {"at": "2026-11-24T09:00:00Z", "by": ADMIN} and p["version"] == 1
    assert requests(client, query="?status=done")[0]["id"] == request["id"]
    assert trail(client, mentee)[0]["kind"] == "candidate.restricted"
    step = call(client, "POST", person_url(mentee, "attendance"), "coordinator",
                body={"attended": True, "version": p["version"]})
    assert refused(step, 409)["code"] == "processing_restricted"
    withdraw = call(client, "POST", person_url(mentee, "withdraw"), "branch_admin", body={"version": p["version"]})
    assert refused(withdraw, 409)["code"] == "processing_restricted"
    assert ok(call(client, "GET", person_url(mentee), "coordinator"))["restricted"]  # still readable
    assert ok(restrict(client, mentee))["version"] == 1  # already restricted: nothing written
    lifted = ok(restrict(client, mentee, False))
    assert lifted["restricted"] is None and trail(client, mentee)[0]["kind"] == "candidate.restriction_lifted"
    ok(call(client, "POST", person_url(mentee, "attendance"), "coordinator",
            body={"attended": True, "version": lifted["version"]}))
    assert [e["action"] for e in audit_of(client, mentee) if e["action"] == "restrict"] == ["restrict"] * 3


def test_a_restricted_person_is_left_out_of_matching_and_pairing(client):
    mentee = ready_candidate(client, B, "mentee")
    mentor = ready_candidate(client, B, "mentor")
    ranked = ok(call(client, "GET", f"/branches/{B}/matching/candidates/{mentee}?include_blocked=true",
                     "coordinator"))
    assert mentor in [r["candidate"]["id"] for r in ranked["ranked"]]
    ok(restrict(client, mentor))
    ranked = ok(call(client, "GET", f"/branches/{B}/matching/candidates/{mentee}?include_blocked=true",
                     "coordinator"))
    assert mentor not in [r["candidate"]["id"] for r in ranked["ranked"]]
    proposal = ok(call(client, "POST", f"/branches/{B}/matching/proposals", "coordinator", body={"mode": "count"}),
                  201)
    named = {p[side]["id"] for p in proposal["pairs"] for side in ("mentee", "mentor")}
    named |= {u["candidate"]["id"] for u in proposal["unpaired"] if u["candidate"]}
    assert mentee in named and mentor not in named
    pinned = call(client, "POST", f"/branches/{B}/matching/proposals", "coordinator",
                  body={"pins": [{"mentee_id": mentee, "mentor_id": mentor}]})
    assert refused(pinned, 409)["code"] == "processing_restricted"
    assert refused(pair(client, B, mentee, mentor, "2026-12-01T18:00"), 409)["code"] == "processing_restricted"
    ranked_of = call(client, "GET", f"/branches/{B}/matching/candidates/{mentor}", "coordinator")
    assert refused(ranked_of, 409)["code"] == "processing_restricted"
    ok(restrict(client, mentor, False))
    assert ok(pair(client, B, mentee, mentor, "2026-12-01T18:00"), 201)


def test_restriction_is_checked_at_each_field_and_stays_in_its_branch(client, mentee):
    assert refused(restrict(client, mentee, "maybe"), 400)["fields"].keys() == {"restricted"}
    assert refused(restrict(client, mentee, request_id="no way"), 400)["fields"].keys() == {"request_id"}
    assert refused(restrict(client, mentee, request_id="nosuchrequest"), 400)["fields"].keys() == {"request_id"}
    access = open_request(client, mentee, "access")
    assert refused(restrict(client, mentee, request_id=access["id"]), 400)["fields"].keys() == {"request_id"}
    restriction = open_request(client, mentee, "restriction")
    ok(complete(client, restriction["id"]))
    assert refused(restrict(client, mentee, request_id=restriction["id"]), 409)["code"] == "request_not_open"
    assert restrict(client, mentee, branch=OTHER).status_code == 404  # this branch's person under another's
    assert call(client, "POST", person_url(mentee, "restrict"), "branch_admin", OTHER,
                body={"restricted": True}).status_code == 403


# --- Correction ------------------------------------------------------------------------------------------------
def correct(client, cid: str, who: str = "branch_admin", branch: str = B, **body):
    if "version" not in body:
        body["version"] = version(cid, branch)
    return call(client, "PATCH", person_url(cid, branch=branch), who, branch, body=body)


def _guard_owner(role: str, email: str) -> str:
    repos = repos_module.get()
    with repos.scopes.tenant(B):
        try:
            return GuardItem.get(*keys.candidate_email_key(B, role, email), consistent_read=True).owner
        except GuardItem.DoesNotExist:
            return ""


def test_a_correction_changes_the_contact_details_everywhere_and_records_only_the_field_names(client, mentee,
                                                                                               session):
    old = repos_module.get().candidates.get(B, mentee)
    request = open_request(client, mentee, "rectification")
    p = ok(correct(client, mentee, name="Amal Bennani", email="amal.bennani@example.org", phone="+32 470 99 88 77",
                   city="Berchem", postcode="2600", birth_date="2001-04-03", language="nl",
                   request_id=request["id"]))
    assert (p["name"], p["email"], p["phone"], p["city"], p["postcode"], p["birth_date"], p["language"]) == (
        "Amal Bennani", "amal.bennani@example.org", "+32 470 99 88 77", "Berchem", "2600", "2001-04-03", "nl")
    assert p["version"] == old.version + 1
    event = trail(client, mentee)[0]
    assert event["kind"] == "candidate.corrected" and event["actor"] == ADMIN
    assert event["fields"] == ["name", "email", "phone", "postcode", "city", "birth_date"]  # not language: the same
    assert event["data"] == {"role": "mentee", "request_id": request["id"]}
    assert "Bennani" not in json.dumps(event) and "99 88" not in json.dumps(event)
    assert requests(client, query="?status=done")[0]["id"] == request["id"]
    # Search finds the new name and email, not the old ones.
    def found(q: str) -> list[str]:
        return [h["id"] for h in ok(call(client, "GET", f"/branches/{B}/search?q={q}", "coordinator"))["items"]]
    assert mentee in found("bennani") and mentee in found("amal.bennani") and mentee in found("0470998877")
    assert mentee not in found("benali") and mentee not in found(old.email.split("@")[0])
    # The email guard moved: the old address is free, the new one is theirs.
    assert _guard_owner("mentee", old.email) == "" and _guard_owner("mentee", "amal.bennani@example.org") == mentee
    # The info session's list shows the corrected name and email.
    regs = ok(call(client, "GET", f"/branches/{B}/info-sessions/{session}/registrations", "coordinator"))["items"]
    assert [(r["name"], r["email"]) for r in regs if r["candidate_id"] == mentee] == [
        ("Amal Bennani", "amal.bennani@example.org")]
    assert "correct" in [e["action"] for e in audit_of(client, mentee)]


def test_a_correction_of_a_paired_person_renames_them_in_their_duo(client):
    mentee, mentor = ready_candidate(client, B, "mentee"), ready_candidate(client, B, "mentor")
    duo = ok(pair(client, B, mentee, mentor, "2026-12-01T18:00"), 201)
    ok(correct(client, mentor, name="Jan Peters"))
    assert ok(call(client, "GET", f"/branches/{B}/duos/{duo['id']}", "coordinator"))["mentor_name"] == "Jan Peters"


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "x" * 201}, "name"), ({"name": "A\x07B"}, "name"),
    ({"email": "not-an-address"}, "email"), ({"phone": "call me"}, "phone"), ({"postcode": "1!"}, "postcode"),
    ({"city": ""}, "city"), ({"birth_date": "1800-01-01"}, "birth_date"), ({"birth_date": "2001-02-30"}, "birth_date"),
    ({"language": "de"}, "language"), ({"role": "mentor"}, "role"), ({"version": -1, "name": "A"}, "version"),
    ({"name": None}, "name"), ({}, "body"), ({"request_id": "a b"}, "request_id"),
])
def test_a_correction_with_a_bad_field_is_refused_at_that_field(client, mentee, body, field):
    assert refused(correct(client, mentee, **body), 400)["fields"].keys() == {field}


def test_the_language_written_in_is_one_of_the_branch(client, mentee):
    assert refused(correct(client, mentee, language="fr"), 400)["fields"].keys() == {"language"}  # Antwerp: nl
    brussels = sign_up_candidate(client, "brussels", plan_session(client, "brussels", language="fr")["id"])[0]
    answer = correct(client, brussels, branch="brussels", language="fr")
    assert ok(answer)["language"] == "fr"


def test_a_correction_is_refused_when_stale_when_the_email_is_taken_and_by_coordinators(client, mentee, session):
    other = sign_up_candidate(client, B, session)[0]
    taken = repos_module.get().candidates.get(B, other).email
    answer = refused(correct(client, mentee, email=taken), 409)
    assert answer["code"] == "email_taken" and answer["fields"].keys() == {"email"}
    assert _guard_owner("mentee", taken) == other
    assert refused(correct(client, mentee, city="Mortsel", version=version(mentee) + 1), 409)["code"] == \
        "changed_meanwhile"
    assert correct(client, mentee, who="coordinator", city="Mortsel").status_code == 403
    assert correct(client, mentee, branch=OTHER, city="Mortsel", version=version(mentee)).status_code == 404
    assert trail(client, mentee)[0]["kind"] == "candidate.signed_up"  # nothing was written


def test_a_restricted_person_may_still_be_corrected(client, mentee):
    ok(restrict(client, mentee))
    p = ok(correct(client, mentee, city="Deurne"))
    assert p["city"] == "Deurne" and p["restricted"]


# --- Export and erasure (services.personal_data) ----------------------------------------------------------------
def test_an_export_is_a_json_attachment_audited_and_answering_the_access_request(client, mentee):
    request = open_request(client, mentee, "access")
    assert call(client, "GET", person_url(mentee, "export"), "coordinator").status_code == 403
    answer = call(client, "GET", person_url(mentee, "export") + f"?request_id={request['id']}&reason=art15")
    assert answer.status_code == 200, answer.body
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(answer.body)
    assert data["format"] == "duo.person-export/1" and data["person"]["name"] == "Amal Benali"
    assert requests(client, query="?status=done")[0]["id"] == request["id"]
    [entry] = audit_of(client, mentee)
    assert (entry["action"], entry["staff_id"], entry["reason"]) == ("export", ADMIN, "art15")
    again = call(client, "GET", person_url(mentee, "export") + f"?request_id={request['id']}")
    assert refused(again, 409)["code"] == "request_not_open"
    assert call(client, "GET", person_url(mentee, "export", OTHER), branch=OTHER).status_code == 404
    assert call(client, "GET", person_url(mentee, "export") + "?reason=" + "x" * 201).status_code == 400


def test_an_erasure_needs_the_id_typed_again_and_answers_the_erasure_request(client, mentee):
    request = open_request(client, mentee, "erasure")
    url = person_url(mentee, "erase")
    assert call(client, "POST", url, "coordinator", body={"confirm": mentee}).status_code == 403
    assert refused(call(client, "POST", url, body={"confirm": "someone-else"}), 400)["fields"].keys() == {"confirm"}
    assert refused(call(client, "POST", url, body={}), 400)["fields"].keys() == {"confirm"}
    assert call(client, "POST", person_url(mentee, "erase", OTHER), branch=OTHER,
                body={"confirm": mentee}).status_code == 404
    done = ok(call(client, "POST", url, body={"confirm": mentee, "request_id": request["id"]}))
    assert done["candidate_id"] == mentee and done["request"]["status"] == "done"
    assert call(client, "GET", person_url(mentee), "coordinator").status_code == 404
    assert [e["action"] for e in audit_of(client, mentee)] == ["erase"]
    assert requests(client, query="?status=open") == []
