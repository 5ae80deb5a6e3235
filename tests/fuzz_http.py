"""``make fuzz [ARGS=...]``: the API fuzzing of ``tests/integration/test_fuzz_api.py`` over real HTTP.

Starts the local stack (``python -m local.run``, as ``make run`` does, through ``tests/stack.py``) on free
loopback ports with its own state dir and the demo data, mints a token per staff role with the stack's key
(``local.token_cli``, as ``make -s token`` does), runs the fuzz test against the stack's own
``/openapi.json`` (``DUO_FUZZ_URL``), then stops the stack; fails if the test fails or if the stack logged an
unhandled error (``request failed``). ``ARGS`` go to pytest;
``DUO_FUZZ_EXAMPLES`` (examples per operation and role, default 4) is passed on. Not part of ``make test``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.stack import REPO, Stack, clean_env

BRANCH = "brussels"
STAFF = [("coordinator", BRANCH), ("branch_admin", BRANCH), ("head_office", None)]
TEST = "tests/integration/test_fuzz_api.py"


class DemoStack(Stack):
    """The stack as ``make run`` starts it the first time: the six branches and their demo people and duos."""

    def env(self) -> dict[str, str]:
        return {**super().env(), "DUO_DEMO_DATA": "1"}


def main(args: list[str]) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="duo-fuzz-") as state:
        stack = DemoStack(Path(state))
        seconds = stack.start()
        print(f"[fuzz] local stack at {stack.api} (started in {seconds:.0f} s); its log: {stack.log}", flush=True)
        try:
            tokens = {f"{role}:{branch or ''}": stack.token(role, branch) for role, branch in STAFF}
            env = clean_env(
                DUO_FUZZ_URL=stack.api, DUO_FUZZ_MOTO_URL=stack.moto_url, DUO_FUZZ_TOKENS=json.dumps(tokens),
                **({"DUO_FUZZ_EXAMPLES": os.environ["DUO_FUZZ_EXAMPLES"]} if "DUO_FUZZ_EXAMPLES" in os.environ else {}),
            )
            command = [sys.executable, "-m", "pytest", TEST, "-p", "no:randomly", "-p", "no:cacheprovider",
                       "-q", "-s", *args]
            code = subprocess.run(command, cwd=REPO, env=env, check=False).returncode
            server_errors = stack.log.read_text(errors="replace").count("request failed")
        finally:
            stack.stop()
    print(f"[fuzz] pytest exit {code}; unhandled errors logged by the stack: {server_errors}; "
          f"{time.monotonic() - started:.0f} s in all", flush=True)
    return code or (1 if server_errors else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
