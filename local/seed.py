"""The six branches of domain.md and one demo user per role and branch, written with batch writes."""

from __future__ import annotations

import os
import uuid
from typing import Any

from chalicelib.domain.branches import Branch
from chalicelib.domain.roles import GROUP_ROLES, Role
from chalicelib.domain.staff import StaffMember, StaffStatus
from chalicelib.services.clock import now_iso
from chalicelib.services.repos import Repos

BRANCHES = [
    # id, name, country, time zone, working languages, what differs from the country's defaults
    ("brussels", "Brussels", "BE", "Europe/Brussels", ["fr", "nl"],
     {"services": ["interview_workshop", "cv_review", "linkedin_workshop", "interview_simulation",
                   "intervision", "laptop_loan", "it_training", "speech_therapy", "listening_service"]}),
    ("liege", "Liège", "BE", "Europe/Brussels", ["fr"], {}),
    ("antwerp", "Antwerp", "BE", "Europe/Brussels", ["nl"], {}),
    ("ghent", "Ghent", "BE", "Europe/Brussels", ["nl"], {}),
    ("lille", "Lille", "FR", "Europe/Paris", ["fr"], {}),
    ("rotterdam", "Rotterdam", "NL", "Europe/Amsterdam", ["nl", "en"],
     {"targets": {"2022": {"duos": 50}}}),
]
DEMO_DOMAIN = "demo.duo.invalid"


def create_staff_pool(cognito: Any) -> str:
    """The staff directory as ``infra/`` defines it: a group per role and ``custom:branch``."""
    pool = cognito.create_user_pool(
        PoolName="duo-staff",
        Schema=[{"Name": "branch", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    for role in GROUP_ROLES:
        cognito.create_group(GroupName=role.value, UserPoolId=pool)
    return pool


def demo_subject(role: str, branch: str | None = None) -> str:
    """The stable id of a seeded demo user (what ``make token`` signs as)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"duo-demo:{role}:{branch or ''}"))


def seed(repos: Repos) -> None:
    now = now_iso()
    branches = [
        Branch(id=i, name=n, country=c, time_zone=tz, languages=langs, config=cfg, created_at=now, updated_at=now)
        for i, n, c, tz, langs, cfg in BRANCHES
    ]
    staff = [
        StaffMember(
            id=demo_subject(role.value, b.id), branch=b.id, email=f"{role.value}.{b.id}@{DEMO_DOMAIN}",
            name=f"Demo {role.value.replace('_', ' ')} {b.name}", role=role, status=StaffStatus.ACTIVE,
            created_at=now,
        )
        for b in branches
        for role in (Role.BRANCH_ADMIN, Role.COORDINATOR)
    ]
    repos.branches.add_many(branches, staff)
    register_staff(repos)
    if os.environ.get("DUO_DEMO_DATA") == "1":  # people and duos in every stage (local/demo.py)
        from local.demo import seed_demo

        seed_demo(repos, [b.id for b in branches])


def register_staff(repos: Repos) -> None:
    """Put every staff member of the table into the directory (moto's Cognito), without mail.

    Locally the pool lives only as long as moto's server, so this runs after seeding and after
    restoring a snapshot.
    """
    cursor = None
    while True:
        rows, cursor = repos.branches.list(100, cursor)
        for row in rows:
            for member in repos.staff.list(row["id"]):
                repos.directory.invite(member, send_mail=False)
        if cursor is None:
            return
