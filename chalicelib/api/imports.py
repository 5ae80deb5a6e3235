"""A branch admin brings the branch's spreadsheets in: people and duos from CSV, dry run first.

JSON: ``POST /branches/{b}/imports`` {"kind": "people"|"duos", "csv": text, "dry_run": bool}.
Console: ``GET/POST /branches/{b}/console/import`` (a file upload or pasted text; the dry run's table,
then an "Import" button that sends the same text again with ``dry_run`` off).
These two routes take bodies up to ``MAX_BODY`` (the global limit stays as it is for every other route).
"""

from __future__ import annotations

from typing import Literal

from chalice import Response
from pydantic import Field

from chalicelib.api import console_pages as web
from chalicelib.api.routing import Call, route
from chalicelib.api.schemas import Out, Strict
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.imports import DUO_COLUMNS, KINDS, PEOPLE_COLUMNS
from chalicelib.domain.roles import Role
from chalicelib.domain.texts import N_
from chalicelib.services import imports as service
from chalicelib.services import repos

ADMINS = frozenset({Role.BRANCH_ADMIN})
TAGS = ("import",)
MAX_BODY = 2 * service.MAX_CSV_CHARS + 64 * 1024  # JSON escapes; a multipart form's framing


class ImportIn(Strict):
    kind: Literal["people", "duos"]
    csv: str = Field(min_length=1, max_length=service.MAX_CSV_CHARS)
    dry_run: bool = True


class ProblemOut(Out):
    column: str
    message: str


class RowOut(Out):
    row: int  # as the spreadsheet numbers it (the header is row 1)
    result: Literal["ready", "imported", "already_there", "error"]
    record_id: str = ""
    problems: list[ProblemOut] = []


class ImportOut(Out):
    kind: str
    dry_run: bool
    total: int  # data rows read
    ready: int  # dry run: rows that would be imported
    imported: int
    already_there: int
    errors: int
    rows: list[RowOut]


def _out(report: service.Report) -> ImportOut:
    return ImportOut(
        kind=report.kind, dry_run=report.dry_run, total=report.total, ready=report.count(service.READY),
        imported=report.count(service.IMPORTED), already_there=report.count(service.THERE),
        errors=report.count(service.ERROR),
        rows=[RowOut(row=r.row, result=r.result, record_id=r.record_id,
                     problems=[ProblemOut(column=p.column, message=p.message) for p in r.problems])
              for r in report.rows],
    )


def _staff_id(call: Call) -> str:
    return call.principal.staff_id or call.principal.subject


@route("/branches/{branch}/imports", "POST",
       summary="Import people or duos from CSV (dry_run: only list every row's problems; each row all or nothing)",
       roles=ADMINS, body=ImportIn, response=ImportOut, tags=TAGS, max_body_bytes=MAX_BODY)
def import_csv(call: Call) -> ImportOut:
    body: ImportIn = call.body
    report = service.run_import(repos.get(), call.params["branch"], body.kind, body.csv, dry_run=body.dry_run,
                                staff_id=_staff_id(call))
    return _out(report)


# --- console ----------------------------------------------------------------------------------------

def _page(call: Call, *, status: int = 200, **context: object) -> Response:
    return web.render_page(call, "console/import.html", status=status, nav="import", kinds=KINDS,
                           columns={"people": PEOPLE_COLUMNS, "duos": DUO_COLUMNS}, **context)


@route("/branches/{branch}/console/import", "GET", summary="Import page: upload or paste a CSV file",
       roles=ADMINS, tags=("console",), console=True)
def import_page(call: Call) -> Response:
    return _page(call, kind=web.query(call).get("kind", "people"), text="", report=None, errors={})


@route("/branches/{branch}/console/import", "POST",
       summary="Import page: the dry run's table, or the import itself", roles=ADMINS, tags=("console",),
       console=True, max_body_bytes=MAX_BODY, upload=True)
def import_submit(call: Call) -> Response:
    kind = web.form_value(call, "kind")
    uploaded = (call.extra["form"].get("file") or [""])[0]
    text = uploaded if uploaded.strip() else web.form_value(call, "csv")
    errors = {}
    if kind not in KINDS:
        errors["kind"] = N_("Choose what the file holds: people or duos.")
    if not text.strip():
        errors["file"] = N_("Choose a CSV file, or paste its text.")
    elif len(text) > service.MAX_CSV_CHARS:
        errors["file"] = N_("The file is too large: import at most %(count)s characters at a time.",
                            count=f"{service.MAX_CSV_CHARS:,}")
    if errors:
        return _page(call, status=400, kind=kind or "people", text=text if len(text) <= service.MAX_CSV_CHARS else "",
                     report=None, errors=errors)
    dry_run = web.form_value(call, "action") != "import"
    try:
        report = service.run_import(repos.get(), call.params["branch"], kind, text, dry_run=dry_run,
                                    staff_id=_staff_id(call))
    except InvalidInputError as error:  # pragma: no cover - the parser reports problems, it does not raise
        return _page(call, status=400, kind=kind, text=text, report=None, errors=error.fields)
    return _page(call, kind=kind, text=text, report=_out(report), errors={})
