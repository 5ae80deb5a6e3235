"""The API's own description, and who the caller is."""

from __future__ import annotations

import json
from functools import lru_cache

from chalice import Response

from chalicelib.api.routing import PUBLIC, Call, route
from chalicelib.api.schemas import Me, OpenAPIDocument
from chalicelib.domain.roles import Role


@lru_cache(maxsize=1)
def _spec() -> str:
    from chalicelib.api import openapi

    return json.dumps(openapi.build())


@route("/openapi.json", "GET", summary="This API, described in OpenAPI 3", roles=PUBLIC,
       response=OpenAPIDocument, tags=("meta",))
def openapi_json(call: Call) -> Response:
    return Response(body=_spec(), status_code=200, headers={"Content-Type": "application/json"})


@route("/me", "GET", summary="Who am I", response=Me, tags=("meta",),
       roles={Role.COORDINATOR, Role.BRANCH_ADMIN, Role.HEAD_OFFICE})
def me(call: Call) -> Me:
    p = call.principal
    return Me(role=p.role.value, branch=p.branch, subject=p.subject)

