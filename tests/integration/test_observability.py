"""Logs carry a correlation id and the branch, and never a person's data."""

from __future__ import annotations

import io
import json

import pytest

from chalicelib.observability import logger
from tests.conftest import bearer


@pytest.fixture
def logs():
    """What the app's logger writes, as it would reach CloudWatch."""
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    yield stream
    logger.registered_handler.setStream(previous)

CANARY_EMAIL = "canary.person.7731@example.org"
CANARY_NAME = "Zyxwvut Canary"


def test_no_personal_data_reaches_the_logs(client, logs, capsys):
    admin = bearer("branch_admin", "antwerp")
    created = client.http.post("/branches/antwerp/staff", headers=admin,
                               body=json.dumps({"email": CANARY_EMAIL, "role": "coordinator", "name": CANARY_NAME}))
    staff_id = created.json_body["id"]
    client.http.get(f"/branches/antwerp/staff/{staff_id}", headers=admin)
    client.http.post("/branches/antwerp/staff", headers=admin,
                     body=json.dumps({"email": CANARY_EMAIL, "role": "coordinator", "name": CANARY_NAME}))
    client.http.post("/branches", headers=bearer("head_office"),
                     body=json.dumps({"id": "aalst", "name": "Aalst", "country": "BE", "time_zone": "Europe/Brussels",
                                      "languages": ["nl"], "admin_email": CANARY_EMAIL.replace("canary", "canary2")}))
    client.http.delete(f"/branches/antwerp/staff/{staff_id}", headers=admin)
    output = capsys.readouterr()
    logged = logs.getvalue() + output.out + output.err
    assert "request refused" in logged  # the duplicate was logged, as a code
    for value in (CANARY_EMAIL, "canary2", CANARY_NAME, "Zyxwvut"):
        assert value not in logged


def test_each_request_logs_its_correlation_id_and_branch(client, logs):
    response = client.http.get("/branches/lille/staff", headers={**bearer("coordinator", "lille"),
                                                                  "X-Correlation-Id": "req-42"})
    assert response.status_code == 403 and response.headers["X-Correlation-Id"] == "req-42"
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    refused = next(line for line in lines if line["message"] == "request refused")
    assert refused["correlation_id"] == "req-42" and refused["branch"] == "lille"


def test_metrics_have_a_branch_dimension(client, capsys):
    client.http.get("/branches/ghent", headers=bearer("coordinator", "ghent"))
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert any(["branch", "service"] in m["_aws"]["CloudWatchMetrics"][0]["Dimensions"] and m["branch"] == "ghent"
               for m in emf)
