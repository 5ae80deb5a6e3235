"""``/openapi.json``, generated from ``ROUTES`` and the pydantic models that validate requests."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.routing import ROUTES, RouteSpec
from chalicelib.api.schemas import Error

_REF = "#/components/schemas/{model}"
_DESCRIPTIONS = {
    200: "OK", 201: "Created", 204: "Done, nothing to return", 400: "Invalid input, a message per field",
    401: "Missing or invalid token", 403: "Not allowed for this role or branch", 404: "Not found",
    409: "Conflict: exists already, or changed meanwhile", 413: "Body too large",
    415: "Body is not JSON", 500: "Our fault; logged",
}


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": ref}}}}


def _operation(spec: RouteSpec, refs: dict[Any, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "tags": list(spec.tags),
        "security": [] if spec.public else [{"bearer": []}],
        "x-roles": sorted(r.value for r in spec.roles),
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}
            for p in spec.path_params
        ],
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
    for code in spec.errors:
        op["responses"][str(code)] = {"description": _DESCRIPTIONS[code], **_json(_REF.format(model="Error"))}
    return op


def build() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], str]] = [(Error, "serialization")]
    for spec in ROUTES:
        models += [(spec.body, "validation")] if spec.body is not None else []
        if spec.response is not None:
            models.append((spec.response, "serialization"))
    refs, schema = models_json_schema(list(dict.fromkeys(models)), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "duo", "version": "1.0.0",
                 "description": "The platform of DUO for a JOB's branches."},
        "paths": paths,
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
