"""Events in the table: written in the same transaction as the change they describe.

``event_item`` builds the item to add to a repository's ``TransactWrite``; ``EventRepository``
reads a record's trail, newest first.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.events import Event
from chalicelib.store import keys
from chalicelib.store.models import EventItem
from chalicelib.store.scopes import Scopes


def event_item(branch: str, event: Event) -> EventItem:
    pk, sk = keys.event_key(keys.subject_pk(branch, event.subject_kind, event.subject_id), event.at, event.id)
    return EventItem(
        pk,
        sk,
        gsi1pk=keys.event_list_key(branch),
        gsi1sk=f"{event.at}#{event.id}",
        event_id=event.id,
        kind=event.kind,
        subject_kind=event.subject_kind,
        subject_id=event.subject_id,
        actor=event.actor,
        at=event.at,
        fields=list(event.fields),
        data=dict(event.data),
    )


def event_from_image(image: dict[str, Any]) -> Event:
    """An event from its item as the table's stream carries it (DynamoDB JSON)."""
    return to_event(EventItem.from_raw_data(image))


def to_event(item: EventItem) -> Event:
    return Event(
        kind=item.kind,
        subject_kind=item.subject_kind,
        subject_id=item.subject_id,
        actor=item.actor,
        at=item.at,
        fields=tuple(item.fields or ()),
        data=dict(item.data or {}),
        id=item.event_id,
    )


class EventRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def for_subject(
        self, branch: str, subject_kind: str, subject_id: str, *, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Event], str | None]:
        """A person's or a duo's trail, newest first (one query)."""
        pk = keys.subject_pk(branch, subject_kind, subject_id)
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=None)
        with self._scopes.tenant(branch):
            result = EventItem.query(
                pk,
                EventItem.sk.startswith(keys.EVENT_PREFIX),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
            rows = [to_event(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def for_branch(
        self, branch: str, *, since: str = "", limit: int = 500, cursor: str | None = None
    ) -> tuple[list[Event], str | None]:
        """Every event of a branch from ``since`` on, oldest first (what reports are rebuilt from)."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=1)
        condition = EventItem.gsi1sk >= since if since else None
        with self._scopes.tenant(branch):
            result = EventItem.lists.query(
                keys.event_list_key(branch), condition, limit=limit, last_evaluated_key=start
            )
            rows = [to_event(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)
