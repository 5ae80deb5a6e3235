"""Info sessions (step 1 of the methodology): when and where, for whom, and how many seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from chalicelib.domain.candidates import CandidateRole
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.texts import N_

FORMATS = ("in_person", "online")
AUDIENCES = ("mentees", "mentors", "both")
# How far ahead a session may be planned: further is a typing error, not a plan.
MAX_AHEAD = timedelta(days=2 * 366)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass
class InfoSession:
    id: str
    branch: str
    starts_at: datetime  # aware, UTC
    duration_minutes: int
    format: str
    language: str
    audience: str
    capacity: int
    address: str = ""
    link: str = ""
    seats_taken: int = 0
    status: SessionStatus = SessionStatus.SCHEDULED
    created_at: str = ""
    updated_at: str = ""
    version: int = 0

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def is_open(self, now: datetime) -> bool:
        """Open for new registrations: scheduled, not started, with a free seat."""
        return self.status is SessionStatus.SCHEDULED and self.starts_at > now and self.seats_left > 0

    def admits(self, role: CandidateRole) -> bool:
        return self.audience == "both" or self.audience == f"{role.value}s"

    def problems(self, now: datetime) -> dict[str, str]:
        """Field -> message for each rule a session must keep after every change by a coordinator."""
        fields: dict[str, str] = {}
        if self.format == "in_person" and not self.address:
            fields["address"] = N_("An in-person session needs an address.")
        if self.format == "online" and not self.link:
            fields["link"] = N_("An online session needs a link.")
        if self.capacity < self.seats_taken:
            fields["capacity"] = f"{self.seats_taken} people are registered already; the capacity cannot be lower."
        if self.starts_at.tzinfo is None:
            fields["starts_at"] = N_("Give a time zone or use the branch's local time.")
        elif self.starts_at > now + MAX_AHEAD:
            fields["starts_at"] = N_("A session can be planned at most two years ahead.")
        return fields

    def cancel(self) -> None:
        if self.status is SessionStatus.CANCELLED:
            raise ConflictError(N_("The session is cancelled already."), code="already_cancelled")
        self.status = SessionStatus.CANCELLED


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
