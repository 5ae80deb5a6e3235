"""The one module that builds keys.

Every item of a branch has a partition key that starts with ``T#{branch}#``, on the table
and on every index; the IAM policy of a branch's credentials allows exactly that prefix.
Platform items (the branch registry that the head office lists) live under ``REGISTRY``.
Each person, duo or session gets a partition of its own; lists come from GSI1, keyed by
branch, kind and status.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from chalicelib.domain.errors import InvalidInputError

REGISTRY = "REGISTRY"


def tenant_prefix(branch: str) -> str:
    if not branch or "#" in branch:
        raise ValueError("a branch id is a non-empty slug")
    return f"T#{branch}#"


def _id(value: str) -> str:
    """An object id inside a key: never empty, never holding the separator."""
    if not value or "#" in value:
        raise ValueError("an id is a non-empty string without '#'")
    return value


def branch_of(pk: str) -> str | None:
    """The branch an item belongs to, from its partition key (None for platform items)."""
    if not pk.startswith("T#"):
        return None
    return pk.split("#", 2)[1]


# Branch configuration: one item in the branch's own partition space.
def branch_key(branch: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}BRANCH", "BRANCH"


def registry_key(branch: str) -> tuple[str, str]:
    return REGISTRY, f"BRANCH#{branch}"


def staff_key(branch: str, staff_id: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}STAFF#{staff_id}", "STAFF"


def staff_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}STAFF"


def staff_email_key(branch: str, email: str) -> tuple[str, str]:
    """Guard item that keeps a staff email unique within a branch (hashed, not readable)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"{tenant_prefix(branch)}STAFFEMAIL#{digest}", "GUARD"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# Info sessions: one partition each, holding the session and its registrations; listed by start.
def session_key(branch: str, session_id: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}SESSION#{_id(session_id)}", "SESSION"


def session_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}SESSIONS"


def registration_key(branch: str, session_id: str, candidate_id: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}SESSION#{_id(session_id)}", f"REG#{_id(candidate_id)}"


REGISTRATION_PREFIX = "REG#"


# Candidates: one partition each; listed newest first (GSI1), or by status (GSI2).
def candidate_key(branch: str, candidate_id: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}CAND#{_id(candidate_id)}", "CANDIDATE"


def candidate_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}CANDIDATES"


def candidate_status_key(branch: str, status: str) -> str:
    return f"{tenant_prefix(branch)}CANDIDATES#{_id(status)}"


def candidate_email_key(branch: str, role: str, email: str) -> tuple[str, str]:
    """Guard: one candidate per email, role and branch (hashed, not readable)."""
    return f"{tenant_prefix(branch)}CANDEMAIL#{_digest(role, email.strip().lower())}", "GUARD"


def idempotency_key(branch: str, key: str) -> tuple[str, str]:
    """A request already served (Idempotency-Key or the form's token); expires by TTL."""
    return f"{tenant_prefix(branch)}IDEM#{_digest(key)}", "IDEM"


def owner_key(branch: str, staff_id: str) -> str:
    """GSI3: the caseload of one coordinator (candidates and duos they are responsible for)."""
    return f"{tenant_prefix(branch)}OWNER#{_id(staff_id)}"


# Duos: one partition each, from pairing to the 12-month outcome, holding its meeting log and its
# events; listed newest first (GSI1) and by phase (GSI2: the open phases feed the task list).
def duo_key(branch: str, duo_id: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}DUO#{_id(duo_id)}", "DUO"


def duo_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}DUOS"


def duo_phase_key(branch: str, phase: str) -> str:
    return f"{tenant_prefix(branch)}DUOS#{_id(phase)}"


def meeting_key(branch: str, duo_id: str, on: str, meeting_id: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}DUO#{_id(duo_id)}", f"{MEETING_PREFIX}{on}#{_id(meeting_id)}"


MEETING_PREFIX = "MEET#"


# Events: the audit trail, in the partition of the person or duo they are about (sorted by time),
# and listed per branch by time on GSI1 (the source reports are rebuilt from).
def event_key(subject_pk: str, at: str, event_id: str) -> tuple[str, str]:
    if branch_of(subject_pk) is None:
        raise ValueError("events belong to a branch's record")
    return subject_pk, f"{EVENT_PREFIX}{at}#{_id(event_id)}"


def event_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}EVENTS"


EVENT_PREFIX = "EVENT#"


def subject_pk(branch: str, kind: str, subject_id: str) -> str:
    """The partition of the record an event is about: a candidate or a duo."""
    if kind == "candidate":
        return candidate_key(branch, subject_id)[0]
    if kind == "duo":
        return duo_key(branch, subject_id)[0]
    raise ValueError(f"events are about a candidate or a duo, not {kind!r}")


# Personal links (answers, surveys): found by the hash of their token; expire by TTL.
def link_key(branch: str, token_digest: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}LINK#{_id(token_digest)}", "LINK"


# Search: one term item per word of a name, email or phone, in the candidate's partition, listed
# on GSI1 by term so a prefix is one query.
def term_key(branch: str, candidate_id: str, term: str) -> tuple[str, str]:
    return candidate_key(branch, candidate_id)[0], f"{TERM_PREFIX}{_id(term)}"


def search_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}SEARCH"


TERM_PREFIX = "TERM#"


# Matching proposals: a branch's few proposals per week, newest last, in one partition of the branch's.
def proposal_key(branch: str, proposal_id: str) -> tuple[str, str]:
    return proposal_list_key(branch), f"{PROPOSAL_PREFIX}{_id(proposal_id)}"


def proposal_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}MATCHING"


PROPOSAL_PREFIX = "PROPOSAL#"


# Report aggregates: a branch's counters per month, one item a month in one partition of the branch (a
# report of any period is one query); each applied event leaves a marker in a partition of its own, so a
# repeated stream delivery is recognised (markers go by TTL).
def aggregate_key(branch: str, month: str) -> tuple[str, str]:
    return aggregate_list_key(branch), f"{AGGREGATE_PREFIX}{_id(month)}"


def aggregate_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}AGG"


def applied_key(branch: str, event_id: str) -> tuple[str, str]:
    return f"{tenant_prefix(branch)}APPLIED#{_id(event_id)}", "APPLIED"


AGGREGATE_PREFIX = "MONTH#"


# Privacy (issue 8): the branch's requests in one partition (few a month), listed by status and due date
# (GSI1); the access audit one partition a month (``at#id``), and per person on GSI1; the audit's counts per
# month sit in the aggregates' partition under ``AUDIT#`` (the head office sees that audits exist: counts only;
# reports read ``MONTH#`` items only).
def privacy_request_key(branch: str, request_id: str) -> tuple[str, str]:
    return privacy_list_key(branch), f"{REQUEST_PREFIX}{_id(request_id)}"


def privacy_list_key(branch: str) -> str:
    return f"{tenant_prefix(branch)}PRIVACY"


def privacy_status_key(branch: str, status: str) -> str:
    return f"{tenant_prefix(branch)}PRIVACY#{_id(status)}"


REQUEST_PREFIX = "REQ#"


def audit_key(branch: str, month: str, at: str, audit_id: str) -> tuple[str, str]:
    return audit_month_key(branch, month), f"{at}#{_id(audit_id)}"


def audit_month_key(branch: str, month: str) -> str:
    return f"{tenant_prefix(branch)}AUDIT#{_id(month)}"


def audit_of_key(branch: str, candidate_id: str) -> str:
    return f"{tenant_prefix(branch)}AUDITOF#{_id(candidate_id)}"


def audit_count_key(branch: str, month: str) -> tuple[str, str]:
    return aggregate_list_key(branch), f"{AUDIT_COUNT_PREFIX}{_id(month)}"


AUDIT_COUNT_PREFIX = "AUDIT#"


# Pagination cursors: opaque to callers, and only valid in the partition space they came from.
def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_CURSOR_KEYS = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"})


_ANY_INDEX = -1


def decode_cursor(cursor: str | None, expected_prefix: str, index: int | None = _ANY_INDEX) -> dict[str, Any] | None:
    """Decode a cursor; refuse it unless every key in it lies under ``expected_prefix`` and it has the shape
    of a key of the query's ``index`` (``None``: the table, ``n``: GSI n), which DynamoDB would reject."""
    if not cursor:
        return None
    bad = InvalidInputError("This page link is not valid here.", {"cursor": "Unknown or expired cursor."})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or not {"pk", "sk"} <= set(data) or not set(data) <= _CURSOR_KEYS:
        raise bad  # a LastEvaluatedKey always holds the table's keys, and only key attributes
    if any((f"gsi{n}pk" in data) != (f"gsi{n}sk" in data) for n in (1, 2, 3)):
        raise bad
    if index != _ANY_INDEX and set(data) != {"pk", "sk"} | ({f"gsi{index}pk", f"gsi{index}sk"} if index else set()):
        raise bad
    for name, value in data.items():
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str):
            raise bad
        if name in ("pk", "gsi1pk", "gsi2pk", "gsi3pk") and not value["S"].startswith(expected_prefix):
            raise bad
    return data


def item_kind(pk: str, sk: str) -> str | None:
    """What a changed item is, for the stream handler: 'staff', 'branch', 'event', or None."""
    if branch_of(pk) is None:
        return None
    if sk == "STAFF":
        return "staff"
    if sk == "BRANCH":
        return "branch"
    if sk.startswith(EVENT_PREFIX):
        return "event"
    return None
