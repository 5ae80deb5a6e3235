"""What a cold start loads: the app's import must not pay for the matching solver (NumPy and lap are
imported by the first proposal or ranking that needs them), nor for Babel and Jinja2 (the first page), nor
for any route module: a route's module is imported by its first request (``chalicelib.api.route_table``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "lap", "scipy", "babel", "jinja2")


def test_importing_the_app_loads_no_solver_and_no_page_kit():
    code = f"import json, sys, app; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_request_imports_only_its_own_route_module_and_collection_resumes():
    code = """
import gc, json, sys
from chalice.test import Client
import app
from chalicelib.api.route_table import MODULES
loaded = lambda: sorted(m for m in MODULES if f"chalicelib.api.{m}" in sys.modules)
before = loaded()
collecting_after_import = gc.isenabled()
with Client(app.app) as client:
    status = client.http.get("/me").status_code
print(json.dumps([before, collecting_after_import, status, loaded(), gc.isenabled()]))
"""
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    before, collecting_after_import, status, after, collecting = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == []
    assert collecting_after_import  # the garbage collector, paused while app.py is imported, runs again
    assert status == 401  # /me without a token: answered by its module
    assert after == ["meta"]
    assert collecting  # the garbage collector, paused for the module's first request, runs again
