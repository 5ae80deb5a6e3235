"""DynamoDB calls of the console's reads (issue 5): the task list and the pipeline of a busy branch,
before and after ten times more closed history, and the calls of each life-cycle step.

Same setting as ``round_trips.py`` (``mock_aws``, ``chalice.test.Client``, the seed, a ``before-call``
hook on every botocore session the app makes; moto applies DynamoDB's 1 MB page limit to queries and
COUNTs, so pages are counted as in AWS). The branch is written directly through the store's mappers
(batch writes) for speed: 2,000 people across the open statuses and 300 active duos (plus the duos of
the people paired and some in follow-up); then 20,000 settled people and 3,000 closed duos, their
dates spread over the last ten years. Each read is measured warm (the branch's credentials read once).

The life-cycle steps go through the JSON API of the people and duos (parts A and B), one person and
one duo of another branch; a step whose route is not there is printed as ``n/a``.

Prints ``console_reads.<read>.<open|history> <calls> [<API operations>]`` and
``console_reads.step.<step> <calls> [...]``. Exits non-zero if a request does not answer as expected.
"""

from __future__ import annotations

import io
import json
import random
import sys
from collections import Counter
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta
from typing import Any

from benchmarks.round_trips import bench_app

BRANCH = "ghent"
STEPS_BRANCH = "antwerp"
SEED = 20261124
# The 2,000 people of the open stages (the 600 in_duo are the 300 active duos; 100 paired: 50 pairings).
OPEN_PEOPLE = {"registered": 500, "attended": 150, "no_show": 150, "intake_scheduled": 100, "training": 100,
               "ready": 300, "paired": 100, "in_duo": 600}
ACTIVE_DUOS = 300
FOLLOW_UP_DUOS = 40
HISTORY_FACTOR = 10
SETTLED = ("finished", "withdrawn", "not_suitable")


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Builder:
    """Candidates and duos of a branch, written with batch writes through the store's mappers."""

    def __init__(self, repos: Any, branch: str, now: datetime) -> None:
        self.repos, self.branch, self.now = repos, branch, now
        self.rng = random.Random(SEED)
        self.n = 0

    def _id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:07d}"

    def candidate(self, status: str, since: datetime, role: str | None = None) -> Any:
        from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus

        cid = self._id("c")
        role = role or self.rng.choice(("mentee", "mentor"))
        intake = {"scheduled_at": iso(self.now + timedelta(days=self.rng.randint(-3, 10)))} \
            if status == "intake_scheduled" else None
        return Candidate(
            id=cid, branch=self.branch, role=CandidateRole(role), status=CandidateStatus(status),
            name=f"Person {cid}", email=f"{cid}@bench.example", phone="+32470000000", birth_date="1990-01-01",
            postcode="9000", city="Gent", languages=[], heard_from="website", language="nl", consent_version="1",
            consent_language="nl", consent_at=iso(since), session_id="s1", created_at=iso(since),
            updated_at=iso(since), status_since=iso(since), coordinator_id=self.rng.choice(self.staff), intake=intake,
        )

    def duo(self, status: str, since: datetime, **fields: Any) -> Any:
        from chalicelib.domain.duos import Duo, DuoStatus

        did = self._id("d")
        return Duo(id=did, branch=self.branch, mentee_id=self._id("c"), mentor_id=self._id("c"),
                   mentee_name=f"Mentee {did}", mentor_name=f"Mentor {did}", first_meeting_at=iso(since),
                   created_at=iso(since), status=DuoStatus(status), coordinator_id=self.rng.choice(self.staff),
                   updated_at=iso(since), phase_since=iso(since), **fields)

    @property
    def staff(self) -> list[str]:
        from local.seed import demo_subject

        return [demo_subject("coordinator", self.branch), demo_subject("branch_admin", self.branch)]

    def write(self, candidates: list[Any], duos: list[Any]) -> None:
        from chalicelib.store.candidates import candidate_item
        from chalicelib.store.duos import duo_item
        from chalicelib.store.models import CandidateItem, DuoItem

        with self.repos.scopes.tenant(self.branch):
            with CandidateItem.batch_write() as batch:
                for c in candidates:
                    batch.save(candidate_item(c, []))
            with DuoItem.batch_write() as batch:
                for d in duos:
                    batch.save(duo_item(d))

    def days_ago(self, low: int, high: int) -> datetime:
        return self.now - timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(0, 1439))

    def open_branch(self) -> None:
        people = []
        for status, count in OPEN_PEOPLE.items():
            if status in ("paired", "in_duo"):
                continue  # the duos' people, below
            people += [self.candidate(status, self.days_ago(0, 60)) for _ in range(count)]
        duos = []
        for _ in range(OPEN_PEOPLE["paired"] // 2):
            agreed = self.rng.random() < 0.4
            since = self.now - timedelta(hours=self.rng.randint(1, 72))
            answers = {"mentee": {"answer": "yes"}, "mentor": {"answer": "yes"}} if agreed else {}
            duos.append(self.duo("agreed" if agreed else "first_meeting", since, answers=answers))
        for _ in range(ACTIVE_DUOS):
            start = self.days_ago(20, 180)
            last = start + timedelta(days=self.rng.randint(0, (self.now - start).days))
            duos.append(self.duo("active", start, started_on=start.date().isoformat(),
                                 planned_end=(start + timedelta(days=182)).date().isoformat(),
                                 last_meeting_on=last.date().isoformat(),
                                 intervisions=[start.date().isoformat()] * self.rng.randint(0, 1)))
        for _ in range(FOLLOW_UP_DUOS):
            end = self.days_ago(1, 40)
            duos.append(self.duo("closed", end, started_on=(end - timedelta(days=182)).date().isoformat(),
                                 planned_end=end.date().isoformat(), ended_on=end.date().isoformat(),
                                 end_kind="completed", intervisions=["2026-01-01", "2026-02-01"]))
        for d in duos:  # their people, paired or in a duo
            status = "in_duo" if d.status.value == "active" else "paired" if d.status.value != "closed" else None
            for cid, role in ((d.mentee_id, "mentee"), (d.mentor_id, "mentor")):
                if status:
                    person = self.candidate(status, datetime.fromisoformat(d.created_at.replace("Z", "+00:00")), role)
                    person.id, person.duo_id = cid, d.id
                    people.append(person)
        self.write(people, duos)
        self.counts = Counter(p.status.value for p in people)

    def history(self) -> None:
        """Ten times the open branch, closed: settled people and done duos of the last ten years."""
        people = [self.candidate(self.rng.choice(SETTLED), self.days_ago(1, 3650))
                  for _ in range(HISTORY_FACTOR * sum(OPEN_PEOPLE.values()))]
        duos = []
        for _ in range(HISTORY_FACTOR * ACTIVE_DUOS):
            end = self.days_ago(1, 3650)
            start = end - timedelta(days=182)
            duos.append(self.duo("closed", end, started_on=start.date().isoformat(),
                                 planned_end=end.date().isoformat(), ended_on=end.date().isoformat(),
                                 end_kind="completed", intervisions=["2020-01-01", "2020-02-01"],
                                 evaluations={"mentee": {}, "mentor": {}}, outcome={"situation": "job"}))
        self.write(people, duos)


def main() -> int:
    with bench_app() as (client, calls, keys):
        from chalicelib.services import clock
        from chalicelib.services import repos as repos_module
        from local.seed import demo_subject
        from local.tokens import mint

        pem = (keys / "private.pem").read_bytes()
        now = clock.now()

        def token(role: str, branch: str) -> str:
            return mint(pem, role=role, branch=branch, subject=demo_subject(role, branch))

        def request(method: str, path: str, status: int | tuple[int, ...], *, role: str = "coordinator",
                    branch: str = BRANCH, body: dict[str, Any] | None = None,
                    console: bool = False) -> tuple[Any, list[str]]:
            headers = {"Cookie": f"duo_session={token(role, branch)}"} if console else {
                "Authorization": f"Bearer {token(role, branch)}", "Content-Type": "application/json"}
            calls.take()
            with redirect_stdout(io.StringIO()):  # the app's EMF metrics lines
                answer = client.http.request(method, path, headers=headers,
                                             body=json.dumps(body) if body is not None else None)
            seen = calls.take().get("dynamodb", [])
            if answer.status_code not in (status if isinstance(status, tuple) else (status,)):
                why = answer.body[:300]
                raise SystemExit(f"{method} {path} answered {answer.status_code}, not {status}: {why!r}")
            return answer, seen

        def show(label: str, seen: list[str]) -> None:
            print(f"console_reads.{label} {len(seen)} [{', '.join(f'{k} x{v}' for k, v in Counter(seen).items())}]")
            sys.stdout.flush()

        import boto3

        from chalicelib.settings import get_settings

        boto3.client("ses").verify_email_identity(EmailAddress=get_settings().mail_from)
        life_cycle(request, show, now)
        builder = Builder(repos_module.get(), BRANCH, now)
        builder.open_branch()
        request("GET", f"/branches/{BRANCH}/tasks", 200)  # warm: the branch's credentials
        reads = {
            "tasks": ("GET", f"/branches/{BRANCH}/tasks", False),
            "tasks_mine": ("GET", f"/branches/{BRANCH}/tasks?mine=true", False),
            "pipeline": ("GET", f"/branches/{BRANCH}/pipeline", False),
            "pipeline_ready_mentors": ("GET", f"/branches/{BRANCH}/pipeline?stage=ready_mentors", False),
            "console_tasks": ("GET", f"/branches/{BRANCH}/console/tasks", True),
            "console_pipeline": ("GET", f"/branches/{BRANCH}/console", True),
        }
        for phase in ("open", "history"):
            if phase == "history":
                builder.history()
            for label, (method, path, console) in reads.items():
                show(f"{label}.{phase}", request(method, path, 200, console=console)[1])
            pages, total, cursor = 0, [], None  # the whole task list, 100 tasks a page
            while True:
                answer, seen = request("GET", f"/branches/{BRANCH}/tasks?limit=100"
                                       + (f"&cursor={cursor}" if cursor else ""), 200)
                total += seen
                pages += 1
                body = json.loads(answer.body)
                cursor = body["next"]
                if not cursor:
                    break
            show(f"tasks_all_pages.{phase}", total)
            print(f"console_reads.tasks_all_pages.{phase}.pages {pages}")
        print(f"console_reads.branch people_open={sum(OPEN_PEOPLE.values())} active_duos={ACTIVE_DUOS} "
              f"history_people={HISTORY_FACTOR * sum(OPEN_PEOPLE.values())} "
              f"history_duos={HISTORY_FACTOR * ACTIVE_DUOS}")
    return 0


def life_cycle(request: Any, show: Any, now: datetime) -> None:
    """One mentee and one mentor from registration to the outcome, through the API: calls per step."""
    from chalicelib.api.route_table import load_all

    paths = {(s.method, s.path) for s in load_all()}
    b = STEPS_BRANCH
    session = json.loads(request("POST", f"/branches/{b}/info-sessions", 201, branch=b, body={
        "starts_at": f"{date.today() + timedelta(days=20)}T18:30", "format": "in_person",
        "address": "Kerkstraat 1, 2000 Antwerpen", "language": "nl", "capacity": 10})[0].body)["id"]
    from benchmarks.signup_round_trips import mentee

    people: dict[str, dict[str, Any]] = {}
    for role in ("mentee", "mentor"):
        body = mentee(session, f"bench.{role}@example.org")
        if role == "mentor":
            for k in ("looking_for", "education_level", "work_permit", "migration_background"):
                body.pop(k)
            body.update(role="mentor", birth_date="1960-01-01", profession="Engineer", available_six_months=True,
                        languages=[{"code": "nl", "level": "native"}])
        request("POST", f"/branches/{b}/signups", 201, branch=b, body=body)
        from chalicelib.services import repos as repos_module

        rows, _ = repos_module.get().candidates.list(b, role=role, status=None, limit=20, cursor=None)
        found = next(c for c in rows if c.email == body["email"])
        people[role] = {"id": found.id, "version": found.version}

    def step(label: str, method: str, route: str, path: str, body: dict[str, Any],
             status: tuple[int, ...] = (200, 201)) -> Any:
        if (method, route) not in paths:
            print(f"console_reads.step.{label} n/a (no route {method} {route})")
            return None
        answer, seen = request(method, path, status, branch=b, body=body)
        show(f"step.{label}", seen)
        return json.loads(answer.body)

    cand = "/branches/{branch}/candidates/{candidate_id}"

    def person_step(label: str, role: str, action: str, body: dict[str, Any], measured: bool = True) -> None:
        p = people[role]
        path = f"/branches/{b}/candidates/{p['id']}/{action}"
        if not measured:
            answer, _ = request("POST", path, 200, branch=b, body={**body, "version": p["version"]})
            p["version"] = json.loads(answer.body)["version"]
            return
        out = step(label, "POST", f"{cand}/{action}", path, {**body, "version": p["version"]})
        if out:
            p["version"] = out["version"]

    person_step("attendance", "mentee", "attendance", {"attended": True})
    person_step("attendance", "mentor", "attendance", {"attended": True}, measured=False)
    at = (now + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    person_step("intake_schedule", "mentee", "intake-schedule", {"at": at})
    person_step("intake_schedule", "mentor", "intake-schedule", {"at": at}, measured=False)
    person_step("intake", "mentee", "intake", {"decision": "ready"})
    person_step("intake", "mentor", "intake", {"decision": "ready"}, measured=False)
    modules = ("welcome", "role_of_mentor", "listening", "intercultural", "job_market", "action_plan", "network",
               "closing")
    for i, module in enumerate(modules):
        last = i == len(modules) - 1
        body = {"module": module, "completed_on": str(now.date())}
        person_step("training_module_last" if last else "training_module", "mentor", "training", body,
                    measured=i == 0 or last)
    duo = step("pairing", "POST", "/branches/{branch}/duos", f"/branches/{b}/duos",
               {"mentee_id": people["mentee"]["id"], "mentor_id": people["mentor"]["id"],
                "first_meeting_at": iso(now - timedelta(hours=2))})
    if duo is None:
        return
    base, route = f"/branches/{b}/duos/{duo['id']}", "/branches/{branch}/duos/{duo_id}"
    today = str(now.date())
    evaluation = {"mentee": {k: True for k in ("gained_stability", "gained_autonomy", "gained_confidence",
                                                "understands_language_culture_codes",
                                                "knows_where_to_find_opportunities",
                                                "knows_how_to_seize_opportunities")},
                  "mentor": {"would_mentor_again": True, "keeps_in_touch": True}}
    for label, action, body in (
        ("answer", "answers", {"side": "mentee", "answer": "yes"}),
        ("answer_second_yes", "answers", {"side": "mentor", "answer": "yes"}),
        ("agreement", "agreement", {"signed_on": today, "mentee": True, "mentor": True, "branch": True}),
        ("meeting", "meetings", {"on": today, "minutes": 60, "mode": "in_person"}),
        ("close", "close", {"ended_on": today, "kind": "completed"}),
        ("evaluation", "evaluations", {"side": "mentee", "answers": evaluation["mentee"]}),
        ("outcome", "outcome", {"situation": "job"}),
    ):
        out = step(label, "POST", f"{route}/{action}", f"{base}/{action}", {**body, "version": duo["version"]})
        if out is None:
            return
        duo = out


if __name__ == "__main__":
    sys.exit(main())
