"""duo: the Chalice app. Wiring only: the route table, Powertools, the stream handler and the jobs."""

from __future__ import annotations

import gc

# A cold start's import makes objects that live as long as the process (modules, classes, tables); collecting
# them while they pile up is wasted time (about 30 ms here: ``make bench``, cold start). Collection resumes at
# the end of this module, and what is alive then is frozen: left out of every later collection.
gc.disable()

import os
import re
from typing import Any

from chalice import Chalice, Cron, Rate
from chalice.app import DynamoDBEvent

from chalicelib.api import route_table
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings

# No pydantic plugins: spares a scan of every installed package's metadata when the first model is built.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
app = Chalice(app_name="duo")
route_table.register(app)  # each route's module is imported by its first request


@app.middleware("all")
def observe(event: Any, get_response: Any) -> Any:
    """Flush EMF metrics after every invocation, HTTP or not; clear per-request log keys."""
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
        logger.clear_state()


@app.on_dynamodb_record(stream_arn=get_settings().stream_arn, batch_size=100, starting_position="TRIM_HORIZON")
def on_table_change(event: DynamoDBEvent) -> dict[str, Any]:
    from chalicelib.services.stream import handle_batch

    return handle_batch(event.to_dict())


@app.schedule(Cron(15, 2, "*", "*", "?", "*"), name="reconcile_counts")
def reconcile_counts(event: Any) -> None:
    from chalicelib.services import jobs, repos

    jobs.reconcile_staff_counts(repos.get())


@app.schedule(Rate(1, unit=Rate.HOURS), name="send_reminders")
def send_reminders(event: Any) -> None:
    from chalicelib.services import reminders, repos, sessions

    sessions.send_reminders(repos.get())
    reminders.send_duo_reminders(repos.get())


@app.schedule(Cron(30, 3, "*", "*", "?", "*"), name="sweep_retention")
def sweep_retention(event: Any) -> None:
    from chalicelib.services import repos, retention

    retention.sweep(repos.get())


@app.lambda_function(name="rebuild_reports")
def rebuild_reports(event: Any, context: Any) -> dict[str, Any]:
    """An operator's repair (`aws lambda invoke`, see the README): recompute the report aggregates from the
    events. ``{"branch": "ghent"}`` for one branch, ``{}`` for every branch; answers ``{"rebuilt": {branch:
    events read}}``, or ``{"error": code, "message": ...}`` for an event it cannot run (nothing is changed)."""
    from chalicelib.domain.branches import BRANCH_ID_PATTERN
    from chalicelib.domain.errors import NotFoundError
    from chalicelib.services import reports, repos

    usage = 'Send {"branch": "<branch id>"} for one branch, or {} for every branch.'
    if not isinstance(event, dict) or set(event) - {"branch"}:
        return {"error": "bad_event", "message": usage}
    branch = event.get("branch")
    if branch is not None and (not isinstance(branch, str) or not re.fullmatch(BRANCH_ID_PATTERN, branch)):
        return {"error": "bad_branch", "message": "A branch id is lowercase letters, digits and hyphens. " + usage}
    try:
        return {"rebuilt": reports.rebuild(repos.get(), branch)}
    except NotFoundError as error:
        return {"error": "branch_not_found", "message": error.message}


gc.freeze()  # see the top of this module
gc.enable()
