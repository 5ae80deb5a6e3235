"""A candidate's seat at an info session, as the session's list and the mails about it see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Registration:
    candidate_id: str
    session_id: str
    name: str
    email: str
    role: str
    language: str
    status: str  # registered | cancelled
    registered_at: str
    reminded_at: str | None = None
