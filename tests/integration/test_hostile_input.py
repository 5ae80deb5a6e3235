"""Whatever a caller sends, the answer is a clear error in one shape, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer

HO = bearer("head_office")


def _error_shape(response) -> dict:
    body = response.json_body
    assert set(body) == {"code", "message", "fields"}, body
    return body


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{not json", 400, "body"),
        ("[1, 2]", 400, "body"),
        ("null", 400, "body"),
        (json.dumps({"id": 5, "name": ["x"], "country": None, "time_zone": 1, "languages": "nl"}), 400, "id"),
        (json.dumps({"id": "a\u0000b", "name": "\ud83d\ude00" * 200, "country": "BE",
                     "time_zone": "Europe/Brussels", "languages": ["nl"]}), 400, "name"),
        (json.dumps({"id": "x" * 5000}), 400, "id"),
        ("\udcff".encode("utf-8", "surrogatepass"), 400, "body"),
        (b"\xff\xfe\x00", 400, "body"),
    ],
)
def test_malformed_bodies_get_400_with_a_message_per_field(client, body, status, field):
    response = client.http.post("/branches", headers=HO, body=body)
    assert response.status_code == status
    assert field in _error_shape(response)["fields"]


def test_huge_bodies_get_413(client):
    response = client.http.post("/branches", headers=HO, body=json.dumps({"name": "x" * 200_000}))
    assert response.status_code == 413
    assert _error_shape(response)["code"] == "too_large"


def test_non_json_content_gets_415(client):
    headers = {**HO, "Content-Type": "text/plain"}
    response = client.http.post("/branches", headers=headers, body="id=aalst")
    assert response.status_code == 415


def test_odd_path_values_are_not_found(client):
    for path in ("/branches/%00", "/branches/ANTWERP", "/branches/" + "a" * 300,
                 "/branches/antwerp/staff/..%2F..", "/branches/antwerp/staff/%E2%80%AE"):
        response = client.http.get(path, headers=HO if "staff" not in path else bearer("branch_admin", "antwerp"))
        assert response.status_code == 404, path
        _error_shape(response)


def test_odd_query_values_get_400(client):
    for query in ("limit=abc", "limit=-1", "limit=1e9", "cursor=" + "%FF" * 10, "cursor=" + "A" * 3000):
        response = client.http.get(f"/branches?{query}", headers=HO)
        assert response.status_code == 400, query
        _error_shape(response)


def test_unexpected_failures_answer_500_in_the_error_shape(client, seeded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(seeded.branches, "get", broken)
    response = client.http.get("/branches/antwerp", headers=HO)
    assert response.status_code == 500
    body = _error_shape(response)
    assert "disk on fire" not in json.dumps(body)
    assert response.headers["X-Correlation-Id"]


@pytest.mark.parametrize("patch", [{"name": None}, {"languages": None}, {"time_zone": None}, {"config": None},
                                   {"config": {"eligibility": None}}, {"config": {"eligibility": {"mentee": None}}},
                                   {"config": {"retention": {"candidate_months": None}}}])
def test_nulls_in_a_patch_never_break_the_branch(client, patch):
    response = client.http.patch("/branches/ghent", headers=HO, body=json.dumps(patch))
    assert response.status_code in (200, 400), response.body
    branch = client.http.get("/branches/ghent", headers=HO).json_body
    assert branch["name"] == "Ghent" and branch["languages"] == ["nl"]
    assert branch["config"]["eligibility"]["mentee"]["min_age"] == 18
    assert branch["config"]["retention"]["candidate_months"] == 24
