"""Isolation under attack, beyond the route matrix of ``test_isolation.py``: pagination cursors carried
from one branch to another (real and hand-forged), query parameters that name another branch's objects,
another branch's personal links and signup references under this branch's URLs, and the head office on
personal data. Branch A (antwerp) holds people, sessions, duos, requests and an access audit; branch B
(ghent) the same. B's staff and B's public pages must never return, or change, anything of A.
"""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import quote, urlencode

import pytest

from chalicelib.services import privacy_links, privacy_requests
from chalicelib.services import repos as repos_module
from chalicelib.store import keys
from local.seed import demo_subject
from tests.conftest import bearer
from tests.integration import duo_helpers as duo
from tests.integration.attack_helpers import shared_world
from tests.integration.signup_helpers import mentee_body, new_link, plan_session, sign_up

A, B = "antwerp", "ghent"


class Branch:
    """One branch's objects, with every personal value and id an answer must not leak elsewhere."""

    def __init__(self, client, branch: str) -> None:
        self.branch = branch
        self.sessions = [plan_session(client, branch)["id"] for _ in range(2)]
        self.email = f"zed.{branch}.{uuid.uuid4().hex[:6]}@example.org"
        self.name = f"Zedekiah {branch.title()}quist"
        assert sign_up(client, branch, mentee_body(self.sessions[0], self.email, name=self.name)).status_code == 201
        repos = repos_module.get()
        rows, _ = repos.candidates.list(branch, role=None, status=None, limit=100, cursor=None)
        self.candidate = next(c.id for c in rows if c.email == self.email)
        self.registration_token, digest = new_link()
        repos.candidates.add_link(branch, self.candidate, digest)
        self.duos = [_duo(client, branch, self.sessions[1]) for _ in range(2)]
        self.answer_token = duo.answer_link(branch, self.duos[0])
        self.privacy_token = privacy_links.mint(repos, branch, self.candidate, "privacy")
        self.copy_token = privacy_links.mint(repos, branch, self.candidate, "export")
        self.request = privacy_requests.open_request(repos, branch, kind="access", source="staff",
                                                     candidate_id=self.candidate, actor="staff-test").id
        admin = bearer("branch_admin", branch)
        for reason in ("phone call", "intake prep"):  # two access-audit entries
            assert client.http.get(f"/branches/{branch}/candidates/{self.candidate}?{urlencode({'reason': reason})}",
                                   headers=admin).status_code == 200
        rows, _ = repos.candidates.list(branch, role=None, status=None, limit=100, cursor=None)
        self.candidates = [c.id for c in rows]
        self.secrets = {self.email, self.name, *(c.email for c in rows), *self.candidates, *self.duos,
                        *self.sessions, self.request}

    def fill(self, template: str) -> str:
        return template.format(branch=self.branch, candidate_id=self.candidate, duo_id=self.duos[0])


def _duo(client, branch: str, session: str) -> str:
    """A pairing of two ready people of the branch (one info session for all: fewer writes than make_duo)."""
    from datetime import timedelta

    from chalicelib.services import clock
    from chalicelib.services import duos as service

    mentee, mentor = (duo.ready_candidate(client, branch, role, session) for role in ("mentee", "mentor"))
    at = clock.now() - timedelta(hours=1)
    return service.pair(repos_module.get(), branch, mentee, mentor, at, demo_subject("coordinator", branch)).id


@pytest.fixture(scope="module")
def world():
    """One moto account for the whole module (the attacks change nothing: each test shows it)."""
    with shared_world(lambda client: (Branch(client, A), Branch(client, B))) as (client, objects):
        yield client, objects


@pytest.fixture
def client(world):
    return world[0]


@pytest.fixture
def branches(world):
    return world[1]


def _leaks(response, a: Branch, sent: str = "") -> list[str]:
    """A's values in the answer, other than those the caller sent (a page may echo its own address)."""
    text = response.body.decode(errors="replace") if isinstance(response.body, bytes) else str(response.body)
    return sorted(v for v in a.secrets if v and v in text and v not in sent and quote(v) not in sent)


def _refused(response, a: Branch, statuses: tuple[int, ...], sent: str = "") -> str | None:
    """None when the answer is one of ``statuses`` and holds nothing of A (beyond ``sent``); else why not."""
    leaks = _leaks(response, a, sent)
    if response.status_code not in statuses or leaks:
        return f"{response.status_code} leaks={leaks} {response.body[:160]!r}"
    return None


LISTS = [  # JSON list routes that page with ?cursor=
    "/branches/{branch}/info-sessions?include_past=true",
    "/branches/{branch}/candidates",
    "/branches/{branch}/duos",
    "/branches/{branch}/duos/{duo_id}/events",
    "/branches/{branch}/duos/{duo_id}/meetings",
    "/branches/{branch}/candidates/{candidate_id}/events",
    "/branches/{branch}/privacy/audit",
    "/branches/{branch}/tasks",
    "/branches/{branch}/pipeline",
]
CONSOLE_LISTS = {  # console pages that page with ?cursor=, and the JSON list whose store query they share
    "/branches/{branch}/console/sessions": "/branches/{branch}/info-sessions?include_past=true",
    "/branches/{branch}/console": "/branches/{branch}/pipeline",
    "/branches/{branch}/console/tasks": "/branches/{branch}/tasks",
}
MUST_PAGE = {"/branches/{branch}/candidates", "/branches/{branch}/duos", "/branches/{branch}/privacy/audit",
             "/branches/{branch}/candidates/{candidate_id}/events"}


def _with(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _cursor(client, branch: Branch, template: str) -> str | None:
    answer = client.http.get(_with(branch.fill(template), limit="1"), headers=bearer("branch_admin", branch.branch))
    assert answer.status_code == 200, (template, answer.status_code, answer.body[:200])
    return answer.json_body.get("next")


def _forge(cursor: str, src: str, dst: str) -> str:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    raw = raw.replace(keys.tenant_prefix(src), keys.tenant_prefix(dst)).replace(f'"{src}"', f'"{dst}"')
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decoded(cursor: str):
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def _table_keys(cursor: str) -> dict:
    data = _decoded(cursor)
    return {k: v for k, v in data.items() if k in ("pk", "sk")} if isinstance(data, dict) else {}


def _encode(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_cursor_of_branch_a_replayed_on_branch_b_is_refused(client, branches):
    a, b = branches
    problems, paged = [], set()
    for template in LISTS:
        cursor = _cursor(client, a, template)
        if cursor is None:
            continue
        paged.add(template)
        for role in ("coordinator", "branch_admin"):
            if template.endswith("/privacy/audit") and role == "coordinator":
                continue
            answer = client.http.get(_with(b.fill(template), cursor=cursor), headers=bearer(role, B))
            why = _refused(answer, a, (400,))
            if why or answer.json_body.get("fields", {}).keys() != {"cursor"}:
                problems.append((template, role, why or answer.json_body))
            # ... and A's own route stays closed to B's staff, cursor or not.
            answer = client.http.get(_with(a.fill(template), cursor=cursor), headers=bearer(role, B))
            if why := _refused(answer, a, (403,)):
                problems.append((template, role, "A's route", why))
    assert not problems, problems
    assert paged >= MUST_PAGE, MUST_PAGE - paged


def test_a_cursor_of_branch_a_is_refused_on_branch_b_console_pages(client, branches):
    a, b = branches
    session = bearer("coordinator", B)["Authorization"].split(" ", 1)[1]
    problems = []
    for page, source in CONSOLE_LISTS.items():
        cursor = _cursor(client, a, source)
        if cursor is None:
            continue
        answer = client.http.get(_with(b.fill(page), cursor=cursor), headers={"Cookie": f"duo_session={session}"})
        if why := _refused(answer, a, (400,)):
            problems.append((page, why))
    assert not problems, problems


def test_hand_forged_cursors_under_branch_b_are_refused(client, branches):
    a, b = branches
    problems = []
    for template in LISTS:
        cursor = _cursor(client, b, template)
        if cursor is None:
            continue
        forged = {
            "B's own cursor, partition keys moved to A": _forge(cursor, B, A),
            "no partition key": _encode({"sk": {"S": "CANDIDATE"}}),
            "a partition key of A only": _encode({"pk": {"S": keys.tenant_prefix(A) + "C#" + a.candidate},
                                                  "sk": {"S": "CANDIDATE"}}),
            "not base64 json": "%%%not-a-cursor%%%",
            "a list, not an object": _encode([{"pk": {"S": keys.tenant_prefix(B)}}]),
            "a number value": _encode({"pk": {"N": "1"}, "sk": {"S": "x"}}),
            **({"B's own cursor without its index keys": _encode(_table_keys(cursor))}
               if _table_keys(cursor) and set(_decoded(cursor)) != set(_table_keys(cursor)) else {}),
            "an attribute that is no key": _encode({**_table_keys(cursor), "name": {"S": "x"}}),
        }
        for name, value in forged.items():
            answer = client.http.get(_with(b.fill(template), cursor=value), headers=bearer("branch_admin", B))
            if why := _refused(answer, a, (400,)):
                problems.append((template, name, why))
    assert not problems, problems


GETS = [  # B's routes, aimed at A's real object ids
    "/branches/{b}/candidates/{candidate}", "/branches/{b}/candidates/{candidate}/events",
    "/branches/{b}/candidates/{candidate}/export", "/branches/{b}/matching/candidates/{candidate}",
    "/branches/{b}/info-sessions/{session}", "/branches/{b}/info-sessions/{session}/registrations",
    "/branches/{b}/duos/{duo}", "/branches/{b}/duos/{duo}/events", "/branches/{b}/duos/{duo}/meetings",
    "/branches/{b}/console/people/{candidate}", "/branches/{b}/console/duos/{duo}",
]


def test_guessed_ids_of_branch_a_under_branch_b_find_nothing(client, branches):
    a, _ = branches
    problems = []
    for template in GETS:
        path = template.format(b=B, candidate=a.candidate, session=a.sessions[0], duo=a.duos[0])
        for role in ("coordinator", "branch_admin"):
            token = bearer(role, B)
            headers = ({"Cookie": f"duo_session={token['Authorization'].split(' ', 1)[1]}"}
                       if "/console/" in path else token)
            answer = client.http.get(path, headers=headers)
            allowed = (403, 404) if path.endswith("/export") and role == "coordinator" else (404,)
            if why := _refused(answer, a, allowed, sent=path):
                problems.append((path, role, why))
    # Changing A's objects through B's routes: nothing found, nothing changed.
    admin = bearer("branch_admin", B)
    for method, path, body in (
        ("POST", f"/branches/{B}/info-sessions/{a.sessions[1]}/cancel", None),
        ("PATCH", f"/branches/{B}/info-sessions/{a.sessions[1]}", {"capacity": 1}),
        ("POST", f"/branches/{B}/privacy/requests/{a.request}/complete", {"status": "done"}),
        ("POST", f"/branches/{B}/candidates/{a.candidate}/restrict", {"restricted": True}),
        ("POST", f"/branches/{B}/candidates/{a.candidate}/erase", {"confirm": a.candidate}),
    ):
        answer = client.http.request(method, path, headers=admin, body=json.dumps(body) if body else None)
        if why := _refused(answer, a, (404,), sent=path):
            problems.append((method, path, why))
    own = client.http.get(f"/branches/{A}/candidates/{a.candidate}", headers=bearer("branch_admin", A))
    assert own.status_code == 200 and a.email in own.body.decode()
    session = client.http.get(f"/branches/{A}/info-sessions/{a.sessions[1]}", headers=bearer("coordinator", A))
    assert session.json_body["status"] != "cancelled" and session.json_body["capacity"] != 1
    assert not problems, problems


def test_query_parameters_naming_branch_a_return_nothing_of_it(client, branches):
    a, _ = branches
    problems = []
    urls = [
        f"/branches/{B}/candidates?branch={A}", f"/branches/{B}/duos?branch={A}", f"/branches/{B}/search?branch={A}",
        f"/branches/{B}/privacy/audit?candidate_id={a.candidate}",
        f"/branches/{B}/privacy/requests?candidate_id={a.candidate}",
        f"/branches/{B}/privacy/requests?candidate_id={a.candidate}&status=open",
        f"/branches/{B}/search?q={quote(a.email)}", f"/branches/{B}/search?q={quote(a.name)}",
        f"/branches/{B}/search?q={a.candidate}",
        f"/branches/{B}/candidates/{a.candidate}/export?request_id={a.request}",
        f"/branches/{B}/pipeline?stage=registered&branch={A}",
        f"/branches/{B}/console/search?q={quote(a.email)}",
        f"/branches/{B}/console/privacy/audit?candidate={a.candidate}",
        f"/branches/{B}/console/privacy/requests?candidate_id={a.candidate}",
    ]
    for url in urls:
        token = bearer("branch_admin", B)
        headers = {"Cookie": f"duo_session={token['Authorization'].split(' ', 1)[1]}"} if "/console/" in url else token
        answer = client.http.get(url, headers=headers)
        if answer.status_code >= 500 or _leaks(answer, a, url):
            problems.append((url, answer.status_code, _leaks(answer, a, url)))
    assert not problems, problems


def test_branch_a_personal_links_under_branch_b_urls_find_nothing(client, branches):
    a, _ = branches
    problems = []
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts = [
        ("GET", f"/branches/{B}/links/{a.answer_token}", None),
        ("POST", f"/branches/{B}/links/{a.answer_token}", {"answer": "no"}),
        ("GET", f"/branches/{B}/privacy/{a.privacy_token}", None),
        ("POST", f"/branches/{B}/privacy/{a.privacy_token}", {"action": "copy"}),
        ("POST", f"/branches/{B}/privacy/{a.privacy_token}", {"action": "erase"}),
        ("GET", f"/branches/{B}/privacy/copy/{a.copy_token}", None),
        # signup references: A's registration (manage link) and candidate id under B's registration route
        ("GET", f"/branches/{B}/registrations/{a.candidate}?token={a.registration_token}", None),
        ("POST", f"/branches/{B}/registrations/{a.candidate}",
         {"action": "cancel", "token": a.registration_token}),
    ]
    for method, path, body in attempts:
        answer = client.http.request(method, path, headers=form if body else {},
                                     body=urlencode(body) if body else None)
        if why := _refused(answer, a, (404,), sent=path):
            problems.append((method, path, why))
    assert not problems, problems
    # A's links still work where they belong: nothing was used up or changed.
    assert client.http.get(f"/branches/{A}/links/{a.answer_token}").status_code == 200
    assert client.http.get(f"/branches/{A}/privacy/{a.privacy_token}").status_code == 200
    page = client.http.get(f"/branches/{A}/registrations/{a.candidate}?token={a.registration_token}")
    assert page.status_code == 200
    registrations = client.http.get(f"/branches/{A}/info-sessions/{a.sessions[0]}/registrations",
                                    headers=bearer("coordinator", A)).body.decode()
    assert a.candidate in registrations


def test_a_signup_on_branch_b_cannot_take_a_seat_in_branch_a_session(client, branches):
    a, _ = branches
    before = client.http.get(f"/branches/{A}/info-sessions/{a.sessions[1]}/registrations",
                             headers=bearer("coordinator", A)).json_body
    answer = sign_up(client, B, mentee_body(a.sessions[1], "someone.else@example.org"))
    assert 400 <= answer.status_code < 500 and not _leaks(answer, a)
    after = client.http.get(f"/branches/{A}/info-sessions/{a.sessions[1]}/registrations",
                            headers=bearer("coordinator", A)).json_body
    assert after == before


def test_head_office_gets_403_on_every_personal_data_route_of_a_branch(client, branches):
    a, _ = branches
    from chalicelib.api.route_table import load_all
    from chalicelib.domain.roles import Role

    problems = []
    headers = bearer("head_office")
    session = {"Cookie": f"duo_session={headers['Authorization'].split(' ', 1)[1]}"}
    for spec in load_all():
        if spec.method != "GET" or "branch" not in spec.path_params or spec.public or Role.HEAD_OFFICE in spec.roles:
            continue
        path = spec.path.format(branch=A, candidate_id=a.candidate, duo_id=a.duos[0], session_id=a.sessions[0],
                                staff_id=demo_subject("coordinator", A), request_id=a.request, goal_id="g1",
                                service_id="s1", proposal_id="p1", token="t1", privacy_token="t1",
                                copy_token="t1")
        answer = client.http.get(path, headers=session if spec.console else headers)
        if why := _refused(answer, a, (403,), sent=path):
            problems.append((spec.path, why))
    assert not problems, problems
