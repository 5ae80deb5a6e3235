"""The task list and the pipeline, JSON and console: what is due in a branch (and nothing of another),
"mine", pages, the 12-month window of settled stages, and who may see them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus
from chalicelib.domain.duos import Duo, DuoStatus
from chalicelib.services import repos as repos_module
from chalicelib.store.candidates import candidate_item
from chalicelib.store.duos import duo_item
from local.seed import demo_subject
from tests.conftest import bearer, token
from tests.integration.duo_helpers import pair, ready_candidate

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
GHENT_COORDINATOR = demo_subject("coordinator", "ghent")
GHENT_ADMIN = demo_subject("branch_admin", "ghent")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def person(branch: str, name: str, status: str, *, since: datetime, role: str = "mentee", coordinator: str = "",
           intake: dict | None = None) -> str:
    """A candidate written straight through the store's mapper (the state later steps leave)."""
    cid = uuid.uuid4().hex[:12]
    c = Candidate(
        id=cid, branch=branch, role=CandidateRole(role), status=CandidateStatus(status), name=name,
        email=f"{cid}@example.org", phone="+32470000000", birth_date="1990-01-01", postcode="9000", city="Gent",
        languages=[], heard_from="website", language="nl", consent_version="1", consent_language="nl",
        consent_at=iso(since), session_id="s1", created_at=iso(since - timedelta(days=10)), updated_at=iso(since),
        status_since=iso(since), coordinator_id=coordinator, intake=intake,
    )
    r = repos_module.get()
    with r.scopes.tenant(branch):
        candidate_item(c, []).save()
    return cid


def duo(branch: str, mentee: str, mentor: str, status: DuoStatus, *, coordinator: str = "", **fields) -> str:
    did = uuid.uuid4().hex[:12]
    values = {"first_meeting_at": iso(NOW - timedelta(days=200)), "created_at": iso(NOW - timedelta(days=210)),
              "updated_at": iso(NOW - timedelta(days=1)), **fields}
    d = Duo(id=did, branch=branch, mentee_id=uuid.uuid4().hex[:12], mentor_id=uuid.uuid4().hex[:12], mentee_name=mentee,
            mentor_name=mentor, status=status, coordinator_id=coordinator, **values)
    d.phase_since = d.phase_since or d.updated_at
    r = repos_module.get()
    with r.scopes.tenant(branch):
        duo_item(d).save()
    return did


def get_json(client, path: str, role: str = "coordinator", branch: str = "ghent", **kwargs):
    answer = client.http.get(path, headers=bearer(role, branch, **kwargs))
    return answer.status_code, json.loads(answer.body or b"{}")


@pytest.fixture
def branch_work(client, frozen_clock):
    """Ghent with something due of each kind; Antwerp with its own, which Ghent must never see."""
    frozen_clock.set(NOW)
    made = {
        "attended": person("ghent", "Amal Benali", "attended", since=NOW - timedelta(days=2),
                           coordinator=GHENT_COORDINATOR),
        "intake": person("ghent", "Yusuf Demir", "intake_scheduled", since=NOW - timedelta(days=5),
                         coordinator=GHENT_ADMIN, intake={"scheduled_at": iso(NOW - timedelta(hours=1))}),
        "later_intake": person("ghent", "Lina Haddad", "intake_scheduled", since=NOW - timedelta(days=1),
                               intake={"scheduled_at": iso(NOW + timedelta(days=3))}),
        "registered": person("ghent", "Noor Visser", "registered", since=NOW - timedelta(days=1)),
        "answers": duo("ghent", "Sara Amrani", "Piet Claes", DuoStatus.FIRST_MEETING, coordinator=GHENT_COORDINATOR,
                       first_meeting_at=iso(NOW - timedelta(hours=25))),
        "quiet": duo("ghent", "Omar Farah", "Els Wouters", DuoStatus.ACTIVE, coordinator=GHENT_ADMIN,
                     answers={"mentee": {"answer": "yes"}, "mentor": {"answer": "yes"}}, started_on="2026-10-01",
                     planned_end="2027-04-01", last_meeting_on="2026-11-01", intervisions=["2026-10-15"]),
        "busy": duo("ghent", "Hana Said", "Tom Peeters", DuoStatus.ACTIVE, coordinator=GHENT_COORDINATOR,
                    started_on="2026-10-01", planned_end="2027-04-01", last_meeting_on="2026-11-20"),
        "antwerp": person("antwerp", "Antwerp Person", "attended", since=NOW - timedelta(days=2)),
        "antwerp_duo": duo("antwerp", "Antwerp Mentee", "Antwerp Mentor", DuoStatus.FIRST_MEETING,
                           first_meeting_at=iso(NOW - timedelta(hours=30))),
    }
    return made


# --- The task list (JSON) --------------------------------------------------------------------------
def test_the_task_list_shows_what_is_due_in_the_branch_with_people_coordinator_and_due(client, branch_work):
    status, body = get_json(client, "/branches/ghent/tasks")
    assert status == 200, body
    tasks = {(t["kind"], t["subject_id"]): t for t in body["items"]}
    assert set(tasks) == {
        ("intake_to_schedule", branch_work["attended"]), ("intake_due", branch_work["intake"]),
        ("answer_overdue", branch_work["answers"]), ("no_meeting_14_days", branch_work["quiet"]),
    }
    answer = tasks[("answer_overdue", branch_work["answers"])]
    assert answer["overdue"] is True and answer["due"] == iso(NOW - timedelta(hours=1))
    assert [(p["name"], p["role"]) for p in answer["people"]] == [("Sara Amrani", "mentee"), ("Piet Claes", "mentor")]
    assert answer["coordinator"] == {"id": GHENT_COORDINATOR, "name": "Demo coordinator Ghent"}
    assert answer["url"] == f"/branches/ghent/console/duos/{branch_work['answers']}"
    assert answer["detail"]["sides"] == ["mentee", "mentor"]
    intake = tasks[("intake_to_schedule", branch_work["attended"])]
    assert intake["people"][0]["name"] == "Amal Benali" and intake["due"] == "2026-11-29" and not intake["overdue"]
    assert intake["url"] == intake["people"][0]["url"] == f"/branches/ghent/console/people/{branch_work['attended']}"
    assert tasks[("intake_due", branch_work["intake"])]["coordinator"]["name"] == "Demo branch admin Ghent"
    assert body["items"][0]["overdue"] and not body["items"][-1]["overdue"]  # overdue first
    assert body["next"] is None and body["now"] == iso(NOW)
    assert "Antwerp" not in json.dumps(body)


def test_mine_shows_only_the_records_the_caller_is_responsible_for(client, branch_work):
    _, mine = get_json(client, "/branches/ghent/tasks?mine=true")
    assert {t["subject_id"] for t in mine["items"]} == {branch_work["attended"], branch_work["answers"]}
    _, admins = get_json(client, "/branches/ghent/tasks?mine=true", role="branch_admin")
    assert {t["subject_id"] for t in admins["items"]} == {branch_work["intake"], branch_work["quiet"]}


def test_the_task_list_follows_the_clock(client, branch_work, frozen_clock):
    frozen_clock.set(NOW + timedelta(days=3))  # the later intake's day
    _, body = get_json(client, "/branches/ghent/tasks")
    kinds = {t["subject_id"]: (t["kind"], t["overdue"]) for t in body["items"]}
    assert kinds[branch_work["later_intake"]] == ("intake_due", False)
    assert branch_work["busy"] not in kinds
    frozen_clock.set(NOW + timedelta(days=10))  # the attended candidate's week is over
    _, body = get_json(client, "/branches/ghent/tasks")
    kinds = {t["subject_id"]: (t["kind"], t["overdue"]) for t in body["items"]}
    assert kinds[branch_work["attended"]] == ("intake_to_schedule", True)
    assert kinds[branch_work["later_intake"]] == ("intake_due", True)  # its day passed, not recorded
    assert kinds[branch_work["busy"]] == ("no_meeting_14_days", False)  # 14 days since 20 November


def test_the_task_list_pages_with_a_cursor_and_every_task_comes_once(client, branch_work):
    seen, cursor, pages = [], None, 0
    while True:
        _, body = get_json(client, "/branches/ghent/tasks?limit=1" + (f"&cursor={cursor}" if cursor else ""))
        seen += [(t["kind"], t["subject_id"]) for t in body["items"]]
        pages += 1
        cursor = body["next"]
        if not cursor:
            break
    assert pages > 2
    assert len(seen) == len(set(seen)) == 4


def test_a_cursor_that_is_not_ours_is_refused(client, branch_work):
    status, body = get_json(client, "/branches/ghent/tasks?cursor=not-a-cursor")
    assert status == 400 and "cursor" in body["fields"]


def test_a_real_pairing_shows_its_answers_pending_then_overdue(client, frozen_clock):
    frozen_clock.set(NOW)
    mentee, mentor = ready_candidate(client, "ghent", "mentee"), ready_candidate(client, "ghent", "mentor")
    answer = pair(client, "ghent", mentee, mentor, NOW + timedelta(hours=2))
    assert answer.status_code == 201, answer.body
    duo_id = json.loads(answer.body)["id"]

    def kinds() -> list[str]:
        return [t["kind"] for t in get_json(client, "/branches/ghent/tasks")[1]["items"] if t["subject_id"] == duo_id]

    assert kinds() == []  # the first meeting is still to come
    frozen_clock.set(NOW + timedelta(hours=2 + 20))
    assert kinds() == ["answer_pending"]
    frozen_clock.set(NOW + timedelta(hours=2 + 24, seconds=1))
    assert kinds() == ["answer_overdue"]


# --- The pipeline (JSON) -------------------------------------------------------------------------------
def test_the_pipeline_counts_each_stage_and_lists_the_chosen_one(client, branch_work):
    person("ghent", "Ready Mentor", "ready", role="mentor", since=NOW - timedelta(days=3))
    person("ghent", "Ready Mentee", "ready", since=NOW - timedelta(days=3))
    person("ghent", "Recent Finish", "finished", since=NOW - timedelta(days=30))
    person("ghent", "Old Finish", "finished", since=NOW - timedelta(days=400))  # outside the 12 months
    duo("ghent", "Old A", "Old B", DuoStatus.DECLINED, phase_since=iso(NOW - timedelta(days=500)))
    status, body = get_json(client, "/branches/ghent/pipeline")
    assert status == 200, body
    counts = {s["stage"]: s["count"] for s in body["stages"]}
    assert counts["attended"] == 1 and counts["intake_scheduled"] == 2 and counts["registered"] == 1
    assert counts["ready_mentees"] == 1 and counts["ready_mentors"] == 1
    assert counts["duos_first_meeting"] == 1 and counts["duos_active"] == 2
    assert counts["finished"] == 1 and counts["duos_declined"] == 0 and body["since"] == "2025-11-24"
    assert body["stage"] == "registered"  # the first open stage with someone in it
    assert [i["people"][0]["name"] for i in body["items"]] == ["Noor Visser"]

    _, mentors = get_json(client, "/branches/ghent/pipeline?stage=ready_mentors")
    assert [(i["people"][0]["name"], i["people"][0]["role"]) for i in mentors["items"]] == [("Ready Mentor", "mentor")]
    _, active = get_json(client, "/branches/ghent/pipeline?stage=duos_active&limit=1")
    first = active["items"][0]
    assert first["subject_kind"] == "duo" and first["url"].startswith("/branches/ghent/console/duos/")
    _, rest = get_json(client, f"/branches/ghent/pipeline?stage=duos_active&limit=1&cursor={active['next']}")
    assert {first["id"], rest["items"][0]["id"]} == {branch_work["quiet"], branch_work["busy"]}
    assert "Antwerp" not in json.dumps(body)


def test_an_unknown_stage_is_refused(client, branch_work):
    status, body = get_json(client, "/branches/ghent/pipeline?stage=everyone")
    assert status == 400 and "stage" in body["fields"]


@pytest.mark.parametrize("path", ["/branches/ghent/tasks", "/branches/ghent/pipeline"])
def test_head_office_and_other_branches_get_403(client, path):
    assert client.http.get(path, headers=bearer("head_office")).status_code == 403
    assert client.http.get(path, headers=bearer("coordinator", "antwerp")).status_code == 403


# --- The console pages -------------------------------------------------------------------------------------
def page(client, path: str, role: str = "coordinator", branch: str | None = "ghent"):
    return client.http.get(path, headers={"Cookie": f"duo_session={token(role, branch)}", "Accept-Language": "en"})


def test_the_task_page_lists_tasks_with_links_and_filters_mine(client, branch_work):
    answer = page(client, "/branches/ghent/console/tasks")
    assert answer.status_code == 200
    html = unescape(answer.body.decode())
    assert "24-hour answer overdue" in html and "Sara Amrani" in html and "Demo branch admin Ghent" in html
    assert f'href="/branches/ghent/console/duos/{branch_work["answers"]}"' in html
    assert f'href="/branches/ghent/console/people/{branch_work["attended"]}"' in html
    assert "Antwerp" not in html
    mine = unescape(page(client, "/branches/ghent/console/tasks?mine=true").body.decode())
    assert "Amal Benali" in mine and "Yusuf Demir" not in mine and 'aria-current="page">Mine' in mine


def test_the_pipeline_page_shows_counts_and_the_chosen_stage(client, branch_work):
    answer = page(client, "/branches/ghent/console?stage=duos_active")
    assert answer.status_code == 200
    html = unescape(answer.body.decode())
    assert 'data-stage="duos_active">2<' in html and 'data-stage="attended">1<' in html
    assert "Omar Farah" in html and "Els Wouters" in html and "Amal Benali" not in html
    assert f'href="/branches/ghent/console/duos/{branch_work["quiet"]}"' in html
    assert 'aria-current="page">Duos: active' in html
    default = unescape(page(client, "/branches/ghent/console").body.decode())
    assert "Noor Visser" in default


def test_the_pipeline_page_pages_a_stage(client, branch_work):
    html = page(client, "/branches/ghent/console?stage=duos_active&limit=1").body.decode()
    next_link = unescape(html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0])
    query = parse_qs(urlparse(next_link).query)
    assert query["stage"] == ["duos_active"] and query["cursor"]
    assert page(client, next_link).status_code == 200


@pytest.mark.parametrize("path", ["/branches/ghent/console", "/branches/ghent/console/tasks"])
def test_console_pages_refuse_head_office_and_another_branch_and_ask_to_sign_in(client, path):
    assert page(client, path, "head_office", None).status_code == 403
    assert page(client, path, "coordinator", "antwerp").status_code == 403
    assert page(client, path, "branch_admin", "antwerp").status_code == 403
    anonymous = client.http.get(path)
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/console/sign-in")


def test_the_console_keeps_its_language_parameter(client, branch_work):
    assert page(client, "/branches/ghent/console/tasks?lang=nl").status_code == 200
    assert page(client, "/branches/ghent/console?lang=en&done=saved").status_code == 200

