"""Render the merge template: ``infra/template.json`` with what the code defines filled in.

* The table is defined once, by the PynamoDB model (``chalicelib.store.table.table_properties()``);
  ``template.json`` only adds what belongs to the stack (its name, its encryption key, deletion
  policies, metadata).
* The public routes are defined once, by the route registry (``chalicelib.api.route_table.load_all()``):
  every anonymous route, and every CORS preflight, gets the stage's lower throttling limits
  (``PublicRead*`` for GET/HEAD/OPTIONS, ``PublicWrite*`` for the others), so a new public route
  cannot be deployed with the staff routes' limits. ``template.json`` holds the stage default.

    .venv/bin/python -m infra.render      # writes build/merge-template.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "infra" / "template.json"
OUTPUT = ROOT / "build" / "merge-template.json"


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STAGE_DEFAULT_PATH = "/*"


def resource_path(path: str) -> str:
    """A route's path as API Gateway's MethodSettings name it: ``/branches/{branch}`` -> ``/~1branches~1{branch}``."""
    return "/" + path.replace("~", "~0").replace("/", "~1")


def route_path(resource: str) -> str:
    """The inverse of ``resource_path``."""
    return resource[1:].replace("~1", "/").replace("~0", "~")


def public_methods() -> list[tuple[str, str]]:
    """(path, method) of every method of the app that anyone may call: anonymous routes and CORS preflights.

    Read from Chalice's own route table (what ``chalice package`` puts in the API definition), so a
    throttling setting never names a method that does not exist (API Gateway would refuse the stage).
    """
    from app import app
    from chalicelib.api.route_table import load_all

    anonymous = {(spec.path, spec.method) for spec in load_all() if spec.public}
    return sorted(
        (path, method)
        for path, methods in app.routes.items()
        for method in methods
        if method == "OPTIONS" or (path, method) in anonymous  # a preflight carries no credentials
    )


def public_method_settings() -> list[dict[str, Any]]:
    settings = []
    for path, method in public_methods():
        tier = "PublicRead" if method in READ_METHODS else "PublicWrite"
        settings.append({
            "ResourcePath": resource_path(path),
            "HttpMethod": method,
            "ThrottlingRateLimit": {"Ref": f"{tier}RateLimit"},
            "ThrottlingBurstLimit": {"Ref": f"{tier}BurstLimit"},
        })
    return settings


def table_with_stack_properties(generated: dict[str, Any], hand_written: dict[str, Any]) -> dict[str, Any]:
    """The model's table properties plus what only the stack knows (its name, the ARN of its key).

    ``template.json`` may add properties, or add keys to one of the model's objects (``SSESpecification``
    gets the stack's ``KMSMasterKeyId``), but never set a value the model sets.
    """
    merged = dict(generated)
    clash: list[str] = []
    for name, value in hand_written.items():
        model = generated.get(name)
        if model is None:
            merged[name] = value
        elif isinstance(value, dict) and isinstance(model, dict):
            clash += [f"{name}.{key}" for key in value if key in model]
            merged[name] = {**model, **value}
        else:
            clash.append(name)
    if clash:
        raise ValueError(f"infra/template.json sets table properties that the model owns: {sorted(clash)}")
    return merged


def render() -> dict[str, Any]:
    """The merge template as a dict: ``Table.Properties`` from the model, public throttling from the routes."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from chalicelib.store.table import table_properties

    template = json.loads(SOURCE.read_text(encoding="utf-8"))
    table = template["Resources"]["Table"]
    table["Properties"] = table_with_stack_properties(table_properties(), table.get("Properties", {}))

    api = template["Resources"]["RestAPI"]["Properties"]
    if [s["ResourcePath"] for s in api.get("MethodSettings", [])] != [STAGE_DEFAULT_PATH]:
        raise ValueError("infra/template.json sets RestAPI.MethodSettings other than the stage default (/*): "
                         "the public routes' settings are generated from the route registry")
    api["MethodSettings"] += public_method_settings()
    return template


def write(path: Path = OUTPUT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(render(), indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write().relative_to(ROOT))
