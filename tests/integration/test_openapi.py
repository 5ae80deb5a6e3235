"""/openapi.json describes every registered route, its security and its schemas."""

from __future__ import annotations

import app as app_module
from chalicelib.api.route_table import load_all


def test_every_registered_route_is_described(client):
    spec = client.http.get("/openapi.json").json_body
    assert spec["openapi"].startswith("3.")
    registered = {(path, method.lower()) for path, entries in app_module.app.routes.items() for method in entries}
    described = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert registered == described


def test_each_operation_states_its_security_and_error_shape(client):
    spec = client.http.get("/openapi.json").json_body
    by_route = {(s.path, s.method.lower()): s for s in load_all()}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "options":  # CORS preflight of a public route
                assert op["security"] == []
                assert any(by_route[(path, m)].cors for m in ("get", "post") if (path, m) in by_route)
                continue
            route = by_route[(path, method)]
            if route.console:  # staff HTML pages: the session cookie; without it, 303 to the sign-in page
                assert op["security"] == [{"session": []}] and "303" in op["responses"]
                assert "text/html" in op["responses"]["403"]["content"]
                continue
            assert op["security"] == ([] if route.public else [{"bearer": []}])
            if not route.public:
                assert op["responses"]["401"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}


def test_request_schemas_come_from_the_validating_models(client):
    spec = client.http.get("/openapi.json").json_body
    body = spec["paths"]["/branches"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    create = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(create["required"]) == {"id", "name", "country", "time_zone", "languages"}
    assert create["additionalProperties"] is False
    for schema in spec["components"]["schemas"].values():
        assert "$defs" not in schema
