"""Info sessions of a branch and their registrations: one partition per session."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.registrations import Registration
from chalicelib.domain.sessions import InfoSession, SessionStatus
from chalicelib.store import keys
from chalicelib.store.models import RegistrationItem, SessionItem
from chalicelib.store.scopes import Scopes


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def session_item(session: InfoSession) -> SessionItem:
    pk, sk = keys.session_key(session.branch, session.id)
    starts = iso(session.starts_at)
    return SessionItem(
        pk,
        sk,
        gsi1pk=keys.session_list_key(session.branch),
        gsi1sk=f"{starts}#{session.id}",
        session_id=session.id,
        starts_at=starts,
        duration_minutes=session.duration_minutes,
        format=session.format,
        address=session.address,
        link=session.link,
        language=session.language,
        audience=session.audience,
        capacity=session.capacity,
        seats_taken=session.seats_taken,
        status=session.status.value,
        created_at=session.created_at,
        updated_at=session.updated_at,
    )


def to_session(item: SessionItem) -> InfoSession:
    return InfoSession(
        id=item.session_id,
        branch=keys.branch_of(item.pk) or "",
        starts_at=datetime.fromisoformat(item.starts_at),
        duration_minutes=int(item.duration_minutes),
        format=item.format,
        language=item.language,
        audience=item.audience,
        capacity=int(item.capacity),
        address=item.address or "",
        link=item.link or "",
        seats_taken=int(item.seats_taken or 0),
        status=SessionStatus(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def to_registration(item: RegistrationItem) -> Registration:
    return Registration(
        candidate_id=item.candidate_id,
        session_id=item.session_id,
        name=item.name,
        email=item.email,
        role=item.role,
        language=item.language,
        status=item.status,
        registered_at=item.registered_at,
        reminded_at=item.reminded_at,
    )


class SessionRepository:
    """A branch's info sessions. Every method takes the branch first and runs in its scope."""

    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def add(self, branch: str, session: InfoSession) -> None:
        with self._scopes.tenant(branch):
            try:
                session_item(session).save(condition=SessionItem.pk.does_not_exist())
            except PutError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    raise ConflictError("This session exists already.", code="session_exists") from None
                raise

    def get(self, branch: str, session_id: str) -> InfoSession:
        pk, sk = keys.session_key(branch, session_id)
        with self._scopes.tenant(branch):
            try:
                return to_session(SessionItem.get(pk, sk, consistent_read=True))
            except DoesNotExist:
                raise NotFoundError("There is no such info session.", code="session_not_found") from None

    def between(
        self, branch: str, start: datetime, end: datetime | None = None, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[InfoSession], str | None]:
        """Sessions starting from ``start`` (up to ``end``), soonest first."""
        prefix = keys.session_list_key(branch)
        condition = SessionItem.gsi1sk >= iso(start) if end is None else SessionItem.gsi1sk.between(
            iso(start), iso(end) + "~"
        )
        with self._scopes.tenant(branch):
            result = SessionItem.lists.query(
                prefix, condition, limit=limit,
                last_evaluated_key=keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=1),
            )
            rows = [to_session(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def save(self, session: InfoSession, previous_updated_at: str) -> None:
        """Write a coordinator's change unless someone changed the session meanwhile (409).

        Seats are never written here: only registrations move them, atomically.
        """
        item = session_item(session)
        with self._scopes.tenant(session.branch):
            try:
                item.update(
                    actions=[
                        SessionItem.gsi1sk.set(item.gsi1sk),
                        SessionItem.starts_at.set(item.starts_at),
                        SessionItem.duration_minutes.set(item.duration_minutes),
                        SessionItem.format.set(item.format),
                        SessionItem.address.set(item.address),
                        SessionItem.link.set(item.link),
                        SessionItem.language.set(item.language),
                        SessionItem.audience.set(item.audience),
                        SessionItem.capacity.set(item.capacity),
                        SessionItem.status.set(item.status),
                        SessionItem.updated_at.set(item.updated_at),
                    ],
                    condition=(SessionItem.updated_at == previous_updated_at)
                    & (SessionItem.seats_taken <= session.capacity),
                )
            except UpdateError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    raise ConflictError(
                        "The session changed meanwhile (a registration, or a colleague); reload and try again.",
                        code="session_changed",
                    ) from None
                raise

    def registrations(self, branch: str, session_id: str) -> list[Registration]:
        pk, _ = keys.session_key(branch, session_id)
        with self._scopes.tenant(branch):
            items = RegistrationItem.query(pk, RegistrationItem.sk.startswith(keys.REGISTRATION_PREFIX))
            return sorted((to_registration(i) for i in items), key=lambda r: r.registered_at)

    def mark_reminded(self, branch: str, session_id: str, candidate_id: str, at: str) -> bool:
        """Note that the reminder went out; False if someone else did it first (sent once)."""
        pk, sk = keys.registration_key(branch, session_id, candidate_id)
        with self._scopes.tenant(branch):
            try:
                RegistrationItem(pk, sk).update(
                    actions=[RegistrationItem.reminded_at.set(at)],
                    condition=RegistrationItem.pk.exists() & RegistrationItem.reminded_at.does_not_exist(),
                )
                return True
            except UpdateError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    return False
                raise
