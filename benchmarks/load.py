"""Load on the local stack (issue 9): a signup wave, coordinators on the console and the head office's reports, at once.

``make load`` (``python -m benchmarks.load``) starts its own local stack (``tests.stack.Stack``: moto's
server and ``chalice local`` in a subprocess, on free loopback ports, in a temporary state dir), creates
info sessions with room for every signup, then runs Locust as a library (gevent, one process) for
``--seconds`` (30) or until ``--max-requests`` (20,000) answers, whichever comes first, with three
user kinds:

- ``signup``: public clients posting info-session registrations (``POST /branches/{b}/signups``, JSON,
  an Idempotency-Key and a distinct email each), across the four demo branches;
- ``coordinator``: staff of each branch working the console: the task list (JSON and the HTML page),
  search, a person (JSON, with a reason, and the HTML page) and recording attendance then planning the
  intake of the people who just signed up (each person is worked by one coordinator only);
- ``head_office``: the network report (JSON) and its console page, refreshed.

A sequential warm-up (one request of each kind per branch) comes first and is not measured. When the
time is up, each user finishes the task it is in (``load.seconds`` runs to the last answer), so every
request sent is counted. A connection reset (chalice local listens with a backlog of 5) is sent again,
the same body and Idempotency-Key, and counted as ``retried_after_reset``, not as an error.

Prints per scenario (and per request): requests, throughput (req/s), p50/p95/p99 latency in ms (from
the first try to the answer) and errors (any answer that is not the expected status, or no answer).
Then checks the table through moto: every signup answered 201 is exactly one candidate (by email,
branch and role), exactly one registration of that candidate in the session it chose, and each
session's ``seats_taken`` equals its registrations; no candidate or registration exists for an email
that was answered anything else than 201 (a request without any answer may have gone either way).
Exits non-zero on any error or inconsistency. Figures only, no speed verdict.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import gevent

# Locust patches the standard library with gevent when imported: before requests and boto3 are (below).
import locust
from locust import HttpUser, between, task
from locust.env import Environment

from benchmarks.signup_load import BRANCHES, body, create_sessions
from tests.stack import Stack

SCENARIOS = ("signup", "coordinator", "head_office")


@dataclass
class Shared:
    """What the users of one run share (one gevent loop: no locks needed)."""

    stack: Stack
    sessions: dict[str, list[str]]
    tokens: dict[tuple[str, str | None], str]
    started: float = 0.0
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    # (branch, email) -> (session id, status of the last answer; 0: none)
    sent: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    to_work: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # branch -> emails
    worked: Counter = field(default_factory=Counter)
    retries: Counter = field(default_factory=Counter)  # scenario -> requests sent again after a reset
    # (scenario, request name) -> latencies in ms; errors by (scenario, name) -> {what: count}
    latencies: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))


SHARED: Shared | None = None


def shared() -> Shared:
    assert SHARED is not None
    return SHARED


RETRIES = 3  # connection resets only (chalice local listens with a backlog of 5): the same request again


class Base(HttpUser):
    abstract = True
    scenario = ""

    def send(self, method: str, path: str, name: str, expected: int, **kwargs: Any) -> Any:
        """One request as a client would make it: retried on a reset connection (the same body and
        Idempotency-Key), timed from the first try to the last answer; anything but ``expected`` is an error."""
        s = shared()
        began = time.perf_counter()
        for attempt in range(RETRIES + 1):
            with self.client.request(method, path, name=f"{self.scenario}|{name}", catch_response=True,
                                     allow_redirects=False, timeout=120, **kwargs) as answer:
                answer.success()  # judged here, not by Locust
                if answer.status_code == 0 and attempt < RETRIES and "Connection" in repr(answer.error):
                    s.retries[self.scenario] += 1
                    gevent.sleep(0.1 * (attempt + 1))
                    continue
                break
        s.latencies[(self.scenario, name)].append((time.perf_counter() - began) * 1000)
        if answer.status_code != expected:
            failed = answer.status_code == 0
            what = f"no answer: {answer.error!r}"[:100] if failed else str(answer.status_code)
            s.errors[(self.scenario, name)][what] += 1
        return answer


class SignupUser(Base):
    """A public client: one registration after another, as a signup wave from many browsers would."""

    scenario = "signup"
    wait_time = between(0.5, 2.0)  # a person filling in the form, many of them

    def on_start(self) -> None:
        self.number = next(shared().numbers)
        self.branch = BRANCHES[self.number % len(BRANCHES)]
        self.language = "fr" if self.branch == "liege" else "nl"
        self.sent = 0

    @task
    def sign_up(self) -> None:
        s = shared()
        self.sent += 1
        email = f"load.{self.number}.{self.sent}@bench.example"
        session_id = s.sessions[self.branch][self.sent % len(s.sessions[self.branch])]
        s.sent[(self.branch, email)] = (session_id, 0)
        key = f"load-{self.number}-{self.sent}-{s.started:.0f}"
        answer = self.send("POST", f"/branches/{self.branch}/signups", "POST /signups", 201,
                           json=body(session_id, email, self.language), headers={"Idempotency-Key": key})
        s.sent[(self.branch, email)] = (session_id, answer.status_code)
        if answer.status_code == 201:
            s.to_work[self.branch].append(email)


class CoordinatorUser(Base):
    """A coordinator of one branch: reads the task list, finds the newest signups and records their steps."""

    scenario = "coordinator"
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        s = shared()
        self.branch = BRANCHES[next(s.numbers) % len(BRANCHES)]
        token = s.tokens[("coordinator", self.branch)]
        self.json_headers = {"Authorization": f"Bearer {token}"}
        self.client.cookies.set("duo_session", token)

    def _get(self, path: str, name: str, **kwargs: Any) -> Any:
        return self.send("GET", path, name, 200, **kwargs)

    @task(2)
    def task_list(self) -> None:
        self._get(f"/branches/{self.branch}/tasks?limit=50", "GET /tasks", headers=self.json_headers)

    @task(1)
    def task_page(self) -> None:
        self._get(f"/branches/{self.branch}/console/tasks", "GET /console/tasks (HTML)")

    @task(1)
    def search(self) -> None:
        self._get(f"/branches/{self.branch}/search?q=load", "GET /search", headers=self.json_headers)

    @task(4)
    def work_a_person(self) -> None:
        """Search the newest signup by email, read them, mark attendance, plan the intake, open their page."""
        s = shared()
        queue = s.to_work[self.branch]
        if not queue:
            self.task_list()
            return
        email = queue.pop()
        b = f"/branches/{self.branch}"
        found = self._get(f"{b}/search", "GET /search?q=<email>", headers=self.json_headers,
                          params={"q": email, "limit": 5})
        hits = [h for h in (found.json().get("items", []) if found.status_code == 200 else []) if h["email"] == email]
        if len(hits) != 1:
            s.errors[("coordinator", "search finds the signup once")][f"{len(hits)} hits"] += 1
            return
        cid = hits[0]["id"]
        person = self._get(f"{b}/candidates/{cid}", "GET /candidates/{id}", headers=self.json_headers,
                           params={"reason": "load test"})
        if person.status_code != 200:
            return
        version = person.json()["version"]
        answer = self.send("POST", f"{b}/candidates/{cid}/attendance", "POST /attendance", 200,
                           json={"attended": True, "version": version}, headers=self.json_headers)
        if answer.status_code != 200:
            return
        version = answer.json()["version"]
        at = (datetime.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
        self.send("POST", f"{b}/candidates/{cid}/intake-schedule", "POST /intake-schedule", 200,
                  json={"at": at.isoformat(), "version": version}, headers=self.json_headers)
        self._get(f"{b}/console/people/{cid}", "GET /console/people/{id} (HTML)")
        s.worked[self.branch] += 1


class HeadOfficeUser(Base):
    """The head office refreshing the network report, as JSON and as its console page."""

    scenario = "head_office"
    wait_time = between(2.0, 5.0)

    def on_start(self) -> None:
        token = shared().tokens[("head_office", None)]
        self.json_headers = {"Authorization": f"Bearer {token}"}
        self.client.cookies.set("duo_session", token)

    def _get(self, path: str, name: str, **kwargs: Any) -> None:
        self.send("GET", path, name, 200, **kwargs)

    @task(2)
    def network_json(self) -> None:
        self._get(f"/reports/network?period={date.today().year}", "GET /reports/network", headers=self.json_headers)

    @task(1)
    def network_page(self) -> None:
        self._get("/console/head-office/report", "GET /console/head-office/report (HTML)")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def figures(label: str, values: list[float], errors: int, seconds: float) -> str:
    if not values:
        return f"load.{label} requests 0 errors {errors}"
    return (f"load.{label} requests {len(values)} rps {len(values) / seconds:.1f} "
            f"p50_ms {percentile(values, 0.50):.0f} p95_ms {percentile(values, 0.95):.0f} "
            f"p99_ms {percentile(values, 0.99):.0f} errors {errors}")


def check_table(stack: Stack, s: Shared) -> list[str]:
    """Every 201 exactly once (candidate, registration, seat); nothing for the others; seats = registrations."""
    dynamodb = stack.aws("dynamodb")
    candidates: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (branch, role, email) -> ids
    registrations: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)  # (branch, email) -> rows
    per_session: Counter = Counter()
    seats: dict[tuple[str, str], int] = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName="duo"):
        for item in page["Items"]:
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            if not pk.startswith("T#"):
                continue
            branch = pk.split("#", 2)[1]
            if sk == "CANDIDATE":
                candidates[(branch, item["role"]["S"], item["email"]["S"])].append(item["candidate_id"]["S"])
            elif sk.startswith("REG#"):
                session_id = item["session_id"]["S"]
                status = item.get("status", {}).get("S", "")
                registrations[(branch, item["email"]["S"])].append((session_id, item["candidate_id"]["S"]))
                if status != "cancelled":
                    per_session[(branch, session_id)] += 1
            elif sk == "SESSION":
                seats[(branch, pk.rsplit("#", 1)[1])] = int(item.get("seats_taken", {}).get("N", "0"))
    problems: list[str] = []
    for (branch, email), (session_id, status) in s.sent.items():
        ids = candidates.get((branch, "mentee", email), [])
        rows = registrations.get((branch, email), [])
        if status == 201:
            if len(ids) != 1:
                problems.append(f"{branch} {email}: answered 201, {len(ids)} candidates")
            elif rows != [(session_id, ids[0])]:
                problems.append(f"{branch} {email}: answered 201, registrations {rows} (expected one in {session_id})")
        elif status != 0 and (ids or rows):  # no answer (0): either outcome is right
            problems.append(f"{branch} {email}: answered {status}, yet {len(ids)} candidates, "
                            f"{len(rows)} registrations")
    for key, taken in seats.items():
        if taken != per_session[key]:
            problems.append(f"session {key}: seats_taken {taken}, registrations {per_session[key]}")
    return problems


def warm_up(stack: Stack, s: Shared) -> float:
    """One request of each kind per branch, one after another, not measured: chalice local's first
    requests build the app's per-branch credentials and clients, which in AWS each container does once."""
    import requests

    began = time.monotonic()
    http = requests.Session()
    for branch in BRANCHES:
        staff = {"Authorization": f"Bearer {s.tokens[('coordinator', branch)]}"}
        email = f"warm.{branch}@bench.example"
        session_id = s.sessions[branch][0]
        answer = http.post(f"{stack.api}/branches/{branch}/signups", timeout=60,
                           json=body(session_id, email, "fr" if branch == "liege" else "nl"))
        s.sent[(branch, email)] = (session_id, answer.status_code)
        http.get(f"{stack.api}/branches/{branch}/tasks", headers=staff, timeout=60)
        http.get(f"{stack.api}/branches/{branch}/search?q=warm", headers=staff, timeout=60)
    head = {"Authorization": f"Bearer {s.tokens[('head_office', None)]}"}
    http.get(f"{stack.api}/reports/network", headers=head, timeout=60)
    http.close()
    return time.monotonic() - began


def main(argv: list[str] | None = None) -> int:
    global SHARED
    parser = argparse.ArgumentParser(description="A signup wave, coordinators and the head office at once.")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=20_000, help="stop after this many answers")
    parser.add_argument("--signups", type=int, default=24, help="signup clients (default 24)")
    parser.add_argument("--coordinators", type=int, default=8, help="coordinators (default 8, 2 per branch)")
    parser.add_argument("--head-office", type=int, default=2, help="head-office users (default 2)")
    args = parser.parse_args(argv)

    SignupUser.fixed_count = args.signups
    CoordinatorUser.fixed_count = args.coordinators
    HeadOfficeUser.fixed_count = args.head_office
    users = args.signups + args.coordinators + args.head_office

    with tempfile.TemporaryDirectory(prefix="duo-load-") as tmp:
        stack = Stack(Path(tmp))
        print(f"load.stack_start_seconds {stack.start():.1f}", flush=True)
        try:
            tokens = {("coordinator", b): stack.token("coordinator", b) for b in BRANCHES}
            tokens[("head_office", None)] = stack.token("head_office")
            SHARED = s = Shared(stack, create_sessions(stack, per_branch=2), tokens)
            print(f"load.warm_up_seconds {warm_up(stack, s):.1f}", flush=True)
            env = Environment(user_classes=[SignupUser, CoordinatorUser, HeadOfficeUser], host=stack.api,
                              events=locust.events, stop_timeout=60)  # a user ends the task it is in
            runner = env.create_local_runner()
            s.started = time.time()
            began = time.monotonic()
            runner.start(users, spawn_rate=users)

            def stop_when_done() -> None:
                while time.monotonic() - began < args.seconds:
                    if sum(len(v) for v in s.latencies.values()) >= args.max_requests:
                        break
                    gevent.sleep(0.2)
                runner.quit()

            gevent.spawn(stop_when_done)
            runner.greenlet.join()
            elapsed = time.monotonic() - began
            gevent.sleep(1.0)  # let the stream feeder catch up (the check reads the table, not the aggregates)
            problems = check_table(stack, s)
        finally:
            stack.stop()

    print(f"load.users signup {args.signups} coordinator {args.coordinators} head_office {args.head_office}")
    print(f"load.seconds {elapsed:.1f}")
    total_errors = 0
    for scenario in SCENARIOS:
        names = sorted(k for k in set(s.latencies) | set(s.errors) if k[0] == scenario)
        values = [v for k in names for v in s.latencies.get(k, [])]
        errors = sum(sum(s.errors[k].values()) for k in names if k in s.errors)
        total_errors += errors
        print(f"{figures(scenario, values, errors, elapsed)} retried_after_reset {s.retries[scenario]}")
        for key in names:
            line = figures(f"{scenario}.{key[1]}", s.latencies.get(key, []), sum(s.errors[key].values()), elapsed)
            print(f"  {line}")
            if s.errors.get(key):
                print(f"    errors: {dict(s.errors[key])}")
    created = sum(1 for _, status in s.sent.values() if status == 201)
    print(f"load.signups_created {created}")
    print(f"load.people_worked {sum(s.worked.values())} {dict(sorted(s.worked.items()))}")
    print(f"load.table_check {'ok' if not problems else f'{len(problems)} problems'}")
    for line in problems[:20]:
        print(f"  {line}")
    if total_errors or problems or not created:
        print("load: FAILED (errors or inconsistencies above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
