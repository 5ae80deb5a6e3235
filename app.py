"""duo: the Chalice app. Wiring only: blueprints, Powertools, the stream handler and the jobs."""

from __future__ import annotations

import re
from typing import Any

from chalice import Chalice, Cron, Rate
from chalice.app import DynamoDBEvent

from chalicelib.api import branches, console, console_settings, imports, meta, pages, sessions, signup, staff
from chalicelib.api import duo_pages as duo_pages_api
from chalicelib.api import duos as duos_api
from chalicelib.api import head_office_console as head_office_console_api
from chalicelib.api import links as links_api
from chalicelib.api import matching as matching_api
from chalicelib.api import matching_console as matching_console_api
from chalicelib.api import people as people_api
from chalicelib.api import people_console as people_console_api
from chalicelib.api import privacy as privacy_api
from chalicelib.api import privacy_console as privacy_console_api
from chalicelib.api import privacy_pages as privacy_pages_api
from chalicelib.api import reports as reports_api
from chalicelib.api import reports_console as reports_console_api
from chalicelib.api import worklist as worklist_api
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings

app = Chalice(app_name="duo")
app.experimental_feature_flags.update(["BLUEPRINTS"])
app.register_blueprint(meta.bp)
app.register_blueprint(branches.bp)
app.register_blueprint(staff.bp)
app.register_blueprint(signup.bp)
app.register_blueprint(sessions.bp)
app.register_blueprint(pages.bp)
app.register_blueprint(console.bp)
app.register_blueprint(people_api.bp)
app.register_blueprint(people_console_api.bp)
app.register_blueprint(console_settings.bp)
app.register_blueprint(imports.bp)
app.register_blueprint(duos_api.bp)
app.register_blueprint(duo_pages_api.bp)
app.register_blueprint(links_api.bp)
app.register_blueprint(worklist_api.bp)
app.register_blueprint(matching_api.bp)
app.register_blueprint(reports_api.bp)
app.register_blueprint(matching_console_api.bp)
app.register_blueprint(head_office_console_api.bp)
app.register_blueprint(reports_console_api.bp)
app.register_blueprint(privacy_console_api.bp)
app.register_blueprint(privacy_api.bp)
app.register_blueprint(privacy_pages_api.bp)


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
