"""``make run``: the whole stack on loopback, in the foreground; Ctrl-C stops it and saves the data.

1. moto's server on 127.0.0.1:$DUO_MOTO_PORT (5000), in a thread of this process, one request at
   a time (see ``moto_server.py``); the staff pool (Cognito) and the table (``create_table``, the
   definition ``infra/`` deploys) in it, and the mail sender ($DUO_MAIL_FROM) verified in its SES.
   Every mail its SES accepts is also written to ``.local/outbox.jsonl`` (``make outbox`` reads it).
2. The data: the items of ``.local/snapshot.json`` if there is one, else the seed (six branches,
   demo staff). Either way the staff are registered in the (new) pool.
3. ``chalice local`` on 127.0.0.1:$DUO_PORT (8000), a subprocess with the same environment.
4. What AWS would trigger and ``chalice local`` does not: the table's stream fed to the app's
   stream handlers, and the scheduled jobs on their schedules, both in this process.

The stream is read from the position reached *after* seeding or restoring, and ``reconcile_counts``
(the nightly recount) runs once at start: restored items are not counted twice, the seed needs no
counts of its own, and stream records that a previous run wrote but never fed are made good.

On stop (Ctrl-C, SIGTERM, or the end of chalice local) the table is scanned into the snapshot; it
is also written every 30 s while data changes, so a killed terminal loses little. ``make reset``
deletes the snapshot: the next start seeds afresh.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from types import FrameType, ModuleType
from typing import IO, Any

from local import outbox
from local.state import DEFAULT_STATE_DIR, PROJECT, snapshot_file, state_dir

HOST = "127.0.0.1"
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's account
TABLE = "duo"
DEFAULT_MAIL_FROM = "DUO for a JOB <no-reply@duo.example>"  # as chalicelib/settings.py; .example never delivers
STARTUP_JOBS = ("reconcile_counts",)
SNAPSHOT_EVERY_SECONDS = 30.0
READY_TIMEOUT_SECONDS = 90.0

log = logging.getLogger("duo.local")


class StartupError(Exception):
    """The stack cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class Options:
    state_dir: Path
    moto_port: int
    api_port: int
    mail_from: str = DEFAULT_MAIL_FROM

    @classmethod
    def from_env(cls) -> Options:
        return cls(
            state_dir(), int(os.environ.get("DUO_MOTO_PORT", "5000")), int(os.environ.get("DUO_PORT", "8000")),
            os.environ.get("DUO_MAIL_FROM") or DEFAULT_MAIL_FROM,
        )

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[duo] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _check_port_free(port: int, variable: str) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            message = f"{HOST}:{port} is in use: stop what uses it, or choose another port with {variable}."
            raise StartupError(message) from None


def _environment(opts: Options, moto_url: str, jwks: Path) -> dict[str, str]:
    """The settings of ``chalicelib/settings.py`` for the laptop, and fake AWS credentials."""
    return {
        "AWS_ENDPOINT_URL": moto_url,  # every boto3/botocore client, PynamoDB's included, talks to moto
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "DUO_TABLE": TABLE,
        "DUO_TENANT_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/duo-tenant",
        "DUO_JWKS_URL": jwks.as_uri(),
        "DUO_DEV_SIGNIN_KEY": str(jwks.parent / "private.pem"),  # the console's local sign-in signs with it
        "DUO_TOKEN_ISSUER": "duo-local",
        "DUO_TOKEN_AUDIENCE": "duo-console",
        "DUO_STATE_DIR": str(opts.state_dir),
        "DUO_MAIL_FROM": opts.mail_from,
        "DUO_PUBLIC_URL": opts.api_url,  # the links in the mails lead to this stack
        "DUO_CLOCK_FILE": str(opts.state_dir / "clock.json"),  # `python -m local.clock +1d` moves time
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONUNBUFFERED": "1",
    }


def _apply(env: dict[str, str]) -> None:
    # A developer's own AWS profile or per-service endpoints must not lead anything away from moto.
    for name in list(os.environ):
        if name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE") or name.startswith("AWS_ENDPOINT_URL_"):
            del os.environ[name]
    os.environ.update(env)


def _relay(stream: IO[bytes] | None) -> None:
    """Copy chalice local's output to ours, line by line."""
    if stream is None:
        return
    for line in stream:
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()


def _lambda_context(name: str) -> Any:
    from chalice.local import LambdaContext

    return LambdaContext(function_name=f"duo-local-{name}", memory_size=512, max_runtime_ms=900_000)


class Stack:
    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.moto: Any = None
        self.chalice: subprocess.Popen[bytes] | None = None
        self.feeders: list[Any] = []
        self.scheduler: Any = None
        self._dynamodb: Any = None
        self._invoke_lock = threading.Lock()  # one handler at a time, as Powertools' state is global
        self._positions: dict[int, int] = {}  # feeder -> last sequence number it read
        self._data_loaded = False  # only then may stop() overwrite the snapshot
        self._saved_changes = 0

    # --- start -------------------------------------------------------------------------------
    def start(self) -> None:
        started = time.perf_counter()
        from local.moto_server import MotoServer
        from local.tokens import generate_keys

        jwks = generate_keys(self.opts.state_dir)
        _check_port_free(self.opts.moto_port, "DUO_MOTO_PORT")
        _check_port_free(self.opts.api_port, "DUO_PORT")
        outbox.record_to(outbox.outbox_file(self.opts.state_dir))
        self.moto = MotoServer(HOST, self.opts.moto_port)
        self.moto.start()
        _apply(_environment(self.opts, self.moto.url, jwks))

        import boto3

        self._dynamodb = boto3.client("dynamodb", region_name=REGION)
        self._verify_sender(boto3.client("ses", region_name=REGION))
        from local.seed import create_staff_pool

        os.environ["DUO_USER_POOL_ID"] = create_staff_pool(boto3.client("cognito-idp", region_name=REGION))
        from chalicelib.store.table import create_table

        create_table(self._dynamodb, TABLE)
        stream_arn = self._dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        os.environ["DUO_TABLE_STREAM_ARN"] = stream_arn

        self._start_chalice()  # it imports the app while we load the data
        app_module = self._import_app()
        data = self._load_data()
        self._start_stream(app_module, stream_arn)
        self._start_jobs(app_module)
        self._wait_until_serving()
        self._banner(data, time.perf_counter() - started)

    def _verify_sender(self, ses: Any) -> None:
        """SES sends only from verified identities; moto's SES verifies at once (no mail to confirm)."""
        address = parseaddr(self.opts.mail_from)[1]
        if "@" not in address:
            raise StartupError(f"DUO_MAIL_FROM={self.opts.mail_from!r} holds no mail address.")
        ses.verify_email_identity(EmailAddress=address)

    def _import_app(self) -> ModuleType:
        from chalicelib.settings import get_settings

        get_settings.cache_clear()  # settings were read before the pool and the stream existed
        if str(PROJECT) not in sys.path:
            sys.path.insert(0, str(PROJECT))
        return importlib.import_module("app")

    def _load_data(self) -> str:
        from botocore.exceptions import ClientError

        from chalicelib.services import repos
        from local import snapshot
        from local.seed import register_staff, seed

        path = snapshot_file(self.opts.state_dir)
        if path.exists():
            try:
                count = snapshot.load(self._dynamodb, TABLE, path)
            except (ValueError, KeyError, ClientError) as error:
                raise StartupError(f"{path} cannot be loaded ({error}); `make reset` deletes it.") from None
            register_staff(repos.get())
            self._data_loaded = True
            return f"restored {count} items from {path}"
        started = time.monotonic()
        if os.environ.setdefault("DUO_DEMO_DATA", "1") == "1":
            print("Writing the demo data (first start only; the snapshot keeps it)...", flush=True)
        seed(repos.get())
        from chalicelib.services import reports

        reports.rebuild(repos.get())  # the seed wrote its events before the stream is read: count them once
        self._data_loaded = True
        return f"seeded the demo data in {time.monotonic() - started:.0f} s"

    def _start_stream(self, app_module: ModuleType, stream_arn: str) -> None:
        import boto3
        from chalice.app import DynamoDBEventConfig

        from local.stream_feeder import StreamFeeder

        streams = boto3.client("dynamodbstreams", region_name=REGION)
        for source in app_module.app.event_sources:
            if not isinstance(source, DynamoDBEventConfig):
                continue
            name = source.handler_string.rsplit(".", 1)[-1]
            feeder = StreamFeeder(
                streams, stream_arn, getattr(app_module, name), lambda n=name: _lambda_context(n),
                region=REGION, batch_size=source.batch_size, invoke_lock=self._invoke_lock,
                on_consumed=functools.partial(self._consumed, len(self.feeders)),
            )
            feeder.start_at_latest()
            self.feeders.append(feeder)

    def _consumed(self, feeder: int, sequence_number: int) -> None:
        """Once every feeder has read past a record, moto may forget it (DynamoDB does after 24 h)."""
        self._positions[feeder] = sequence_number
        if len(self._positions) == len(self.feeders):
            self.moto.forget_stream_records(TABLE, min(self._positions.values()), account=ACCOUNT, region=REGION)

    def _start_jobs(self, app_module: ModuleType) -> None:
        from chalice.app import ScheduledEventConfig

        from local.scheduler import Job, Scheduler, parse

        jobs = []
        for source in app_module.app.event_sources:
            if not isinstance(source, ScheduledEventConfig):
                continue
            expression = source.schedule_expression
            text = expression if isinstance(expression, str) else expression.to_string()
            name = source.handler_string.rsplit(".", 1)[-1]
            try:
                jobs.append(Job(name, parse(text), getattr(app_module, name)))
            except ValueError as error:
                log.warning("job %s is not run locally: %s", name, error)
        self.scheduler = Scheduler(
            jobs, lambda: _lambda_context("jobs"), region=REGION, account=ACCOUNT, invoke_lock=self._invoke_lock
        )
        for job in jobs:
            if job.name in STARTUP_JOBS:
                self.scheduler.run_now(job)
        self.scheduler.start()

    def _start_chalice(self) -> None:
        chalice = Path(sys.executable).with_name("chalice")
        command = [str(chalice), "local", "--host", HOST, "--port", str(self.opts.api_port), "--stage", "local",
                   "--no-autoreload"]
        # Its own session: Ctrl-C reaches only us, and we stop it after the last request is served.
        # Its output comes through a pipe: the chalice CLI imports `inquirer`, whose terminal library
        # queries a terminal it finds on stdout and waits for answers (10 s where none come).
        self.chalice = subprocess.Popen(
            command, cwd=PROJECT, env=os.environ.copy(), start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        threading.Thread(target=_relay, args=(self.chalice.stdout,), name="chalice-output", daemon=True).start()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.chalice is not None
            if self.chalice.poll() is not None:
                raise StartupError(f"chalice local exited with status {self.chalice.returncode} (see above).")
            try:
                with urllib.request.urlopen(f"{self.opts.api_url}/openapi.json", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise StartupError(f"chalice local did not answer within {READY_TIMEOUT_SECONDS:.0f} s.")

    def _banner(self, data: str, seconds: float) -> None:
        from chalicelib.services import repos

        rows, _ = repos.get().branches.list(100, None)
        api = self.opts.api_url
        prefix = "" if self.opts.state_dir == DEFAULT_STATE_DIR else f"DUO_STATE_DIR={self.opts.state_dir} "
        token = f"{prefix}make -s token"
        lines = [
            f"Ready in {seconds:.1f} s ({data}).",
            f"  API        {api}",
            f"  OpenAPI    {api}/openapi.json",
            f"  DynamoDB   {self.moto.url} (moto, table '{TABLE}', region {REGION})",
            f"  Branches   {', '.join(r['id'] for r in rows)}",
            f"  Token      {token} ROLE=coordinator BRANCH=antwerp   (ROLE: coordinator, branch_admin,",
            "             head_office; head_office takes no BRANCH)",
            f'  Try        curl -H "Authorization: Bearer $({token} ROLE=head_office)" {api}/branches',
            f"  Mail       {prefix}make -s outbox   (what SES sent, newest last; TO=address, N=50)",
            f"             from {self.opts.mail_from}, links to {api}",
            f"  Data       saved to {snapshot_file(self.opts.state_dir)} on stop and every "
            f"{SNAPSHOT_EVERY_SECONDS:.0f} s while it changes; `make reset` re-seeds",
            "  Stop       Ctrl-C",
        ]
        print("\n".join(f"[duo] {line}" for line in lines), flush=True)

    # --- run and stop ------------------------------------------------------------------------
    def _changes(self) -> int:
        return sum(f.delivered + f.dropped for f in self.feeders)

    def save(self) -> None:
        from local import snapshot

        changes = self._changes()
        count = snapshot.dump(self._dynamodb, TABLE, snapshot_file(self.opts.state_dir))
        self._saved_changes = changes
        log.info("saved %d items to %s", count, snapshot_file(self.opts.state_dir))

    def serve(self) -> None:
        """Until chalice local ends (or a signal arrives): save the data now and then."""
        assert self.chalice is not None
        last = time.monotonic()
        while self.chalice.poll() is None:
            time.sleep(0.5)
            if time.monotonic() - last >= SNAPSHOT_EVERY_SECONDS:
                last = time.monotonic()
                if self._changes() != self._saved_changes:
                    self.save()
        log.warning("chalice local exited with status %s", self.chalice.returncode)

    def stop(self) -> None:
        """Stop serving, feed what the stream still holds, save the data, stop moto. Each step runs."""
        with _signals_ignored():
            if self.chalice is not None and self.chalice.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.chalice.pid, signal.SIGTERM)
                try:
                    self.chalice.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.chalice.pid, signal.SIGKILL)
                    self.chalice.wait()
            for step in (self.scheduler.stop if self.scheduler else None, *(f.stop for f in self.feeders)):
                if step is not None:
                    try:
                        step()
                    except Exception as error:
                        log.error("stopping: %s", type(error).__name__)
            if self._data_loaded:
                try:
                    self.save()
                except Exception as error:
                    log.error("the data could not be saved (%s); the previous snapshot is kept", error)
            if self.moto is not None:
                self.moto.stop()
            log.info("stopped")


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """A second Ctrl-C must not cut the snapshot short (every step of stop() has a time limit)."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    _setup_logging()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: a shell may have ignored it
        signal.signal(signum, _interrupt)
    stack = Stack(Options.from_env())
    try:
        stack.start()
        stack.serve()
        return 1  # chalice local ended by itself
    except KeyboardInterrupt:
        print(flush=True)
        log.info("stopping")
    except StartupError as error:
        log.error("%s", error)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is saved and stopped; tearing down moto's in-memory tables object by object
    # would only add seconds (about 3 s at 2,000 items) before the prompt comes back.
    os._exit(status)
