"""``make lint-infra``: cfn-lint and checkov on the packaged template (run ``make package`` first).

checkov lives in its own virtualenv (``.venv-checkov``, created here when missing) because its
dependency pins conflict with the app's. Findings are either fixed or skipped in
``infra/template.json`` with a reason (``Metadata.checkov.skip``); any other finding fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "build" / "template.json"
CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = ROOT / ".venv-checkov"


def ensure_checkov() -> Path:
    """The checkov executable, installed at the pinned version into its own virtualenv."""
    exe = CHECKOV_VENV / "bin" / "checkov"
    stamp = CHECKOV_VENV / f".installed-checkov-{CHECKOV_VERSION}"
    if exe.exists() and stamp.exists():
        return exe
    print(f"installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV.name} (once)", flush=True)
    pip = CHECKOV_VENV / "bin" / "pip"
    steps = [
        [sys.executable, "-m", "venv", str(CHECKOV_VENV)],
        [str(pip), "install", "--quiet", "--upgrade", "pip"],
        [str(pip), "install", "--quiet", f"checkov=={CHECKOV_VERSION}"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode:
            print(done.stdout + done.stderr, file=sys.stderr)
            raise SystemExit(f"could not install checkov: {' '.join(step)}")
    stamp.touch()
    return exe


def run(name: str, cmd: list[str]) -> bool:
    print(f"== {name}", flush=True)
    ok = subprocess.run(cmd, cwd=ROOT, check=False).returncode == 0  # noqa: S603
    print(f"== {name}: {'clean' if ok else 'FINDINGS'}", flush=True)
    return ok


def main() -> int:
    if not TEMPLATE.exists():
        print(f"{TEMPLATE.relative_to(ROOT)} is missing: run `make package` first", file=sys.stderr)
        return 2
    template = str(TEMPLATE.relative_to(ROOT))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    checkov = ensure_checkov()
    results = [
        run("cfn-lint", [str(cfn_lint), template]),
        run("checkov", [str(checkov), "--file", template, "--framework", "cloudformation", "--compact",
                        "--skip-download", "--quiet"]),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
