"""The route table (``chalicelib/api/routes.json``) that the app registers its routes from at cold start."""

from __future__ import annotations

from chalicelib.api import route_table
from chalicelib.api.routing import VIEWS


def test_the_committed_table_is_what_the_route_modules_declare():
    assert route_table.TABLE.read_text(encoding="utf-8") == route_table.render(), (
        "chalicelib/api/routes.json differs from the route modules: run make routes")


def test_the_app_serves_every_route_of_the_table_from_the_module_that_declares_it():
    import app

    registered = {(method, path) for path, methods in app.app.routes.items() for method in methods}
    entries = route_table.entries()
    assert registered == {(e.method, e.path) for e in entries}
    specs = {(s.method, s.path): s for s in route_table.load_all()}
    for e in entries:
        assert (e.method, e.path) in VIEWS
        if e.method != "OPTIONS":  # a preflight is declared with its CORS route
            assert specs[(e.method, e.path)].module == f"{route_table.PACKAGE}.{e.module}"
