"""DynamoDB calls and time of personal data (issue 8): exporting and erasing one person with a full history,
and the retention sweep of a branch with 10,000 expired people.

The person goes through the whole life cycle through the API and the services (signup, attendance, intake,
a declined first pairing, then a duo with its agreement, meetings, goals, a check-in, an intervision,
services, the closing, both evaluations and the outcome). The branch of the sweep is written with batch
writes through the store's mappers (never transactions): each expired person with their search terms, email
guard, registration and events; three in ten of them from closed duos (with the duo's events), plus 1,000
recent people the sweep must not read. Same setting as ``round_trips.py`` (``mock_aws``, the app's test
client, a ``before-call`` hook on every botocore session the app makes): times include moto's in-process
DynamoDB, not a network, with one change to moto (``per_partition_queries``): a query reads the partition
asked, as DynamoDB does, instead of sorting the whole table first.

Prints ``privacy.<what> <calls> [<API operations>]``, ``privacy.<what>.ms``, and for the sweep its erased
count, calls per person and seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.round_trips import bench_app

LIFE_BRANCH = "antwerp"
SWEEP_BRANCH = "lille"
SEED = 20261124
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RECENT = 1000
LIVES = 3


def per_partition_queries() -> None:
    """moto's Query gathers and sorts every item of the table on each call, for a partition of the table as for
    an index, where DynamoDB reads the one partition: for the sweep of 10,000 people (a query of each person's
    partition, and of the access audit about them) that is hours of moto, not of DynamoDB. Here a query of the
    table reads only the partition asked, and a query of an index whose key no item ever had answers at once
    (the index keys ever written are noted as moto's stream sees each write). Answers and pages are the same."""
    from moto.dynamodb.models.table import StreamShard, Table

    def note(table: Any, values: set, item: Any) -> None:
        for index in table.global_indexes:
            for key in index.schema:
                value = item.attrs.get(key["AttributeName"]) if key["KeyType"] == "HASH" else None
                if value is not None:
                    values.add((index.name, value))

    def index_keys(table: Any) -> set:
        values = table.__dict__.get("_index_keys_seen")
        if values is None:
            values = set()
            for partition in table.items.values():
                for item in partition.values():
                    note(table, values, item)
            table._index_keys_seen = values
        return values

    original_add = StreamShard.add

    def add(self: Any, old: Any, new: Any) -> None:
        original_add(self, old, new)
        if new is not None and "_index_keys_seen" in self.table.__dict__:
            note(self.table, self.table._index_keys_seen, new)

    original_query = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is None and hash_key is not None:
            partition = self.items.get(hash_key) or {}
            found = list(partition.values())
        else:
            conditions = kwargs.get("hash_key_conditions") or []
            if conditions and all((index_name, value) not in index_keys(self) for _, value in conditions):
                return [], 0, None
            found = [i for partition in self.items.values() for i in partition.values()]
        self.all_items = lambda: found  # this call only
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    StreamShard.add = add  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def ops(seen: list[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in Counter(seen).items())


# --- One person with a full history --------------------------------------------------------------------
def life(client: Any, headers: dict[str, str], n: int) -> str:
    """A mentee from the signup to the duo's outcome (with a declined first pairing); the mentee's id."""
    from chalicelib.domain.duos import MENTEE_EVALUATION, MENTOR_EVALUATION
    from chalicelib.domain.roles import Principal, Role
    from chalicelib.services import clock, people
    from chalicelib.services import duos as duo_service
    from chalicelib.services import repos as repos_module
    from chalicelib.services.people import IntakeData
    from local.seed import demo_subject

    repos = repos_module.get()
    staff = demo_subject("coordinator", LIFE_BRANCH)
    actor = Principal(Role.COORDINATOR, staff, LIFE_BRANCH, staff)
    answer = client.http.post(f"/branches/{LIFE_BRANCH}/info-sessions", headers=headers, body=json.dumps(
        {"starts_at": f"{clock.today() + timedelta(days=30)}T18:30", "format": "in_person",
         "address": "Kerkstraat 1", "language": "nl", "capacity": 20}))
    session = json.loads(answer.body)["id"]
    ids = {}
    for role in ("mentee", "mentor", "decoy"):
        email = f"{role}.{n}@bench.example"
        body = {"role": "mentor" if role == "decoy" else role, "session_id": session, "name": f"Bench {role} {n}",
                "email": email, "phone": "+32 470 12 34 56", "postcode": "2000", "city": "Antwerpen",
                "languages": [{"code": "nl", "level": "native"}], "heard_from": "website", "consent": True,
                "sectors": ["logistics"]}
        body |= ({"birth_date": "2001-04-02", "looking_for": ["job"], "education_level": "secondary",
                  "work_permit": True, "migration_background": True} if role == "mentee" else
                 {"birth_date": "1958-09-14", "profession": "Engineer", "available_six_months": True})
        answer = client.http.post(f"/branches/{LIFE_BRANCH}/signups", headers={"Content-Type": "application/json"},
                                  body=json.dumps(body))
        if answer.status_code != 201:
            raise SystemExit(f"signup answered {answer.status_code}: {answer.body[:300]!r}")
        rows, _ = repos.candidates.list(LIFE_BRANCH, role=body["role"], status=None, limit=100, cursor=None)
        cid = next(c.id for c in rows if c.email == email)
        ids[role] = cid
        c = people.mark_attendance(repos, actor, LIFE_BRANCH, cid, attended=True,
                                   version=repos.candidates.get(LIFE_BRANCH, cid).version)
        c = people.schedule_intake(repos, actor, LIFE_BRANCH, cid, at=clock.now() + timedelta(hours=1),
                                   version=c.version)
        c = people.record_intake(repos, actor, LIFE_BRANCH, cid, IntakeData(
            experience="Some experience", expectations="Some expectations", notes="Some notes", decision="ready",
            availability=["tue_evening"], languages=[{"code": "nl", "level": "fluent"}]), version=c.version)
        if body["role"] == "mentor":
            modules = repos.branches.get(LIFE_BRANCH).effective_config()["training"]["modules"]
            for module in modules:
                c = people.record_training(repos, actor, LIFE_BRANCH, cid, module=module["code"],
                                           completed_on=clock.today(), version=c.version)
    hour_ago, today, by = clock.now() - timedelta(hours=1), clock.today(), staff
    first = duo_service.pair(repos, LIFE_BRANCH, ids["mentee"], ids["decoy"], hour_ago, by)
    duo_service.answer(repos, LIFE_BRANCH, first.id, "mentee", "no", first.version, "candidate")
    d = duo_service.pair(repos, LIFE_BRANCH, ids["mentee"], ids["mentor"], hour_ago, by)
    did = d.id
    for side in ("mentee", "mentor"):
        d = duo_service.answer(repos, LIFE_BRANCH, did, side, "yes", d.version, "candidate")
    d = duo_service.record_agreement(repos, LIFE_BRANCH, did, today, True, True, True, d.version, by)
    for _ in range(3):
        d = duo_service.log_meeting(repos, LIFE_BRANCH, did, today, 60, "in_person", d.version, by)
    for title in ("A first goal", "A second goal"):
        d = duo_service.add_goal(repos, LIFE_BRANCH, did, title, None, d.version, by)
    d = duo_service.add_checkin(repos, LIFE_BRANCH, did, today, "call", d.version, by)
    d = duo_service.add_intervision(repos, LIFE_BRANCH, did, today, d.version, by)
    d = duo_service.add_service(repos, LIFE_BRANCH, did, "cv_review", today, None, d.version, by)
    d = duo_service.close(repos, LIFE_BRANCH, did, today, "completed", None, d.version, by)
    for side, items in (("mentee", MENTEE_EVALUATION), ("mentor", MENTOR_EVALUATION)):
        d = duo_service.submit_evaluation(repos, LIFE_BRANCH, did, side, dict.fromkeys(items, True), d.version, by)
    duo_service.record_outcome(repos, LIFE_BRANCH, did, "job", d.version, by)
    return ids["mentee"]


# --- A branch of expired people --------------------------------------------------------------------------
def expired_branch(repos: Any, people: int, rng: random.Random) -> int:
    """``people`` expired people of the sweep's branch (three in ten of them in pairs that were a duo), and
    ``RECENT`` people of last year; returns the items written."""
    import hashlib

    from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus
    from chalicelib.domain.duos import Duo, DuoStatus, phase
    from chalicelib.domain.events import Event
    from chalicelib.domain.sessions import InfoSession
    from chalicelib.store import keys
    from chalicelib.store.candidates import candidate_item, registration_item, term_items
    from chalicelib.store.duos import duo_item
    from chalicelib.store.events import event_item
    from chalicelib.store.models import GuardItem
    from chalicelib.store.sessions import session_item

    b = SWEEP_BRANCH
    items: list[Any] = []
    sessions = [f"s{y}{m:02d}" for y in range(2019, 2026) for m in (3, 9)]
    for sid in sessions:
        items.append(session_item(InfoSession(
            id=sid, branch=b, starts_at=datetime(int(sid[1:5]), int(sid[5:7]), 10, 18, tzinfo=UTC),
            duration_minutes=90, format="in_person", language="fr", audience="all", capacity=500, seats_taken=0,
            created_at="2019-01-01T00:00:00Z", updated_at="2019-01-01T00:00:00Z")))
    seat = {"registered": "registered", "withdrawn": "cancelled", "no_show": "no_show"}

    def person(cid: str, role: str, status: str, since: datetime, duo_ids: list[str]) -> Candidate:
        at = iso(since)
        return Candidate(
            id=cid, branch=b, role=CandidateRole(role), status=CandidateStatus(status), name=f"Personne {cid}",
            email=f"{cid}@bench.example", phone=f"+33 6 12 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} 00",
            birth_date="1990-01-01", postcode="59000", city="Lille", languages=[], heard_from="website",
            language="fr", consent_version="1", consent_language="fr", consent_at=at,
            session_id=rng.choice([s for s in sessions if s[1:5] <= at[:4]] or sessions[:1]), created_at=at,
            updated_at=at, status_since=at, duo_ids=duo_ids,
            intake={"experience": "Une expérience", "notes": "Des notes", "decision": "ready"})

    def add(c: Candidate, events: list[Event]) -> None:
        items.append(candidate_item(c, [hashlib.sha256(c.id.encode()).hexdigest()]))
        items.extend(term_items(c))
        items.append(GuardItem(*keys.candidate_email_key(b, c.role.value, c.email), owner=c.id))
        registration = registration_item(c, c.session_id, c.created_at)
        registration.status = seat.get(c.status.value, "attended")
        items.append(registration)
        items.extend(event_item(b, e) for e in events)

    n = written = 0
    while written < people + RECENT:
        n += 1
        recent = written >= people
        start = datetime(2025 if recent else rng.randint(2019, 2022), rng.randint(1, 12), rng.randint(1, 28), 10,
                         tzinfo=UTC)
        at = iso(start)
        if recent or n % 10 >= 3 or written + 2 > people:
            role = rng.choice(("mentee", "mentor"))
            status = rng.choice(("registered", "no_show", "withdrawn", "not_suitable", "attended"))
            c = person(f"p{n:06d}", role, status, start, [])
            events = [Event("candidate.signed_up", "candidate", c.id, "candidate", at, (),
                            {"to": "registered", "role": role, "heard_from": "website"})]
            if status != "registered":
                events.append(Event("candidate.withdrawn" if status == "withdrawn" else "candidate.status_changed",
                                    "candidate", c.id, "staff", iso(start + timedelta(days=10)), ("status",),
                                    {"from": "registered", "to": status, "role": role}))
            add(c, events)
            written += 1
            continue
        # A mentee and a mentor whose duo closed long ago, with its outcome.
        did = f"d{n:06d}"
        began, ended = start.date(), start.date() + timedelta(days=182)
        outcome_at = start + timedelta(days=365)
        mentee = person(f"p{n:06d}", "mentee", "finished", start + timedelta(days=182), [did])
        mentor = person(f"m{n:06d}", "mentor", "ready", start + timedelta(days=182), [did])
        duo = Duo(id=did, branch=b, mentee_id=mentee.id, mentor_id=mentor.id, mentee_name=mentee.name,
                  mentor_name=mentor.name, first_meeting_at=at, created_at=at, status=DuoStatus.CLOSED,
                  started_on=began.isoformat(), ended_on=ended.isoformat(), end_kind="completed",
                  goals=[{"id": "g1", "title": "Trouver un emploi", "status": "done", "target_date": None}],
                  evaluations={"mentee": {"submitted_at": at}, "mentor": {"submitted_at": at}},
                  outcome={"situation": "job", "recorded_at": iso(outcome_at), "by": "staff"},
                  updated_at=iso(outcome_at), phase_since=iso(outcome_at))
        if phase(duo).value != "done":
            raise SystemExit("the benchmark's closed duos should be done")
        items.append(duo_item(duo))
        items.extend(event_item(b, e) for e in (
            Event("duo.paired", "duo", did, "staff", at, (), {"to": "first_meeting"}),
            Event("duo.agreement_signed", "duo", did, "staff", at, (), {"to": "active", "started_on": str(began)}),
            Event("duo.closed", "duo", did, "staff", iso(start + timedelta(days=182)), (),
                  {"to": "closed", "kind": "completed", "ended_on": str(ended), "started_on": str(began)}),
            Event("duo.outcome_recorded", "duo", did, "staff", iso(outcome_at), (),
                  {"situation": "job", "started_on": str(began)})))
        for c in (mentee, mentor):
            add(c, [Event("candidate.signed_up", "candidate", c.id, "candidate", at, (),
                          {"to": "registered", "role": c.role.value, "heard_from": "website"})])
        written += 2
    by_model: dict[type, list[Any]] = {}
    for item in items:
        by_model.setdefault(type(item), []).append(item)
    with repos.scopes.tenant(b):
        for model, rows in by_model.items():
            with model.batch_write() as batch:
                for item in rows:
                    batch.save(item)
    return len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10000, help="expired people of the swept branch")
    args = parser.parse_args(argv)
    per_partition_queries()
    with bench_app() as (client, calls, keys):
        from chalicelib.services import clock, reports, retention
        from chalicelib.services import repos as repos_module
        from chalicelib.services.personal_data import erase_person, export_person
        from local.seed import demo_subject
        from local.tokens import mint

        pem = (keys / "private.pem").read_bytes()
        token = mint(pem, role="coordinator", branch=LIFE_BRANCH, subject=demo_subject("coordinator", LIFE_BRANCH))
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        repos = repos_module.get()
        import boto3

        from chalicelib.settings import get_settings

        boto3.client("ses").verify_email_identity(EmailAddress=get_settings().mail_from)  # the app's mails go out
        clock.set_now(NOW)
        try:
            with redirect_stdout(io.StringIO()):  # the app's EMF metrics lines
                people = [life(client, headers, n) for n in range(LIVES)]
            for label, action in (("export_one", lambda cid: export_person(repos, LIFE_BRANCH, cid)),
                                  ("erase_one", lambda cid: erase_person(repos, LIFE_BRANCH, cid, "bench"))):
                runs = []
                for cid in people:
                    calls.take()
                    began = time.perf_counter()
                    with redirect_stdout(io.StringIO()):
                        action(cid)
                    runs.append(((time.perf_counter() - began) * 1000, calls.take().get("dynamodb", [])))
                seen = runs[-1][1]
                print(f"privacy.{label} {len(seen)} [{ops(seen)}]")
                print(f"privacy.{label}.ms {statistics.median(r[0] for r in runs):.0f}")
                sys.stdout.flush()

            began = time.perf_counter()
            written = expired_branch(repos, args.people, random.Random(SEED))
            print(f"privacy.sweep.{args.people}.items_written {written} ({time.perf_counter() - began:.0f} s)")
            sys.stdout.flush()
            with redirect_stdout(io.StringIO()):
                reports.rebuild(repos, SWEEP_BRANCH)
            figures = repos.aggregates.months(SWEEP_BRANCH)
            calls.take()
            began = time.perf_counter()
            with redirect_stdout(io.StringIO()):
                erased = retention.sweep(repos, SWEEP_BRANCH, now=NOW)
            elapsed = time.perf_counter() - began
            seen = calls.take().get("dynamodb", [])
            expected = args.people
            print(f"privacy.sweep.{args.people} {len(seen)} [{ops(seen)}]")
            print(f"privacy.sweep.{args.people}.erased {erased[SWEEP_BRANCH]}")
            print(f"privacy.sweep.{args.people}.calls_per_person {len(seen) / max(1, erased[SWEEP_BRANCH]):.1f}")
            print(f"privacy.sweep.{args.people}.s {elapsed:.1f}")
            if erased[SWEEP_BRANCH] < expected:
                raise SystemExit(f"the sweep erased {erased[SWEEP_BRANCH]} of {expected} expired people")
            if repos.aggregates.months(SWEEP_BRANCH) != figures:
                raise SystemExit("the sweep changed the branch's figures")
        finally:
            clock.set_now(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
