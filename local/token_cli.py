"""``make -s token ROLE=... [BRANCH=...]``: print a bearer token for a seeded demo user, and nothing else.

The token is signed with the key that ``make run`` generated, for the demo user of that role and
branch, and is valid for eight hours. Any well-formed branch id is accepted (a branch onboarded
locally counts too); the API answers 403 or 404 where the branch does not fit.
Errors go to stderr with exit status 2.
"""

from __future__ import annotations

import sys

from chalicelib.domain.branches import is_branch_id
from local.seed import demo_subject
from local.state import private_key
from local.tokens import mint

ROLES = ("coordinator", "branch_admin", "head_office")
LIFETIME_SECONDS = 8 * 3600
USAGE = "usage: make -s token ROLE=coordinator|branch_admin|head_office [BRANCH=<branch id>, not for head_office]"


def _refuse(message: str) -> int:
    print(f"{message}\n{USAGE}", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        return _refuse("Give a ROLE, and a BRANCH unless the role is head_office.")
    role, branch = argv[0], (argv[1] if len(argv) == 2 else None)
    if role not in ROLES:
        return _refuse(f"Unknown ROLE '{role}'.")
    if role == "head_office" and branch:
        return _refuse("head_office acts for every branch: give no BRANCH.")
    if role != "head_office" and not branch:
        return _refuse(f"{role} needs a BRANCH, e.g. BRANCH=antwerp.")
    if branch and not is_branch_id(branch):
        return _refuse(f"'{branch}' is not a branch id (a lowercase slug such as antwerp).")
    key = private_key()
    if not key.exists():
        return _refuse(f"No signing key at {key}: start `make run` once first, it creates the key.")
    subject = demo_subject(role, branch)
    print(mint(key.read_bytes(), role=role, branch=branch, subject=subject, lifetime=LIFETIME_SECONDS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
