"""The real local stack (``python -m local.run``) in a subprocess, with its own state dir and free ports.

Shared by the end-to-end tests (``tests/e2e``) and the browser tests (``tests/browser``): each
conftest defines its ``stack`` fixture with ``running_stack()``, which starts one stack per test
process (per xdist worker) however many directories ask for it, and stops it when the session ends.
``Stack.restart()`` stops it as Ctrl-C would and starts it again on the same state dir. Its output goes
to ``<state dir>/run-<n>.log``, shown when start fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
READY = "[duo] Ready in"
PORT_TAKEN = "is in use: stop what uses it"  # local.run's refusal when a port is taken
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bindable(port: int) -> bool:
    """Whether a server could listen on ``port`` now (checked as ``local.run`` does, without SO_REUSEADDR)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the settings the unit/integration tests put there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUO_", "AWS_", "POWERTOOLS_"))}
    return {**env, **extra}


@dataclass
class Stack:
    state_dir: Path
    moto_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _tokens: dict[tuple[str, str | None], str] = field(default_factory=dict, repr=False)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def log(self) -> Path:
        return self.state_dir / f"run-{self.starts}.log"

    def env(self) -> dict[str, str]:
        return clean_env(
            DUO_STATE_DIR=str(self.state_dir), DUO_MOTO_PORT=str(self.moto_port), DUO_PORT=str(self.api_port),
            DUO_DEMO_DATA="0",  # the tests make the people they need; tests/e2e/test_local_stack.py seeds it once
        )

    def start(self) -> float:
        """Start and wait for the ready line; return the seconds it took.

        A port taken between ``free_port()`` and the stack's own check (by any client socket of the
        machine) makes the stack refuse to start: then it is tried again on other ports, twice at most.
        """
        started = time.monotonic()
        for _ in range(3):
            self.starts += 1
            with self.log.open("wb") as out:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "local.run"], cwd=REPO, env=self.env(), stdout=out,
                    stderr=subprocess.STDOUT,
                )
            while time.monotonic() - started < START_TIMEOUT:
                if READY in self.log.read_text(errors="replace"):
                    return time.monotonic() - started
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
            self.stop()
            if PORT_TAKEN not in self.log.read_text(errors="replace"):
                break
            self.moto_port, self.api_port = free_port(), free_port()
        pytest.fail(f"the local stack did not start; its output:\n{self.log.read_text(errors='replace')[-4000:]}")

    def stop(self) -> None:
        """Ctrl-C, then wait for the snapshot to be written."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop, then start on the same state dir (and the same ports, unless one was taken meanwhile)."""
        self.stop()
        self._tokens.clear()  # the key survives a restart, but a test may want fresh ones
        # The ports came from the ephemeral range: while the stack was down, a client socket of this or
        # another test process may have got one as its own port (and holds it in TIME_WAIT for a minute),
        # which ``local.run``'s check that the port is free rightly refuses.
        if not (bindable(self.moto_port) and bindable(self.api_port)):
            self.moto_port, self.api_port = free_port(), free_port()
        self.start()

    def token(self, role: str, branch: str | None = None) -> str:
        """A token from the token CLI, as ``make -s token`` prints it."""
        args = [sys.executable, "-m", "local.token_cli", role, *([branch] if branch else [])]
        done = subprocess.run(args, cwd=REPO, env=self.env(), capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def cached_token(self, role: str, branch: str | None = None) -> str:
        """``token()``, minted once per role and branch (each CLI run is a Python start, ~0.3 s)."""
        key = (role, branch)
        if key not in self._tokens:
            self._tokens[key] = self.token(role, branch)
        return self._tokens[key]

    def headers(self, role: str, branch: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, branch)}"}

    def get(self, path: str, role: str, branch: str | None = None) -> requests.Response:
        return requests.get(f"{self.api}{path}", headers=self.headers(role, branch), timeout=10)

    def aws(self, service: str) -> Any:
        """A boto3 client talking straight to the stack's moto server."""
        from botocore.config import Config

        return boto3.client(
            service, endpoint_url=self.moto_url, region_name="eu-west-1", aws_access_key_id="testing",
            aws_secret_access_key="testing", config=Config(max_pool_connections=64, retries={"mode": "standard"}),
        )


_running: Stack | None = None


def running_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """The stack of this test process: started at the first call, stopped when the session ends."""
    global _running
    if _running is None:
        stack = Stack(tmp_path_factory.mktemp("duo-local"))
        stack.start()
        _running = stack

        def stop() -> None:
            global _running
            stack.stop()
            _running = None

        request.config.add_cleanup(stop)
    return _running
