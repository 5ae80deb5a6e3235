"""``/openapi.json``, generated from every route's ``RouteSpec`` and the pydantic models that validate requests."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.route_table import load_all
from chalicelib.api.routing import RouteSpec
from chalicelib.api.schemas import Error

_REF = "#/components/schemas/{model}"
_DESCRIPTIONS = {
    200: "OK", 201: "Created", 204: "Done, nothing to return", 400: "Invalid input, a message per field",
    302: "To the sign-in service", 303: "See the Location: the next page, or the sign-in page",
    401: "Missing or invalid token", 403: "Not allowed for this role or branch", 404: "Not found",
    409: "Conflict: exists already, or changed meanwhile", 413: "Body too large",
    415: "Body is not JSON", 500: "Our fault; logged",
}


# Reads that refuse on an object's state (409 is otherwise declared for writes only); found by the fuzzing.
_READ_ERRORS = {("GET", "/branches/{branch}/matching/candidates/{candidate_id}"): (409,)}  # not_ready

_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": ref}}}}


def _path_parameters(spec: RouteSpec) -> list[dict[str, Any]]:
    return [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}
        for p in spec.path_params
    ]


def _page(spec: RouteSpec) -> dict[str, Any]:
    """An HTML page: a form's GET, or its form-encoded POST; errors are pages too. Console pages
    (staff) are signed in by the ``duo_session`` cookie; without it they answer 303 to the sign-in page."""
    op: dict[str, Any] = {
        "operationId": spec.name, "summary": spec.summary, "tags": list(spec.tags),
        "security": [{"session": []}] if spec.console else [],
        "x-roles": sorted(r.value for r in spec.roles) if spec.console else ["anonymous"],
        "parameters": _path_parameters(spec),
        "responses": {"200": {"description": "The page", **_HTML}},
    }
    if spec.method == "POST":
        form = {"type": "object", "additionalProperties": {"type": "string"}}
        op["requestBody"] = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}}
    for code in spec.errors:
        op["responses"][str(code)] = {"description": _DESCRIPTIONS[code], **({} if code in (302, 303) else _HTML)}
    return op


def _preflight(spec: RouteSpec) -> dict[str, Any]:
    return {
        "operationId": f"preflight_{spec.name}",
        "summary": "CORS preflight: answered for the websites in the branch's allowed_origins",
        "tags": list(spec.tags), "security": [], "x-roles": ["anonymous"], "parameters": _path_parameters(spec),
        "responses": {
            "204": {"description": "Allowed: the Access-Control-Allow-* headers say what"},
            "403": {"description": "This website is not one of the branch's", **_json(_REF.format(model="Error"))},
        },
    }


def _operation(spec: RouteSpec, refs: dict[Any, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "tags": list(spec.tags),
        "security": [] if spec.public else [{"bearer": []}],
        "x-roles": sorted(r.value for r in spec.roles),
        "parameters": _path_parameters(spec),
        "responses": {},
    }
    if spec.query is not None:
        properties = spec.query.model_json_schema()["properties"]
        for name, field in spec.query.model_fields.items():
            op["parameters"].append(
                {"name": name, "in": "query", "required": field.is_required(), "schema": properties[name]}
            )
    if spec.body is not None:
        op["requestBody"] = {"required": True, **_json(refs[(spec.body, "validation")]["$ref"])}
    if spec.response is not None:
        op["responses"][str(spec.status)] = {
            "description": _DESCRIPTIONS.get(spec.status, "OK"),
            **_json(refs[(spec.response, "serialization")]["$ref"]),
        }
    else:
        op["responses"]["204"] = {"description": _DESCRIPTIONS[204]}
    for code in sorted({*spec.errors, *_READ_ERRORS.get((spec.method, spec.path), ())}):
        op["responses"][str(code)] = {"description": _DESCRIPTIONS[code], **_json(_REF.format(model="Error"))}
    return op


def build() -> dict[str, Any]:
    routes = load_all()
    models: list[tuple[type[BaseModel], str]] = [(Error, "serialization")]
    for spec in routes:
        models += [(spec.body, "validation")] if spec.body is not None else []
        if spec.response is not None:
            models.append((spec.response, "serialization"))
    refs, schema = models_json_schema(list(dict.fromkeys(models)), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for spec in routes:
        html_page = spec.page or spec.console
        paths.setdefault(spec.path, {})[spec.method.lower()] = _page(spec) if html_page else _operation(spec, refs)
        if spec.cors:
            paths[spec.path].setdefault("options", _preflight(spec))
    return {
        "openapi": "3.1.0",
        "info": {"title": "duo", "version": "1.0.0",
                 "description": "The platform of DUO for a JOB's branches."},
        "paths": paths,
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "session": {"type": "apiKey", "in": "cookie", "name": "duo_session",
                            "description": "The console's session: the same ID token, set by /console/sign-in."},
            },
        },
    }
