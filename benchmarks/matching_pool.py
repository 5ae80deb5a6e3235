"""DynamoDB calls and time of matching through the API (issue 6), for a branch's ready pool of 200 mentees
and 200 mentors (a large branch), then 1,000 and 1,000 (stress): one person's ranked partners, and the
pool's proposal end to end (the pool's queries, scoring, LAPJV, explanations, the kept proposal, the
response). The people are written with batch writes through the store's mapper, as ``console_reads.py``
does, with the intake data matching reads (languages, weekly times, sectors, needs and offers, interests,
digital skills, postcode). Same setting as ``round_trips.py`` (``mock_aws``, ``chalice.test.Client``): the
times include moto's in-process DynamoDB, not a network.

Prints ``matching_pool.<size>.<read> <calls> [<API operations>]`` and ``matching_pool.<size>.<read>.ms``.
"""

from __future__ import annotations

import io
import json
import random
import statistics
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from datetime import timedelta
from typing import Any

from benchmarks.round_trips import bench_app

BRANCH = "rotterdam"
SEED = 20261124
SIZES = (200, 1000)
LANGUAGES = ("nl", "en", "ar", "tr", "fr", "ber", "so", "ti")
SECTORS = ("logistics", "care", "it", "hospitality", "retail", "construction", "administration", "finance")
HELP = ("cv", "interview_practice", "network", "language", "digital_skills", "job_search", "orientation", "confidence")
INTERESTS = ("sport", "music", "cooking", "reading", "travel", "technology", "art", "nature")
SLOTS = tuple(f"{day}_{part}" for day in ("mon", "tue", "wed", "thu", "fri", "sat")
              for part in ("morning", "afternoon", "evening"))


def people(rng: random.Random, n: int, role: str, start: int, now: Any) -> list[Any]:
    from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus, SpokenLanguage

    rows = []
    for i in range(start, start + n):
        cid = f"{role}{i:06d}"
        langs = {"nl": rng.choice(("conversational", "fluent", "native"))}
        for code in rng.sample(LANGUAGES[1:], rng.randint(0, 2)):
            langs[code] = rng.choice(("basic", "conversational", "fluent", "native"))
        slots = sorted(rng.sample(SLOTS, rng.randint(2, 6)))
        sectors = sorted(rng.sample(SECTORS, rng.randint(1, 2)))
        needs = sorted(rng.sample(HELP, rng.randint(1, 3))) if role == "mentee" else []
        intake = {"decision": "ready", "availability": slots, "sectors": sectors, "help_needs": needs,
                  "help_offers": sorted(rng.sample(HELP, rng.randint(1, 4))) if role == "mentor" else [],
                  "interests": sorted(rng.sample(INTERESTS, rng.randint(0, 3))),
                  "digital_skills": rng.choice(("basic", "everyday", "advanced", "")),
                  "languages": [{"code": c, "level": lv} for c, lv in langs.items()]}
        since = (now - timedelta(days=rng.randint(0, 90))).isoformat().replace("+00:00", "Z")
        rows.append(Candidate(
            id=cid, branch=BRANCH, role=CandidateRole(role), status=CandidateStatus.READY, name=f"Person {cid}",
            email=f"{cid}@bench.example", phone="+31612345678", birth_date="1990-01-01",
            postcode=f"30{rng.randint(10, 99)} AB", city="Rotterdam",
            languages=[SpokenLanguage(c, lv) for c, lv in langs.items()], heard_from="website", language="nl",
            consent_version="1", consent_language="nl", consent_at=since, session_id="s1", created_at=since,
            updated_at=since, status_since=since, intake=intake, availability=slots, sectors=sectors,
            help_needs=needs,
        ))
    return rows


def write(repos: Any, rows: list[Any]) -> None:
    from chalicelib.store.candidates import candidate_item
    from chalicelib.store.models import CandidateItem

    with repos.scopes.tenant(BRANCH), CandidateItem.batch_write() as batch:
        for c in rows:
            batch.save(candidate_item(c, []))


def main() -> int:
    with bench_app() as (client, calls, keys):
        from chalicelib.services import clock
        from chalicelib.services import repos as repos_module
        from local.seed import demo_subject
        from local.tokens import mint

        pem = (keys / "private.pem").read_bytes()
        token = mint(pem, role="coordinator", branch=BRANCH, subject=demo_subject("coordinator", BRANCH))
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def request(method: str, path: str, status: int, body: dict | None = None) -> tuple[Any, list[str], float]:
            calls.take()
            began = time.perf_counter()
            with redirect_stdout(io.StringIO()):  # the app's EMF metrics lines
                answer = client.http.request(method, path, headers=headers,
                                             body=json.dumps(body) if body is not None else None)
            elapsed = (time.perf_counter() - began) * 1000
            if answer.status_code != status:
                raise SystemExit(f"{method} {path} answered {answer.status_code}: {answer.body[:300]!r}")
            return answer, calls.take().get("dynamodb", []), elapsed

        def show(label: str, seen: list[str], times: list[float]) -> None:
            ops = ", ".join(f"{k} x{v}" for k, v in Counter(seen).items())
            print(f"matching_pool.{label} {len(seen)} [{ops}]")
            print(f"matching_pool.{label}.ms {statistics.median(times):.0f}")
            sys.stdout.flush()

        rng = random.Random(SEED)
        now, written = clock.now(), 0
        request("GET", f"/branches/{BRANCH}/tasks", 200)  # warm: the branch's credentials
        for size in SIZES:
            more = size - written
            write(repos_module.get(), people(rng, more, "mentee", written, now)
                  + people(rng, more, "mentor", written, now))
            written = size
            mentee = f"mentee{0:06d}"
            for label, method, path, status, body in (
                ("ranking", "GET", f"/branches/{BRANCH}/matching/candidates/{mentee}", 200, None),
                ("proposal", "POST", f"/branches/{BRANCH}/matching/proposals", 201, {"mode": "score"}),
            ):
                runs = [request(method, path, status, body) for _ in range(3)]
                show(f"{size}x{size}.{label}", runs[-1][1], [r[2] for r in runs])
            pairs = len(json.loads(runs[-1][0].body)["pairs"])
            print(f"matching_pool.{size}x{size}.proposal.pairs {pairs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
