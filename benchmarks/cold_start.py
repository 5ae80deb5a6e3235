"""Cold start: the real app against a minimal Chalice app on the same stack (issue 3).

Starts moto's server on a free loopback port, creates the table from the app's own definition,
seeds it, and then, ``--runs`` times and interleaved (the order rotates each round), spawns
fresh Python processes that

* APP: ``import app`` and hand three API Gateway REST proxy events to ``app.app``, the Lambda
  handler: a public read, an authenticated read (coordinator) and an authenticated write
  (branch admin);
* BASELINE: import ``benchmarks.baseline_app`` (chalice, boto3, pynamodb, Powertools' Logger,
  Metrics and Tracer, three routes with one PynamoDB get each) and hand it the same events;
* BASELINE_GC_PAUSED: the baseline given the app's own treatment of the garbage collector (paused
  during the import and the first request, what is alive then frozen): the like-for-like figure,
  since that treatment would speed up any app (and makes finalisation cheap: frozen objects are
  not collected at exit);
* BARE: ``python -c pass``, for reference.

Each process is timed from spawn to exit by this one, and reports its own import and handling
times. Both apps get the very same environment. Tracing: ``POWERTOOLS_TRACE_DISABLED`` is left
unset and no Lambda variables are set, so Powertools' Tracer disables itself for both (it does
so outside Lambda); in AWS both would pay X-Ray's patching alike.

Both run from bytecode, as in AWS: ``make package`` ships every module compiled, and here the untimed first
start of each writes it (``PYTHONDONTWRITEBYTECODE`` is not passed on). ``ratio_app_to_baseline`` is the
platform issue's figure (whole processes); ``in_process_ratio_app_to_baseline`` leaves out interpreter
start-up and finalisation, which a Lambda instance never reaches, and is the closer one to what Lambda bills.

Prints one labelled line per figure; asserts nothing about speed. Exits non-zero if a request
does not answer 200.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.round_trips import REGION, TABLE, app_environment

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "_child.py"
RESULT_PREFIX = "BENCH_RESULT "
BRANCH = "antwerp"
PATCH_BODY = {"config": {"retention": {"candidate_months": 18}}}
# The app, the baseline, and the baseline given the app's own treatment of the garbage collector (paused
# during the import and the first request, then frozen): the like-for-like comparison of the code's weight.
SUBJECTS = {"app": ["app"], "baseline": ["benchmarks.baseline_app"],
            "baseline_gc_paused": ["benchmarks.baseline_app", "--gc-paused"]}


def emit(label: str, value: float | int | str, digits: int = 1) -> None:
    text = f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    print(f"{label} {text}", flush=True)


# --- the local stack ---------------------------------------------------------------------


def child_environment(keys: Path, endpoint: str) -> dict[str, str]:
    """The environment of every child (and of this process): the same for app and baseline."""
    # Bytecode is written and used, as in the deployment package (``make package`` ships it, compiled).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "DUO_", "POWERTOOLS_", "_X_AMZN", "PYTHONDONTWRITEBYTECODE"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            **app_environment(keys),
            "AWS_ENDPOINT_URL": endpoint,
            "POWERTOOLS_SERVICE_NAME": "duo",
        }
    )
    return env


@contextmanager
def local_stack(workdir: Path) -> Iterator[dict[str, str]]:
    """moto on a free loopback port with the seeded table and the pool; yields the children's env."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = child_environment(workdir, f"http://{host}:{port}")
        os.environ.clear()
        os.environ.update(env)
        import boto3

        from chalicelib.settings import get_settings
        from local.seed import create_staff_pool

        pool = create_staff_pool(boto3.client("cognito-idp", region_name=REGION))
        os.environ["DUO_USER_POOL_ID"] = env["DUO_USER_POOL_ID"] = pool
        get_settings.cache_clear()  # importing local.seed read the settings before the pool existed

        from chalicelib.services.repos import Repos
        from chalicelib.store.table import create_table
        from local.seed import seed
        from local.tokens import generate_keys

        generate_keys(workdir)
        create_table(boto3.client("dynamodb", region_name=REGION), TABLE)
        seed(Repos())
        yield env
    finally:
        server.stop()


# --- events --------------------------------------------------------------------------------


def proxy_event(method: str, resource: str, path: str, params: dict[str, str],
                token: str | None = None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API Gateway REST API (v1) proxy event, as API Gateway hands it to the Lambda."""
    headers = {
        "Accept": "application/json",
        "Host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "duo-bench/1.0",
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    now = time.time()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": "bench=",
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/api{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "api",
            "domainPrefix": "abcdef1234",
            "requestTimeEpoch": int(now * 1000),
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "duo-bench/1.0"},
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "apiId": "abcdef1234",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def bench_events(keys: Path) -> list[dict[str, Any]]:
    from local.seed import demo_subject
    from local.tokens import mint

    pem = (keys / "private.pem").read_bytes()

    def token(role: str) -> str:
        return mint(pem, role=role, branch=BRANCH, subject=demo_subject(role, BRANCH))

    params = {"branch": BRANCH}
    return [
        proxy_event("GET", "/branches/{branch}/public", f"/branches/{BRANCH}/public", params),
        proxy_event("GET", "/branches/{branch}", f"/branches/{BRANCH}", params, token("coordinator")),
        proxy_event("PATCH", "/branches/{branch}", f"/branches/{BRANCH}", params, token("branch_admin"),
                    PATCH_BODY),
    ]


# --- runs ----------------------------------------------------------------------------------


@dataclass
class Series:
    total_ms: list[float] = field(default_factory=list)
    import_ms: list[float] = field(default_factory=list)
    pure_import_ms: list[float] = field(default_factory=list)
    handle_ms: list[float] = field(default_factory=list)
    per_event_ms: list[list[float]] = field(default_factory=list)


def spawn(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - began) * 1000
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"cold start of {args[-2:]} failed with exit code {done.returncode}")
    return elapsed, done.stdout


def cold_start(subject: str, env: dict[str, str], events_path: Path, series: Series) -> None:
    module, *flags = SUBJECTS[subject]
    elapsed, out = spawn([sys.executable, str(CHILD), module, str(events_path), *flags], env)
    line = next(x for x in reversed(out.splitlines()) if x.startswith(RESULT_PREFIX))
    result = json.loads(line.removeprefix(RESULT_PREFIX))
    series.total_ms.append(elapsed)
    series.import_ms.append(result["import_ms"])
    series.pure_import_ms.append(result["pure_import_ms"])
    series.handle_ms.append(result["handle_ms"])
    series.per_event_ms.append(result["per_event_ms"])


IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def import_profile(env: dict[str, str], repeats: int = 3) -> tuple[dict[str, float], dict[str, float]]:
    """Median over ``repeats`` runs of ``python -X importtime -c 'import app'``.

    Returns (cumulative ms per imported module, self ms summed per top-level package).
    """
    cumulative: dict[str, list[float]] = defaultdict(list)
    by_package: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=True)
        package_self: dict[str, float] = defaultdict(float)
        for line in done.stderr.splitlines():
            match = IMPORTTIME_LINE.match(line)
            if match is None:
                continue
            self_us, cumulative_us, _, name = match.groups()
            cumulative[name].append(int(cumulative_us) / 1000)
            package_self[name.split(".")[0]] += int(self_us) / 1000
        for name, ms in package_self.items():
            by_package[name].append(ms)
    return (
        {k: statistics.median(v) for k, v in cumulative.items()},
        {k: statistics.median(v) for k, v in by_package.items()},
    )


def in_process(series: Series) -> list[float]:
    """Import plus the three events, per run: the part of a cold start that Lambda bills.

    The rest of the process's wall time is interpreter start-up and, mostly, finalisation (the
    last garbage collection of every module's objects), which a Lambda instance never reaches.
    """
    return [i + h for i, h in zip(series.import_ms, series.handle_ms, strict=True)]


def report(name: str, series: Series) -> None:
    emit(f"cold_start.{name}.median_ms", statistics.median(series.total_ms))
    emit(f"cold_start.{name}.import_median_ms", statistics.median(series.import_ms))
    emit(f"cold_start.{name}.handle_3_events_median_ms", statistics.median(series.handle_ms))
    emit(f"cold_start.{name}.import_and_handle_median_ms", statistics.median(in_process(series)))
    for i, label in enumerate(("public_read", "authenticated_read", "authenticated_write")):
        emit(f"cold_start.{name}.first_{label}_median_ms", statistics.median(r[i] for r in series.per_event_ms))
    emit(f"cold_start.{name}.runs_ms", "[" + ", ".join(f"{x:.0f}" for x in series.total_ms) + "]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold start of the app against a minimal Chalice app.")
    parser.add_argument("--runs", type=int, default=10, help="cold starts of each kind (default 10)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="duo-bench-") as tmp, local_stack(Path(tmp)) as env:
        events_path = Path(tmp) / "events.json"
        events_path.write_text(json.dumps(bench_events(Path(tmp))))
        # One untimed start of each warms the page cache and writes any missing .pyc files.
        for subject in SUBJECTS:
            cold_start(subject, env, events_path, Series())
        spawn([sys.executable, "-c", "pass"], env)

        series = {subject: Series() for subject in SUBJECTS}
        bare = Series()
        for run in range(args.runs):
            order = list(SUBJECTS)[run % len(SUBJECTS):] + list(SUBJECTS)[:run % len(SUBJECTS)]  # rotated
            for subject in order:
                cold_start(subject, env, events_path, series[subject])
            bare.total_ms.append(spawn([sys.executable, "-c", "pass"], env)[0])
        app, baseline, like_for_like = series["app"], series["baseline"], series["baseline_gc_paused"]

        emit("cold_start.runs", args.runs)
        emit("cold_start.python_bare.median_ms", statistics.median(bare.total_ms))
        report("app", app)
        report("baseline", baseline)
        emit("cold_start.baseline.imports_without_setup_median_ms", statistics.median(baseline.pure_import_ms))
        emit("cold_start.ratio_app_to_baseline",
             statistics.median(app.total_ms) / statistics.median(baseline.total_ms), 2)
        emit("cold_start.in_process_ratio_app_to_baseline",
             statistics.median(in_process(app)) / statistics.median(in_process(baseline)), 2)
        emit("cold_start.import_ratio_app_to_baseline",
             statistics.median(app.import_ms) / statistics.median(baseline.import_ms), 2)
        report("baseline_gc_paused", like_for_like)
        emit("cold_start.ratio_app_to_baseline_gc_paused",
             statistics.median(app.total_ms) / statistics.median(like_for_like.total_ms), 2)
        emit("cold_start.in_process_ratio_app_to_baseline_gc_paused",
             statistics.median(in_process(app)) / statistics.median(in_process(like_for_like)), 2)

        cumulative, by_package = import_profile(env)
        cumulative.pop("app", None)
        for name, ms in sorted(cumulative.items(), key=lambda kv: -kv[1])[:10]:
            emit(f"cold_start.importtime.cumulative_ms.{name}", ms)
        for name, ms in sorted(by_package.items(), key=lambda kv: -kv[1])[:10]:
            emit(f"cold_start.importtime.package_self_ms.{name}", ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
