"""AWS calls per public signup (issue 4), counted with botocore event hooks, in process against moto.

Same setting as ``round_trips.py`` (``mock_aws``, ``chalice.test.Client``, the seed, one ``before-call``
hook per service on every botocore session the app makes); SES is counted too, since the
confirmation mail is part of a signup. Each public request is measured warm (the branch's
credentials and configuration already read once) unless its label says ``cold``.

Prints ``round_trips.<operation> <count> [<API operations>]`` for DynamoDB, and ``.ses`` / ``.sts`` lines
where those are called. Exits non-zero if a request does not answer as expected; judges nothing.
"""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stdout
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from benchmarks.round_trips import REGION, add_hooks, bench_app, measure_request, send

BRANCH = "antwerp"
HOOKED = ("dynamodb", "sts", "cognito-idp", "ses", "sesv2")


def birth_date(age: int) -> str:
    return (date.today() - timedelta(days=int(age * 365.25) + 120)).isoformat()


def mentee(session_id: str, email: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "role": "mentee", "session_id": session_id, "name": "Amina Bench", "email": email,
        "phone": "+32 470 12 34 56", "birth_date": birth_date(24), "postcode": "2000", "city": "Antwerpen",
        "languages": [{"code": "ar", "level": "native"}, {"code": "nl", "level": "conversational"}],
        "heard_from": "website", "consent": True, "language": "nl", "looking_for": ["job"],
        "sectors": ["logistics"], "education_level": "secondary", "work_permit": True, "migration_background": True,
    }
    return {**body, **overrides}


def form_fields(session_id: str, email: str) -> list[tuple[str, str]]:
    """The HTML form's fields (form-encoded) for the same mentee."""
    return [
        ("role", "mentee"), ("session_id", session_id), ("name", "Amina Form"), ("email", email),
        ("phone", "+32 470 12 34 56"), ("birth_date", birth_date(24)), ("postcode", "2000"), ("city", "Antwerpen"),
        ("language_1", "ar"), ("level_1", "native"), ("language_2", "nl"), ("level_2", "conversational"),
        ("heard_from", "website"), ("consent", "yes"), ("website", ""), ("form_token", "bench-form-token-0001"),
        ("lang", "nl"), ("looking_for", "job"), ("sectors", "logistics"), ("education_level", "secondary"),
        ("work_permit", "yes"), ("migration_background", "yes"),
    ]


def main() -> int:
    with bench_app() as (client, calls, keys):
        import boto3

        from chalicelib.settings import get_settings
        from local.seed import demo_subject
        from local.tokens import mint

        # the mail too (bench_app counts DynamoDB, STS and Cognito)
        add_hooks([(f"before-call.{service}", calls.hook(service)) for service in ("ses", "sesv2")])
        from email.utils import parseaddr

        boto3.client("ses", region_name=REGION).verify_email_identity(
            EmailAddress=parseaddr(get_settings().mail_from)[1]
        )
        pem = (keys / "private.pem").read_bytes()
        coordinator = {
            "Authorization": "Bearer " + mint(pem, role="coordinator", branch=BRANCH,
                                              subject=demo_subject("coordinator", BRANCH)),
            "Content-Type": "application/json",
        }
        public = {"Content-Type": "application/json"}

        def measure(label: str, method: str, path: str, status: int, headers: dict[str, str],
                    body: Any = None) -> Any:
            response, seen = measure_request(client, calls, label, method, path, status, headers, body)
            mail = [*seen.get("ses", []), *seen.get("sesv2", [])]
            if mail:
                print(f"round_trips.{label}.ses {len(mail)} [{', '.join(mail)}]")
            assumed = seen.get("sts", []).count("AssumeRole")
            if assumed:
                print(f"round_trips.{label}.sts_assume_role {assumed}")
            sys.stdout.flush()
            return response

        def new_session(capacity: int, days: int) -> str:
            answer = measure(f"create_info_session.{days}", "POST", f"/branches/{BRANCH}/info-sessions", 201,
                             coordinator, {"starts_at": f"{date.today() + timedelta(days=days)}T18:30",
                                           "duration_minutes": 90, "format": "in_person", "language": "nl",
                                           "address": "Bench 1, Antwerpen", "audience": "both",
                                           "capacity": capacity})
            return str(json.loads(answer.body)["id"])

        calls.take()
        with redirect_stdout(io.StringIO()):
            roomy, small = new_session(100, 30), new_session(1, 31)
        signups = f"/branches/{BRANCH}/signups"
        measure("public_sessions.first", "GET", f"/branches/{BRANCH}/public/sessions?role=mentee", 200, public)
        measure("public_sessions", "GET", f"/branches/{BRANCH}/public/sessions?role=mentee", 200, public)
        measure("public_signup.first", "POST", signups, 201, public, mentee(roomy, "first@bench.example"))
        measure("public_signup", "POST", signups, 201, public, mentee(roomy, "amina@bench.example"))
        keyed = {**public, "Idempotency-Key": "bench-key-000001"}
        measure("public_signup.with_key", "POST", signups, 201, keyed, mentee(roomy, "keyed@bench.example"))
        measure("public_signup.replay_same_key", "POST", signups, 201, keyed, mentee(roomy, "keyed@bench.example"))
        measure("public_signup.same_email_again", "POST", signups, 201, public,
                mentee(roomy, "amina@bench.example"))
        measure("public_signup.last_seat", "POST", signups, 201, public, mentee(small, "last@bench.example"))
        measure("public_signup.session_full", "POST", signups, 409, public, mentee(small, "late@bench.example"))
        measure("public_signup.not_eligible", "POST", signups, 400, public,
                mentee(roomy, "old@bench.example", birth_date=birth_date(60)))
        probe = send(client, "GET", f"/branches/{BRANCH}/signup?role=mentee&lang=nl", {})
        if probe.status_code == 200:  # the pages (issue 4's web part) are there
            measure("signup_page", "GET", f"/branches/{BRANCH}/signup?role=mentee&lang=nl", 200, {})
            measure("signup_form_post", "POST", f"/branches/{BRANCH}/signup", 200,
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    urlencode(form_fields(roomy, "form@bench.example")))
        else:
            print(f"round_trips.signup_page skipped (GET answered {probe.status_code})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
