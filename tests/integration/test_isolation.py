"""The isolation matrix: every branch route, against every staff role of another branch
(and the head office, where the route holds personal data).

Rows come from the route registry, so a new route is covered without editing this file;
a new path parameter or body model fails loudly until it gets an example below. Each row
first shows a real object of branch A being reached by A's own staff (or, on public routes, by
the public), then shows B's staff failing on that very object: 403 on A's routes, 404 when they
guess A's ids under B's routes; public routes of B never reach A's objects either.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

import app  # noqa: F401  (registers every route)
from chalicelib.api import duo_schemas as ds
from chalicelib.api import matching_schemas as ms
from chalicelib.api import privacy_schemas as ps
from chalicelib.api.imports import ImportIn
from chalicelib.api.people_schemas import (
    AttendanceIn,
    CaseloadIn,
    CoordinatorIn,
    IntakeIn,
    IntakeScheduleIn,
    TrainingIn,
    WithdrawIn,
)
from chalicelib.api.route_table import load_all
from chalicelib.api.routing import RouteSpec
from chalicelib.api.schemas import BranchUpdate, MatchingSettings, StaffInvite, StaffRoleChange
from chalicelib.api.signup_schemas import InfoSessionIn, InfoSessionPatch, SignupIn
from chalicelib.domain.roles import Role
from local.seed import demo_subject
from tests.conftest import bearer
from tests.integration import duo_helpers as duo
from tests.integration.people_helpers import bring_to
from tests.integration.signup_helpers import mentee_body, mentee_form, plan_session, sign_up_candidate

OWN, OTHER = "antwerp", "ghent"


class Objects:
    """Real objects of each branch, made on first use: one per kind of path parameter."""

    def __init__(self, client) -> None:
        self.client = client
        self.made: dict[tuple[str, str], str] = {}
        self.tokens: dict[str, str] = {}

    def get(self, name: str, branch: str) -> str:
        if (name, branch) not in self.made:
            self.made[(name, branch)] = self._make(name, branch)
        return self.made[(name, branch)]

    def _make(self, name: str, branch: str) -> str:
        if name == "staff_id":
            return demo_subject("coordinator", branch)
        if name == "session_id":
            return plan_session(self.client, branch)["id"]
        if name == "candidate_id":
            candidate, token = sign_up_candidate(self.client, branch, self.get("session_id", branch))
            self.tokens[candidate] = token
            return candidate
        if name in DUO_OBJECTS:
            return DUO_OBJECTS[name](self, branch)
        raise AssertionError(f"add an example object for path parameter {name!r}")

    def query(self, spec: RouteSpec, path: str) -> str:
        """Personal-link routes carry the link's token: the real one of the object in the path."""
        if "candidate_id" not in spec.path_params or not spec.public:
            return ""
        candidate = path.rstrip("/").split("/")[-1]
        return "?" + urlencode({"token": self.tokens.get(candidate, "")})


IMPORT_CSV = "role,name,email,status\nmentee,Amal B,amal.i@example.org,registered\n"
BODIES = {
    BranchUpdate: lambda objects, branch: {"config": {"retention": {"candidate_months": 18}}},
    StaffInvite: lambda objects, branch: {"email": "new.colleague@example.org", "role": "coordinator"},
    StaffRoleChange: lambda objects, branch: {"role": "branch_admin"},
    InfoSessionIn: lambda objects, branch: {
        "starts_at": f"{date.today() + timedelta(days=40)}T18:30", "format": "online",
        "link": "https://meet.example.org/x", "language": "nl"},
    InfoSessionPatch: lambda objects, branch: {"capacity": 30},
    SignupIn: lambda objects, branch: mentee_body(objects.get("session_id", branch)),
    ImportIn: lambda objects, branch: {"kind": "people", "dry_run": True, "csv": IMPORT_CSV},
    AttendanceIn: lambda objects, branch: {"attended": True, "version": _stage(objects, branch, "registered")},
    IntakeScheduleIn: lambda objects, branch: {"at": "2027-01-05T10:00",
                                               "version": _stage(objects, branch, "attended")},
    IntakeIn: lambda objects, branch: {"decision": "ready", "version": _stage(objects, branch, "intake_scheduled")},
    TrainingIn: lambda objects, branch: {"module": "welcome", "completed_on": str(date.today() - timedelta(days=1)),
                                         "version": _stage(objects, branch, "training", "mentor")},
    WithdrawIn: lambda objects, branch: {"version": _stage(objects, branch, "attended")},
    CoordinatorIn: lambda objects, branch: {"coordinator_id": demo_subject("branch_admin", branch),
                                            "version": _stage(objects, branch, "attended")},
    CaseloadIn: lambda objects, branch: {"from": demo_subject("coordinator", branch),
                                         "to": demo_subject("branch_admin", branch)},
}
# Duos (part B): a pairing whose first meeting is past; each body first moves it to the step's state.
DUO_OBJECTS = {
    "duo_id": lambda objects, branch: duo.make_duo(objects.client, branch),
    "goal_id": lambda objects, branch: duo.goal_of(branch, objects.get("duo_id", branch)),
    "service_id": lambda objects, branch: duo.laptop_of(branch, objects.get("duo_id", branch)),
    "token": lambda objects, branch: duo.answer_link(branch, objects.get("duo_id", branch)),
    "proposal_id": lambda objects, branch: _proposal(branch),
}


def _proposal(branch: str) -> str:
    """A matching proposal of the branch's ready pool (whatever it holds)."""
    from chalicelib.services import matching
    from chalicelib.services import repos as repos_module

    return matching.propose(repos_module.get(), "staff-test", branch).id


def _duo(objects: Objects, branch: str, state: str) -> int:
    return duo.stage_duo(branch, objects.get("duo_id", branch), state)


def _today() -> str:
    from chalicelib.services import clock

    return clock.today().isoformat()


BODIES.update({
    ds.PairIn: lambda objects, branch: {"mentee_id": duo.ready_candidate(objects.client, branch, "mentee"),
                                        "mentor_id": duo.ready_candidate(objects.client, branch, "mentor"),
                                        "first_meeting_at": "2027-01-05T10:00"},
    ds.FirstMeetingIn: lambda objects, branch: {"first_meeting_at": "2027-01-05T10:00",
                                                "version": _duo(objects, branch, "first_meeting")},
    ds.AnswerIn: lambda objects, branch: {"side": "mentee", "answer": "yes",
                                          "version": _duo(objects, branch, "first_meeting")},
    ds.AgreementIn: lambda objects, branch: {"signed_on": _today(), "mentee": True, "mentor": True, "branch": True,
                                             "version": _duo(objects, branch, "agreed")},
    ds.MeetingIn: lambda objects, branch: {"on": _today(), "minutes": 60, "mode": "online",
                                           "version": _duo(objects, branch, "active")},
    ds.GoalIn: lambda objects, branch: {"title": "CV", "version": _duo(objects, branch, "active")},
    ds.GoalPatch: lambda objects, branch: {"status": "done", "version": _duo(objects, branch, "active")},
    ds.CheckinIn: lambda objects, branch: {"on": _today(), "channel": "call",
                                           "version": _duo(objects, branch, "active")},
    ds.IntervisionIn: lambda objects, branch: {"on": _today(), "version": _duo(objects, branch, "active")},
    ds.ServiceIn: lambda objects, branch: {"code": "cv_review", "on": _today(),
                                           "version": _duo(objects, branch, "active")},
    ds.ReturnedIn: lambda objects, branch: {"on": _today(), "version": _duo(objects, branch, "active")},
    ds.CloseIn: lambda objects, branch: {"ended_on": _today(), "kind": "completed",
                                         "version": _duo(objects, branch, "active")},
    ds.EvaluationIn: lambda objects, branch: {"side": "mentor", "answers": {"would_mentor_again": True,
                                              "keeps_in_touch": True}, "version": _duo(objects, branch, "closed")},
    ds.OutcomeIn: lambda objects, branch: {"situation": "job", "version": _duo(objects, branch, "closed")},
})
# Matching: a proposal of the pool, accepting its open pairs (none needed), previewing a weight.
BODIES.update({
    ms.ProposalIn: lambda objects, branch: {"mode": "count"},
    ms.AcceptIn: lambda objects, branch: {},
    MatchingSettings: lambda objects, branch: {"weights": {"sector": 5}},
})
# Personal data (issue 8): a request about the branch's candidate, answering it, and acting on the candidate.
BODIES.update({
    ps.RequestIn: lambda objects, branch: {"kind": "access", "candidate_id": objects.get("candidate_id", branch)},
    ps.CompleteIn: lambda objects, branch: {"status": "done"},
    ps.RestrictIn: lambda objects, branch: {"restricted": True},
    ps.EraseIn: lambda objects, branch: {"confirm": objects.get("candidate_id", branch)},
    ps.CorrectionIn: lambda objects, branch: {"city": "Mortsel", "version": _stage(objects, branch, "attended")},
})
DUO_OBJECTS.setdefault("request_id", lambda objects, branch: _access_request(objects, branch))


def _access_request(objects: Objects, branch: str) -> str:
    """An open access request about the branch's candidate."""
    from chalicelib.services import privacy_requests
    from chalicelib.services import repos as repos_module

    return privacy_requests.open_request(repos_module.get(), branch, kind="access", source="staff",
                                         candidate_id=objects.get("candidate_id", branch), actor="staff-test").id


# Form-encoded pages, by (method, path).
FORMS = {
    ("POST", "/branches/{branch}/links/{token}"): lambda objects, branch: {"answer": "yes"},
    ("POST", "/branches/{branch}/signup"): lambda objects, branch: mentee_form(objects.get("session_id", branch)),
    ("POST", "/branches/{branch}/registrations/{candidate_id}"): lambda objects, branch: {"action": "cancel"},
}
_PERSON = "/branches/{branch}/console/people/{candidate_id}"
# Console pages (cookie session, CSRF field added by _call), by (method, path).
CONSOLE_FORMS = {
    ("POST", "/branches/{branch}/console/import"): lambda objects, branch: {
        "kind": "people", "action": "check", "csv": IMPORT_CSV},
    ("POST", "/branches/{branch}/console/settings/staff"): lambda objects, branch: {
        "action": "invite", "email": f"console.colleague.{branch}@example.org", "role": "coordinator"},
    ("POST", "/branches/{branch}/console/settings/training"): lambda objects, branch: {
        "version": _version(branch), "rows": 1, "code_0": "welcome", "required_0": "1"},
    ("POST", "/branches/{branch}/console/settings/services"): lambda objects, branch: {
        "version": _version(branch), "code": ["cv_review"]},
    ("POST", "/branches/{branch}/console/settings/intake"): lambda objects, branch: {
        "version": _version(branch), "code": ["cv"]},
    ("POST", "/branches/{branch}/console/settings/closing"): lambda objects, branch: {
        "version": _version(branch), "code": ["other"]},
    ("POST", "/branches/{branch}/console/settings/eligibility"): lambda objects, branch: {
        "version": _version(branch), "mentee.min_age": "18", "mentor.min_age": "50"},
    ("POST", "/branches/{branch}/console/settings/targets"): lambda objects, branch: {
        "version": _version(branch), "rows": 1, "year_0": "2027", "duos_0": "10"},
    ("POST", "/branches/{branch}/console/settings/matching"): lambda objects, branch: {
        "version": _version(branch), "action": "save", "weight_sector": "4", "weight_languages": "2",
        "weight_availability": "2", "weight_help": "3", "weight_interests": "1", "weight_digital": "1",
        "weight_location": "1", "hard": ["languages"]},
    # Part A (people)
    ("POST", "/branches/{branch}/console/sessions/{session_id}/attendance"): lambda objects, branch: {
        f"mark_{objects.get('candidate_id', branch)}": "attended", "_": _stage(objects, branch, "registered")},
    ("POST", _PERSON + "/intake-schedule"): lambda objects, branch: {
        "at_date": "2027-01-05", "at_time": "10:00", "version": _stage(objects, branch, "attended")},
    ("POST", _PERSON + "/intake"): lambda objects, branch: {
        "decision": "ready", "version": _stage(objects, branch, "intake_scheduled")},
    ("POST", _PERSON + "/training"): lambda objects, branch: {
        "module": "welcome", "completed_on": str(date.today() - timedelta(days=1)),
        "version": _stage(objects, branch, "training", "mentor")},
    ("POST", _PERSON + "/withdraw"): lambda objects, branch: {"version": _stage(objects, branch, "attended")},
    ("POST", _PERSON + "/coordinator"): lambda objects, branch: {
        "coordinator_id": demo_subject("branch_admin", branch), "version": _stage(objects, branch, "attended")},
    ("POST", "/branches/{branch}/console/caseload"): lambda objects, branch: {
        "from": demo_subject("coordinator", branch), "to": demo_subject("branch_admin", branch)},
}


# Duo pages (part B): the JSON routes' example bodies, sent as forms (a checked box sends "1").
def _duo_form(model):
    return lambda objects, branch: {k: ("1" if v is True else v) for k, v in BODIES[model](objects, branch).items()}


_DUO_PAGE = "/branches/{branch}/console/duos/{duo_id}"
CONSOLE_FORMS.update({
    ("POST", "/branches/{branch}/console/duos"): _duo_form(ds.PairIn),
    **{("POST", _DUO_PAGE + step): _duo_form(model) for step, model in (
        ("/first-meeting", ds.FirstMeetingIn), ("/answers", ds.AnswerIn), ("/agreement", ds.AgreementIn),
        ("/meetings", ds.MeetingIn), ("/goals", ds.GoalIn), ("/goals/{goal_id}", ds.GoalPatch),
        ("/checkins", ds.CheckinIn), ("/intervisions", ds.IntervisionIn), ("/services", ds.ServiceIn),
        ("/services/{service_id}/returned", ds.ReturnedIn), ("/close", ds.CloseIn), ("/outcome", ds.OutcomeIn))},
    ("POST", _DUO_PAGE + "/evaluations"): lambda objects, branch: {
        "side": "mentor", "would_mentor_again": "yes", "keeps_in_touch": "yes",
        "version": _duo(objects, branch, "closed")},
})
# Matching pages (issue 6): a proposal of the pool, accepting its open pairs (none needed).
CONSOLE_FORMS.update({
    ("POST", "/branches/{branch}/console/matching/proposals"): lambda objects, branch: {"mode": "count"},
    ("POST", "/branches/{branch}/console/matching/proposals/{proposal_id}/accept"): lambda objects, branch: {
        "action": "all"},
})
# Head office console (issue 7): editing a branch (its name, time zone and languages as they are).
CONSOLE_FORMS.update({
    ("POST", "/console/head-office/branches/{branch}"): lambda objects, branch: {
        "action": "save", "version": _version(branch), "name": branch.title(), "time_zone": "Europe/Brussels",
        "languages": ["nl", "fr"]},
})
# Personal data in the console (issue 8): the forms (codes as one-item lists: the canary test of
# tests/integration/test_no_personal_data_in_logs.py keeps lists as they are); request_id: an access request (above).
CONSOLE_FORMS.update({
    ("POST", _PERSON + "/restrict"): lambda objects, branch: {"restricted": ["1"]},  # a code, not free text
    ("POST", _PERSON + "/correct"): lambda objects, branch: {
        "city": "Mortsel", "version": _stage(objects, branch, "attended")},
    ("POST", _PERSON + "/erase"): lambda objects, branch: {"confirm": "yes"},
    ("POST", "/branches/{branch}/console/privacy/requests"): lambda objects, branch: {
        "kind": ["access"], "person": [objects.get("candidate_id", branch)], "note": "by phone"},
    ("POST", "/branches/{branch}/console/privacy/requests/{request_id}"): lambda objects, branch: {
        "status": ["done"], "note": "sent by mail"},
    ("POST", "/branches/{branch}/console/settings/privacy"): lambda objects, branch: {
        "version": _version(branch), "notice_version": ["1"], "candidate_months": ["24"],
        "after_outcome_months": ["24"]},
})
# A person's own privacy pages (issue 8): their privacy link and a copy link; the forms they send.
DUO_OBJECTS.update({
    "privacy_token": lambda objects, branch: _privacy_link(objects, branch, "privacy"),
    "copy_token": lambda objects, branch: _privacy_link(objects, branch, "export"),
})
FORMS.update({
    ("POST", "/branches/{branch}/privacy"): lambda objects, branch: {"email": f"someone@{branch}.example.org"},
    ("POST", "/branches/{branch}/privacy/{privacy_token}"): lambda objects, branch: {"action": "copy"},
})


def _privacy_link(objects: Objects, branch: str, purpose: str) -> str:
    from chalicelib.services import privacy_links
    from chalicelib.services import repos as repos_module

    return privacy_links.mint(repos_module.get(), branch, objects.get("candidate_id", branch), purpose)


# State an operation needs before its owner can succeed, by operation name.
PRECONDITIONS = {"resume": lambda repos: repos.branches.save(_suspended(repos.branches.get(OWN)))}
BRANCH_ROUTES = [s for s in load_all() if "branch" in s.path_params]


def _stage(objects: Objects, branch: str, status: str, role: str | None = None) -> int:
    """The branch's candidate, put in the stage the step starts from; the version to send."""
    return bring_to(branch, objects.get("candidate_id", branch), status, role)


def _version(branch: str) -> int:
    from chalicelib.services import repos

    return repos.get().branches.get(branch).version


def _console(spec: RouteSpec, objects: Objects, headers: dict, body_of: str) -> tuple[dict, str | None]:
    """A console page: the bearer token becomes the session cookie; a POST carries its CSRF field."""
    from chalicelib.api.routing import csrf_for

    session = headers.pop("Authorization", " ").split(" ", 1)[1]
    headers.pop("Content-Type", None)
    if session:
        headers["Cookie"] = f"duo_session={session}"
    if spec.method != "POST":
        return headers, None
    assert (spec.method, spec.path) in CONSOLE_FORMS, f"add an example console form for {spec.path}"
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    form = {"csrf": csrf_for(session), **CONSOLE_FORMS[(spec.method, spec.path)](objects, body_of)}
    return headers, urlencode(form, doseq=True)


def _suspended(branch):
    branch.suspend()
    return branch


def _path(objects: Objects, spec: RouteSpec, branch: str, objects_of: str) -> str:
    path = spec.path.replace("{branch}", branch)
    for name in spec.path_params:
        if name != "branch":
            path = path.replace("{" + name + "}", objects.get(name, objects_of))
    return path


def _call(objects: Objects, spec: RouteSpec, path: str, headers: dict | None, body_of: str):
    headers = dict(headers or {})
    body = None
    if spec.console:
        headers, body = _console(spec, objects, headers, body_of)
    elif spec.body is not None:
        assert spec.body in BODIES, f"add an example body for {spec.body.__name__}"
        body = json.dumps(BODIES[spec.body](objects, body_of))
        headers.setdefault("Content-Type", "application/json")
    elif spec.page and spec.method == "POST":
        assert (spec.method, spec.path) in FORMS, f"add an example form for {spec.path}"
        form = {**FORMS[(spec.method, spec.path)](objects, body_of)}
        if "candidate_id" in spec.path_params:
            form["token"] = objects.query(spec, path).split("=", 1)[1]
        body = urlencode(form, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return objects.client.http.request(spec.method, path + objects.query(spec, path), headers=headers, body=body)


def _own_role(spec: RouteSpec) -> Role | None:
    for role in (Role.COORDINATOR, Role.BRANCH_ADMIN):
        if role in spec.roles:
            return role
    return None


@pytest.mark.parametrize("spec", BRANCH_ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_other_branch_staff_never_reach_a_branch_object(client, seeded, spec):
    PRECONDITIONS.get(spec.name, lambda repos: None)(seeded)
    objects = Objects(client)
    own_role = _own_role(spec)
    own_headers = bearer(own_role.value, OWN) if own_role else (None if spec.public else bearer("head_office"))
    path = _path(objects, spec, OWN, OWN)
    attackers = [Role.COORDINATOR, Role.BRANCH_ADMIN]

    def attack() -> None:
        if not spec.public and Role.HEAD_OFFICE not in spec.roles:  # staff data: never the head office
            assert _call(objects, spec, path, bearer("head_office"), OWN).status_code == 403, path
        for role in attackers:
            headers = bearer(role.value, OTHER)
            if not spec.public:
                assert _call(objects, spec, path, headers, OWN).status_code == 403, (role, path)
            # Guessing A's object ids under B's own routes (or B's public pages) finds nothing.
            if len(spec.path_params) > 1 and (role in spec.roles or spec.public):
                guessed = _path(objects, spec, OTHER, OWN)
                answer = _call(objects, spec, guessed, None if spec.public else headers, OTHER)
                assert answer.status_code == 404, (role, guessed)

    if spec.name == "ranked_partners":  # a ready person's partners
        _stage(objects, OWN, "ready")
    destructive = spec.method == "DELETE" or spec.name in ("cancel_session", "registration_submit")
    if destructive:
        attack()
    own = _call(objects, spec, path, own_headers, OWN)
    done = own.status_code == 303 and spec.console and not own.headers["Location"].startswith("/console/sign-in")
    assert own.status_code < 300 or done, (spec.path, own.status_code, own.body[:300])
    if not destructive:
        attack()


@pytest.mark.parametrize("spec", BRANCH_ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_staff_cannot_use_a_path_to_act_for_another_branch_even_with_ids_that_exist(client, seeded, spec):
    # A coordinator of A aims at B's route with B's real objects: refused unless public.
    objects = Objects(client)
    path = _path(objects, spec, OTHER, OTHER)
    response = _call(objects, spec, path, bearer("coordinator", OWN), OTHER)
    if spec.public:
        assert response.status_code < 300, (path, response.status_code)
    else:
        assert response.status_code == 403, path


def test_matrix_covers_every_branch_route():
    assert {(s.method, s.path) for s in BRANCH_ROUTES} >= {
        ("GET", "/branches/{branch}"), ("GET", "/branches/{branch}/staff/{staff_id}"),
        ("DELETE", "/branches/{branch}/staff/{staff_id}"),
    }
