"""PynamoDB models of the one table. Private to ``chalicelib.store``.

The model is the single source of the table's keys and indexes: ``table.py`` derives the
CloudFormation definition and the local/test ``CreateTable`` call from it.
Connections are never cached on the class: ``_get_connection`` returns the connection of
the tenant or platform scope that the calling repository entered (see ``scopes.py``).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.settings import get_settings
from chalicelib.store import scopes


class ListIndex(GlobalSecondaryIndex):
    """Lists by branch, kind and status: ``gsi1pk = T#{branch}#{KIND}[#status]``."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class TimelineIndex(GlobalSecondaryIndex):
    """A second access path by branch and date (sessions by start, events by time)."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class TableItem(Model):
    class Meta:
        table_name = get_settings().table_name
        region = get_settings().region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    lists = ListIndex()
    timeline = TimelineIndex()

    @classmethod
    def _get_connection(cls) -> TableConnection:
        return scopes.current_connection()


class BranchItem(TableItem):
    name = UnicodeAttribute()
    country = UnicodeAttribute()
    time_zone = UnicodeAttribute()
    languages = ListAttribute(of=UnicodeAttribute)
    config = JSONAttribute(default=dict)
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class RegistryItem(TableItem):
    """The head office's list entry for a branch: no configuration, no people."""

    branch = UnicodeAttribute()
    name = UnicodeAttribute()
    country = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # Maintained by the table's stream handler (see services/stream.py).
    staff_count = NumberAttribute(default=0)


class StaffItem(TableItem):
    staff_id = UnicodeAttribute()
    branch = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()


class GuardItem(TableItem):
    """Holds a uniqueness claim (e.g. a staff email within a branch)."""

    owner = UnicodeAttribute()


class SessionItem(TableItem):
    session_id = UnicodeAttribute()
    starts_at = UnicodeAttribute()  # UTC ISO 8601, also the list's sort key
    duration_minutes = NumberAttribute()
    format = UnicodeAttribute()
    address = UnicodeAttribute(default="")
    link = UnicodeAttribute(default="")
    language = UnicodeAttribute()
    audience = UnicodeAttribute()
    capacity = NumberAttribute()
    seats_taken = NumberAttribute(default=0)
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class RegistrationItem(TableItem):
    """A candidate's seat, in the session's partition: what the session's list and mails need."""

    candidate_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute()
    registered_at = UnicodeAttribute()
    reminded_at = UnicodeAttribute(null=True)


class CandidateItem(TableItem):
    candidate_id = UnicodeAttribute()
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute()
    birth_date = UnicodeAttribute()
    postcode = UnicodeAttribute()
    city = UnicodeAttribute()
    languages = JSONAttribute()  # [{"code": "ar", "level": "native"}]
    heard_from = UnicodeAttribute()
    language = UnicodeAttribute()
    consent = JSONAttribute()  # {"version", "language", "at"}
    session_id = UnicodeAttribute()
    looking_for = ListAttribute(of=UnicodeAttribute, default=list)
    sectors = ListAttribute(of=UnicodeAttribute, default=list)
    education_level = UnicodeAttribute(default="")
    work_permit = BooleanAttribute(null=True)
    profession = UnicodeAttribute(default="")
    available_six_months = BooleanAttribute(null=True)
    link_hashes = ListAttribute(of=UnicodeAttribute, default=list)  # sha256 of their personal links
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class IdempotencyItem(TableItem):
    owner = UnicodeAttribute()  # the candidate the first request created (or found)
    session_id = UnicodeAttribute()
    expires_at = TTLAttribute()
