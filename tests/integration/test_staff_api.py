"""A branch admin manages their branch's staff; the directory (moto's Cognito) follows."""

from __future__ import annotations

import json

import boto3

from chalicelib.settings import get_settings
from local.seed import demo_subject
from tests.conftest import bearer

ADMIN = bearer("branch_admin", "antwerp")


def groups_of(username: str) -> list[str]:
    cognito = boto3.client("cognito-idp", region_name="eu-west-1")
    found = cognito.admin_list_groups_for_user(UserPoolId=get_settings().user_pool_id, Username=username)
    return [g["GroupName"] for g in found["Groups"]]


def test_admin_invites_a_coordinator_who_lands_in_the_directory(client):
    response = client.http.post("/branches/antwerp/staff", headers=ADMIN,
                                body=json.dumps({"email": "sara@example.org", "role": "coordinator", "name": "Sara"}))
    assert response.status_code == 201, response.body
    member = response.json_body
    assert member["status"] == "invited" and member["role"] == "coordinator"
    assert groups_of(member["id"]) == ["coordinator"]
    listed = client.http.get("/branches/antwerp/staff", headers=ADMIN).json_body["items"]
    assert "sara@example.org" in [m["email"] for m in listed]


def test_the_same_email_twice_in_a_branch_is_a_conflict(client):
    body = json.dumps({"email": "sara@example.org", "role": "coordinator"})
    assert client.http.post("/branches/antwerp/staff", headers=ADMIN, body=body).status_code == 201
    again = client.http.post("/branches/antwerp/staff", headers=ADMIN,
                             body=json.dumps({"email": " SARA@example.org", "role": "branch_admin"}))
    assert again.status_code == 409 and again.json_body["fields"] == {"email": "This email is in use."}


def test_role_change_moves_the_directory_group(client):
    coordinator = demo_subject("coordinator", "antwerp")
    response = client.http.patch(f"/branches/antwerp/staff/{coordinator}", headers=ADMIN,
                                 body=json.dumps({"role": "branch_admin"}))
    assert response.json_body["role"] == "branch_admin"
    assert groups_of(coordinator) == ["branch_admin"]


def test_the_last_admin_can_neither_leave_nor_be_demoted(client):
    admin_id = demo_subject("branch_admin", "antwerp")
    demote = client.http.patch(f"/branches/antwerp/staff/{admin_id}", headers=ADMIN,
                               body=json.dumps({"role": "coordinator"}))
    assert demote.status_code == 409 and demote.json_body["code"] == "last_admin"
    assert client.http.delete(f"/branches/antwerp/staff/{admin_id}", headers=ADMIN).status_code == 409
    assert client.http.get(f"/branches/antwerp/staff/{admin_id}", headers=ADMIN).json_body["role"] == "branch_admin"


def test_removing_staff_frees_their_email(client):
    coordinator = demo_subject("coordinator", "antwerp")
    email = client.http.get(f"/branches/antwerp/staff/{coordinator}", headers=ADMIN).json_body["email"]
    assert client.http.delete(f"/branches/antwerp/staff/{coordinator}", headers=ADMIN).status_code == 204
    assert client.http.get(f"/branches/antwerp/staff/{coordinator}", headers=ADMIN).status_code == 404
    again = client.http.post("/branches/antwerp/staff", headers=ADMIN,
                             body=json.dumps({"email": email, "role": "coordinator"}))
    assert again.status_code == 201


def test_coordinators_and_head_office_do_not_manage_staff(client):
    assert client.http.get("/branches/antwerp/staff", headers=bearer("coordinator", "antwerp")).status_code == 403
    assert client.http.get("/branches/antwerp/staff", headers=bearer("head_office")).status_code == 403
    coordinator_invite = client.http.post("/branches/antwerp/staff", headers=bearer("head_office"),
                                          body=json.dumps({"email": "x@example.org", "role": "coordinator"}))
    assert coordinator_invite.status_code == 403


def test_onboarding_with_an_admin_email_invites_the_first_admin(client):
    body = {"id": "aalst", "name": "Aalst", "country": "BE", "time_zone": "Europe/Brussels", "languages": ["nl"],
            "admin_email": "first.admin@aalst.example"}
    response = client.http.post("/branches", headers=bearer("head_office"), body=json.dumps(body))
    assert response.status_code == 201
    admin = response.json_body["admin"]
    assert admin["role"] == "branch_admin" and response.json_body["warnings"] == []
    assert groups_of(admin["id"]) == ["branch_admin"]
    own = client.http.get("/branches/aalst/staff", headers=bearer("branch_admin", "aalst"))
    assert [m["email"] for m in own.json_body["items"]] == ["first.admin@aalst.example"]


def test_a_directory_failure_leaves_no_staff_record(client, seeded, monkeypatch):
    from chalicelib.domain.errors import UnavailableError

    def fail(member, send_mail=True):
        raise UnavailableError("The staff directory did not answer; try again in a minute.")

    monkeypatch.setattr(seeded.directory, "invite", fail)
    response = client.http.post("/branches/antwerp/staff", headers=ADMIN,
                                body=json.dumps({"email": "lost@example.org", "role": "coordinator"}))
    assert response.status_code == 503
    emails = [m.email for m in seeded.staff.list("antwerp")]
    assert "lost@example.org" not in emails
