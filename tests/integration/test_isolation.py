"""The isolation matrix: every branch route, against every staff role of another branch
(and the head office, where the route holds personal data).

Rows come from the route registry, so a new route is covered without editing this file;
a new path parameter or body model fails loudly until it gets an example below. Each row
first shows a real object of branch A being reached by A's own staff, then shows B's staff
failing on that very object: 403 on A's routes, 404 when they guess A's ids under B's routes.
"""

from __future__ import annotations

import json

import pytest

import app  # noqa: F401  (registers every route)
from chalicelib.api.routing import ROUTES, RouteSpec
from chalicelib.api.schemas import BranchUpdate, StaffInvite, StaffRoleChange
from chalicelib.domain.roles import Role
from local.seed import demo_subject
from tests.conftest import bearer

OWN, OTHER = "antwerp", "ghent"
# A real object of a branch, for each kind of path parameter.
OBJECTS = {"staff_id": lambda branch: demo_subject("coordinator", branch)}
BODIES = {
    BranchUpdate: {"config": {"retention": {"candidate_months": 18}}},
    StaffInvite: {"email": "new.colleague@example.org", "role": "coordinator"},
    StaffRoleChange: {"role": "branch_admin"},
}
# State an operation needs before its owner can succeed, by operation name.
PRECONDITIONS = {"resume": lambda repos: repos.branches.save(_suspended(repos.branches.get(OWN)))}
BRANCH_ROUTES = [s for s in ROUTES if "branch" in s.path_params]


def _suspended(branch):
    branch.suspend()
    return branch


def _path(spec: RouteSpec, branch: str, objects_of: str) -> str:
    path = spec.path.replace("{branch}", branch)
    for name in spec.path_params:
        if name != "branch":
            assert name in OBJECTS, f"add an example object for path parameter {name!r}"
            path = path.replace("{" + name + "}", OBJECTS[name](objects_of))
    return path


def _call(client, spec: RouteSpec, path: str, headers: dict | None):
    body = None
    if spec.body is not None:
        assert spec.body in BODIES, f"add an example body for {spec.body.__name__}"
        body = json.dumps(BODIES[spec.body])
    return client.http.request(spec.method, path, headers=headers or {}, body=body)


def _own_role(spec: RouteSpec) -> Role | None:
    for role in (Role.COORDINATOR, Role.BRANCH_ADMIN):
        if role in spec.roles:
            return role
    return None


@pytest.mark.parametrize("spec", BRANCH_ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_other_branch_staff_never_reach_a_branch_object(client, seeded, spec):
    PRECONDITIONS.get(spec.name, lambda repos: None)(seeded)
    own_role = _own_role(spec)
    own_headers = bearer(own_role.value, OWN) if own_role else (None if spec.public else bearer("head_office"))
    path = _path(spec, OWN, OWN)
    attackers = [Role.COORDINATOR, Role.BRANCH_ADMIN]

    def attack() -> None:
        if not spec.public and Role.HEAD_OFFICE not in spec.roles:  # staff data: never the head office
            assert _call(client, spec, path, bearer("head_office")).status_code == 403, path
        for role in attackers:
            headers = bearer(role.value, OTHER)
            if not spec.public:
                assert _call(client, spec, path, headers).status_code == 403, (role, path)
            # Guessing A's object ids under B's own routes finds nothing.
            if len(spec.path_params) > 1 and role in spec.roles:
                guessed = _path(spec, OTHER, OWN)
                assert _call(client, spec, guessed, headers).status_code == 404, (role, guessed)

    destructive = spec.method == "DELETE"
    if destructive:
        attack()
    own = _call(client, spec, path, own_headers)
    assert own.status_code < 300, (spec.path, own.status_code, own.body)
    if not destructive:
        attack()


@pytest.mark.parametrize("spec", BRANCH_ROUTES, ids=lambda s: f"{s.method} {s.path}")
def test_staff_cannot_use_a_path_to_act_for_another_branch_even_with_ids_that_exist(client, spec):
    # A coordinator of A aims at B's route with B's real objects: refused unless public.
    path = _path(spec, OTHER, OTHER)
    response = _call(client, spec, path, bearer("coordinator", OWN))
    assert response.status_code == (200 if spec.public else 403)


def test_matrix_covers_every_branch_route():
    assert {(s.method, s.path) for s in BRANCH_ROUTES} >= {
        ("GET", "/branches/{branch}"), ("GET", "/branches/{branch}/staff/{staff_id}"),
        ("DELETE", "/branches/{branch}/staff/{staff_id}"),
    }
