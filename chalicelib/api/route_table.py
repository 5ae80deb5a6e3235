"""The route table: each route's method, path and module, read at cold start from ``routes.json``.

A Lambda instance mostly serves a few kinds of request, and importing every route module (their
pydantic models, services and stores) at cold start would cost more than the rest of the stack. So
``app.py`` registers every route with Chalice from this table, each with a small view that imports the
route's module on its first request and hands it the request (``routing.VIEWS``). The table is
generated from the modules (``make routes``, ``local/route_table.py``); ``tests/unit/test_route_table.py``
fails when it is stale.
"""

from __future__ import annotations

import gc
import importlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("routes.json")
PACKAGE = "chalicelib.api"
# The route modules, in the order of the table (the order Chalice gets the routes in).
MODULES = (
    "meta", "branches", "staff", "signup", "sessions", "pages", "console", "people", "people_console",
    "console_settings", "imports", "duos", "duo_pages", "links", "worklist", "matching", "reports",
    "matching_console", "head_office_console", "reports_console", "privacy_console", "privacy", "privacy_pages",
)
# Chalice answers 415 itself, in its own error shape, for a content type a route does not list: every route
# accepts these, and ``routing`` answers in ours.
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]


@dataclass(frozen=True)
class Entry:
    method: str
    path: str
    module: str  # in ``PACKAGE``
    name: str  # Chalice's name of the view, unique in the app


def entries() -> list[Entry]:
    """The table as committed."""
    return [Entry(**row) for row in json.loads(TABLE.read_text(encoding="utf-8"))]


def register(app: Any) -> None:
    """Register every route of the table with the Chalice ``app``."""
    for entry in entries():
        app.route(entry.path, methods=[entry.method], content_types=CONTENT_TYPES, name=entry.name)(_lazy(app, entry))


def _lazy(app: Any, entry: Entry) -> Callable[..., Any]:
    module = f"{PACKAGE}.{entry.module}"

    def view(**params: str) -> Any:
        from chalicelib.api.routing import VIEWS

        with _warming_up(module):
            return VIEWS[(entry.method, entry.path)](app.current_request, **params)

    return view


@contextmanager
def _warming_up(module: str) -> Iterator[None]:
    """Import the route module if need be; its first request (the import, and the clients, keys and validators
    the request builds) runs with the cyclic garbage collector paused, and what it leaves alive is frozen (left
    out of later collections). A cold start makes objects that live as long as the process, and collecting them
    while they pile up is wasted time: about a third of a first request (``make bench``, cold start)."""
    if module in sys.modules:  # imported, or being imported by another thread: import_module waits for that
        importlib.import_module(module)
        yield
        return
    gc.disable()
    try:
        importlib.import_module(module)
        yield
    finally:
        gc.freeze()
        gc.enable()


def load_all() -> list[Any]:
    """Every route's ``RouteSpec``, in the table's order (all route modules imported)."""
    from chalicelib.api.routing import ROUTES

    for module in MODULES:
        importlib.import_module(f"{PACKAGE}.{module}")
    rank = {f"{PACKAGE}.{module}": i for i, module in enumerate(MODULES)}
    return sorted(ROUTES, key=lambda spec: rank[spec.module])  # stable: in declaration order within a module


def build() -> list[Entry]:
    """The table, from the route modules: each route, and a CORS route's preflight (OPTIONS) after it."""
    table: list[Entry] = []
    preflights: set[str] = set()
    for spec in load_all():
        module = spec.module.removeprefix(f"{PACKAGE}.")
        table.append(Entry(spec.method, spec.path, module, f"{spec.method}_{spec.name}"))
        if spec.cors and spec.path not in preflights:
            preflights.add(spec.path)
            table.append(Entry("OPTIONS", spec.path, module, "OPTIONS" + re.sub(r"\W", "_", spec.path)))
    return table


def render() -> str:
    """``routes.json``'s text: one route per line."""
    rows = ",\n".join(" " + json.dumps(asdict(e)) for e in build())
    return f"[\n{rows}\n]\n"
