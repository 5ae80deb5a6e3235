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


class OwnerIndex(GlobalSecondaryIndex):
    """A coordinator's caseload: ``gsi3pk = T#{branch}#OWNER#{staff_id}``, ``gsi3sk = {KIND}#{id}``."""

    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


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
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    lists = ListIndex()
    timeline = TimelineIndex()
    owners = OwnerIndex()

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
    # The life cycle (issue 5): optimistic locking, the responsible coordinator, the steps' records.
    version = NumberAttribute(default=0)
    status_since = UnicodeAttribute(null=True)
    coordinator_id = UnicodeAttribute(default="")
    intake = JSONAttribute(null=True)  # domain.intake.Intake as a dict
    training = JSONAttribute(default=dict)  # {module_code: "YYYY-MM-DD"}
    help_needs = ListAttribute(of=UnicodeAttribute, default=list)
    availability = ListAttribute(of=UnicodeAttribute, default=list)
    duo_id = UnicodeAttribute(default="")  # the current pairing or duo
    duo_ids = ListAttribute(of=UnicodeAttribute, default=list)  # every pairing and duo, oldest first
    declined_with = ListAttribute(of=UnicodeAttribute, default=list)  # never to be paired again
    restricted = JSONAttribute(null=True)  # processing restricted (GDPR art. 18): {"at", "by"}; absent: not


class IdempotencyItem(TableItem):
    owner = UnicodeAttribute()  # the candidate the first request created (or found)
    session_id = UnicodeAttribute()
    expires_at = TTLAttribute()


class DuoItem(TableItem):
    """A pairing that may become a duo: from the first meeting to the 12-month outcome."""

    duo_id = UnicodeAttribute()
    mentee_id = UnicodeAttribute()
    mentor_id = UnicodeAttribute()
    mentee_name = UnicodeAttribute()  # shown in lists without reading both people
    mentor_name = UnicodeAttribute()
    coordinator_id = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    phase = UnicodeAttribute()
    first_meeting_at = UnicodeAttribute()
    answers = JSONAttribute(default=dict)  # {"mentee": {"answer", "at", "by"}, "mentor": {...}}
    agreement = JSONAttribute(null=True)
    started_on = UnicodeAttribute(null=True)
    planned_end = UnicodeAttribute(null=True)
    meeting_count = NumberAttribute(default=0)
    last_meeting_on = UnicodeAttribute(null=True)
    goals = JSONAttribute(default=list)
    checkins = JSONAttribute(default=list)
    intervisions = JSONAttribute(default=list)
    services = JSONAttribute(default=list)
    ended_on = UnicodeAttribute(null=True)
    end_kind = UnicodeAttribute(null=True)
    end_reason = UnicodeAttribute(null=True)
    evaluations = JSONAttribute(default=dict)
    outcome = JSONAttribute(null=True)
    reminders_sent = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=0)
    phase_since = UnicodeAttribute(null=True)  # part B: the phase list's sort key (gsi2sk) starts with it


class MeetingItem(TableItem):
    """A meeting of a duo (date, duration, in person or online): no diary."""

    meeting_id = UnicodeAttribute()
    on = UnicodeAttribute()  # YYYY-MM-DD
    minutes = NumberAttribute()
    mode = UnicodeAttribute()
    logged_at = UnicodeAttribute()
    logged_by = UnicodeAttribute()


class EventItem(TableItem):
    """One change to a person or duo: who, when, what kind, which fields; never the values."""

    event_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    subject_kind = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    actor = UnicodeAttribute()
    at = UnicodeAttribute()
    fields = ListAttribute(of=UnicodeAttribute, default=list)
    data = JSONAttribute(default=dict)


class LinkItem(TableItem):
    """A personal link's purpose, found by its token's hash: a duo's (answer, evaluation, outcome: duo_id and
    side) or a person's (privacy, export, download: candidate_id)."""

    purpose = UnicodeAttribute()
    duo_id = UnicodeAttribute(null=True)
    side = UnicodeAttribute(null=True)  # mentee | mentor
    candidate_id = UnicodeAttribute(null=True)
    valid_until = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class ProposalItem(TableItem):
    """A matching proposal for a branch's pool: the pairs proposed, who was left unpaired and why (ids and
    codes only), and how many of its pairs the team accepted or paired otherwise."""

    proposal_id = UnicodeAttribute()
    mode = UnicodeAttribute()
    pins = JSONAttribute(default=list)  # [[mentee_id, mentor_id], ...]
    excluded = ListAttribute(of=UnicodeAttribute, default=list)
    pairs = JSONAttribute(default=list)  # [{"mentee_id", "mentor_id", "score", "pinned"}]
    unpaired = JSONAttribute(default=list)  # [{"id", "role", "code", "params"}]
    total = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    accepted = NumberAttribute(default=0)
    overridden = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class AggregateItem(TableItem):
    """A branch's report counters of one month: each counter is a number attribute ``n:<counter>`` (added to
    with ADD; read back by ``store/aggregates.py``). No personal data: counts only."""

    month = UnicodeAttribute(null=True)


class AppliedItem(TableItem):
    """The marker of an event already added to the aggregates (a repeated stream delivery adds nothing)."""

    expires_at = TTLAttribute()


class TermItem(TableItem):
    """A search term of a candidate (accent-free, lowercase word of a name, email or phone)."""

    candidate_id = UnicodeAttribute()


class RequestItem(TableItem):
    """A person's privacy request (access, erasure, restriction, rectification): ids, codes and dates only."""

    request_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    source = UnicodeAttribute()
    status = UnicodeAttribute()
    received_at = UnicodeAttribute()
    due_on = UnicodeAttribute()
    done_at = UnicodeAttribute(default="")
    done_by = UnicodeAttribute(default="")
    note = UnicodeAttribute(default="")
    opened_by = UnicodeAttribute(default="")


class AuditItem(TableItem):
    """One access of a staff member to a person's data: who, when, which person, what, and why if given."""

    audit_id = UnicodeAttribute()
    at = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    action = UnicodeAttribute()
    reason = UnicodeAttribute(default="")
