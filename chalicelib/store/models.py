"""PynamoDB models of the one table. Private to ``chalicelib.store``.

The model is the single source of the table's keys and indexes: ``table.py`` derives the
CloudFormation definition and the local/test ``CreateTable`` call from it.
Connections are never cached on the class: ``_get_connection`` returns the connection of
the tenant or platform scope that the calling repository entered (see ``scopes.py``).
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
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
