"""The task list and the pipeline: JSON for the API, and the console's two home pages.

JSON: GET /branches/{b}/tasks?mine=true&limit&cursor, GET /branches/{b}/pipeline?stage&limit&cursor.
Console: GET /branches/{b}/console (the pipeline) and GET /branches/{b}/console/tasks.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from chalice import Response
from pydantic import ConfigDict, Field

from chalicelib.api.routing import Call, route
from chalicelib.api.schemas import Out, PageQuery
from chalicelib.domain.branches import Branch
from chalicelib.domain.roles import STAFF_ROLES
from chalicelib.domain.tasks import Task
from chalicelib.services import repos, worklist

STAFF = set(STAFF_ROLES)
TAGS = ("tasks and pipeline",)
NEW_NOTICE_DAYS = 30  # how long the task list tells staff about a new privacy notice version
StageCode = Literal[worklist.STAGE_CODES]  # type: ignore[valid-type]


def person_url(branch: str, candidate_id: str) -> str:
    return f"/branches/{branch}/console/people/{candidate_id}"


def duo_url(branch: str, duo_id: str) -> str:
    return f"/branches/{branch}/console/duos/{duo_id}"


# --- Models -------------------------------------------------------------------------------------------
class TasksQuery(PageQuery):
    mine: bool = Field(False, description="Only the records the caller is the responsible coordinator of.")


class PipelineQuery(PageQuery):
    stage: StageCode | None = Field(None, description="The stage listed (default: the first open stage with "
                                                      "someone in it).")
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class ConsoleTasksQuery(TasksQuery):
    """The page's query: also the layout's own parameters (``lang``, ``done``), which it reads itself."""

    model_config = ConfigDict(extra="ignore")


class ConsolePipelineQuery(PipelineQuery):
    model_config = ConfigDict(extra="ignore")


class PersonRef(Out):
    id: str
    name: str
    role: str
    url: str


class CoordinatorRef(Out):
    id: str
    name: str


class TaskOut(Out):
    kind: str
    subject_kind: Literal["candidate", "duo"]
    subject_id: str
    url: str
    people: list[PersonRef]
    coordinator: CoordinatorRef | None
    due: str = Field(description="ISO date, or a UTC date-time (24-hour answers, a planned intake).")
    overdue: bool
    detail: dict[str, Any]


class TaskPageOut(Out):
    items: list[TaskOut]
    next: str | None = Field(None, description="Pass as ?cursor= for the next page.")
    now: str


class StageOut(Out):
    stage: str
    subject_kind: Literal["candidate", "duo"]
    status: str = Field(description="The candidate status or the duo phase.")
    role: str | None
    count: int
    settled: bool = Field(description="Counted over the last 12 months only (since `since`).")


class PipelineItem(Out):
    subject_kind: Literal["candidate", "duo"]
    id: str
    url: str
    people: list[PersonRef]
    status: str
    since: str
    coordinator: CoordinatorRef | None


class PipelineOut(Out):
    stages: list[StageOut]
    since: str
    stage: str
    items: list[PipelineItem]
    next: str | None = Field(None, description="Pass as ?cursor= (with the same stage) for the next page.")


# --- Shaping --------------------------------------------------------------------------------------------
def _coordinator(staff_id: str, names: dict[str, str]) -> CoordinatorRef | None:
    return CoordinatorRef(id=staff_id, name=names.get(staff_id, "")) if staff_id else None


def task_out(branch: str, task: Task, names: dict[str, str]) -> TaskOut:
    url = person_url(branch, task.subject_id) if task.subject_kind == "candidate" else duo_url(branch, task.subject_id)
    return TaskOut(
        kind=task.kind.value, subject_kind=task.subject_kind, subject_id=task.subject_id, url=url,  # type: ignore[arg-type]
        people=[PersonRef(id=p.id, name=p.name, role=p.role, url=person_url(branch, p.id)) for p in task.people],
        coordinator=_coordinator(task.coordinator_id, names), due=task.due, overdue=task.overdue,
        detail=dict(task.detail),
    )


def pipeline_item(branch: str, item: Any, names: dict[str, str]) -> PipelineItem:
    if hasattr(item, "mentee_id"):  # a duo
        people = [PersonRef(id=pid, name=name, role=side, url=person_url(branch, pid)) for pid, name, side in
                  ((item.mentee_id, item.mentee_name, "mentee"), (item.mentor_id, item.mentor_name, "mentor"))]
        return PipelineItem(subject_kind="duo", id=item.id, url=duo_url(branch, item.id), people=people,
                            status=item.status.value, since=item.phase_since or item.updated_at,
                            coordinator=_coordinator(item.coordinator_id, names))
    url = person_url(branch, item.id)
    return PipelineItem(subject_kind="candidate", id=item.id, url=url,
                        people=[PersonRef(id=item.id, name=item.name, role=item.role.value, url=url)],
                        status=item.status.value, since=item.status_since,
                        coordinator=_coordinator(item.coordinator_id, names))


def _stages(result: worklist.Pipeline) -> list[StageOut]:
    return [StageOut(stage=s.code, subject_kind=s.subject_kind, status=s.value, role=s.role, count=n,  # type: ignore[arg-type]
                     settled=s.settled) for s, n in result.counts]


# --- JSON -------------------------------------------------------------------------------------------------
@route("/branches/{branch}/tasks", "GET", summary="What needs doing in the branch (overdue first)",
       roles=STAFF, query=TasksQuery, response=TaskPageOut, tags=TAGS)
def list_tasks(call: Call) -> TaskPageOut:
    branch, q = call.params["branch"], call.query
    r = repos.get()
    page = worklist.tasks(r, branch, mine=call.principal.staff_id if q.mine else None, limit=q.limit,
                          cursor=q.cursor)
    names = worklist.staff_names(r, branch) if any(t.coordinator_id for t in page.tasks) else {}
    return TaskPageOut(items=[task_out(branch, t, names) for t in page.tasks], next=page.next,
                       now=page.now.isoformat().replace("+00:00", "Z"))


@route("/branches/{branch}/pipeline", "GET", summary="Counts per stage and one page of a stage",
       roles=STAFF, query=PipelineQuery, response=PipelineOut, tags=TAGS)
def get_pipeline(call: Call) -> PipelineOut:
    branch, q = call.params["branch"], call.query
    r = repos.get()
    result = worklist.pipeline(r, branch, stage=q.stage, limit=q.limit, cursor=q.cursor)
    names = worklist.staff_names(r, branch) if any(i.coordinator_id for i in result.items) else {}
    return PipelineOut(stages=_stages(result), since=result.since, stage=result.stage.code,
                       items=[pipeline_item(branch, i, names) for i in result.items], next=result.next)


# --- Console ---------------------------------------------------------------------------------------------
def _due_text(due: str, lang: str, branch: Any) -> str:
    """A due moment for people: a date, or a date and time in the branch's time zone."""
    from babel.dates import format_date

    from chalicelib.web import i18n

    if "T" in due:
        return i18n.format_when(datetime.fromisoformat(due.replace("Z", "+00:00")), branch.time_zone, lang,
                                branch.country)
    return format_date(date.fromisoformat(due), "medium", locale=i18n.locale_for(lang, branch.country))


def _url(base: str, **params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return base + ("?" + urlencode(kept) if kept else "")


@route("/branches/{branch}/console", "GET", summary="The pipeline: counts and lists per stage (HTML)",
       roles=STAFF, query=ConsolePipelineQuery, console=True, tags=("console",))
def pipeline_page(call: Call) -> Response:
    from chalicelib.api import console_pages as web
    from chalicelib.web import console_labels_worklist as labels

    branch, q = call.params["branch"], call.query
    result = worklist.pipeline(repos.get(), branch, stage=q.stage, limit=q.limit, cursor=q.cursor)
    base = f"/branches/{branch}/console"
    next_url = _url(base, stage=result.stage.code, cursor=result.next) if result.next else ""
    return web.render_page(call, "console/pipeline.html", nav="pipeline", result=result, labels=labels,
                           stage_url=lambda code: _url(base, stage=code), next_url=next_url,
                           person_url=lambda cid: person_url(branch, cid), duo_url=lambda did: duo_url(branch, did),
                           due_text=_due_text)


@route("/branches/{branch}/console/tasks", "GET", summary="The task list (HTML)", roles=STAFF,
       query=ConsoleTasksQuery, console=True, tags=("console",))
def tasks_page(call: Call) -> Response:
    from chalicelib.api import console_pages as web
    from chalicelib.web import console_labels_worklist as labels

    branch, q = call.params["branch"], call.query
    page = worklist.tasks(repos.get(), branch, mine=call.principal.staff_id if q.mine else None, limit=q.limit,
                          cursor=q.cursor)
    base = f"/branches/{branch}/console/tasks"
    next_url = _url(base, mine="true" if q.mine else None, cursor=page.next) if page.next else ""
    branch_record = web.branch_of(call)  # read once a request: the layout uses the same
    return web.render_page(call, "console/tasks.html", nav="tasks", page=page, mine=q.mine, labels=labels,
                           all_url=base, mine_url=_url(base, mine="true"), next_url=next_url,
                           person_url=lambda cid: person_url(branch, cid), duo_url=lambda did: duo_url(branch, did),
                           due_text=_due_text, new_notice=_new_notice(branch_record, page.now))


def _new_notice(branch: Branch, now: datetime) -> str:
    """The privacy notice version staff are told about on the task list: set within the last 30 days."""
    signup = branch.effective_config()["signup"]
    since = signup.get("privacy_notice_since") or ""
    recent = since and (now.date() - date.fromisoformat(since)).days <= NEW_NOTICE_DAYS
    return signup["privacy_notice_version"] if recent else ""
