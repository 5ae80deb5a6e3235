"""Report aggregates: a branch's counters per month (counts only, never a person), kept up to date from the
events and rebuilt from them when asked.

Applying an event is ONE transaction: its marker (written only if absent) and the ADD of its deltas to the
month items it touches, so a repeated or late stream delivery changes nothing and any order gives the same
sums. A marker already there is seen with one read before any transaction (a redelivery, or the events of a
restored branch, whose markers the import writes first), which costs less than a cancelled transaction.
A report reads a branch's months with one query, whatever the number of people behind them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from chalicelib.domain.events import Event
from chalicelib.store import keys
from chalicelib.store.events import to_event
from chalicelib.store.models import AggregateItem, AppliedItem, EventItem
from chalicelib.store.scopes import Scopes

COUNTER = "n:"  # the prefix of a counter's attribute name
MARKERS_KEPT = timedelta(days=30)  # longer than a stream keeps a record (24 hours) and its retries
EVENTS_PAGE = 1000
Months = dict[str, dict[str, int]]


def _number(value: dict[str, Any]) -> int:
    return int(value["N"]) if "N" in value else 0


class AggregateRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def apply(self, branch: str, event_id: str, rows: Iterable[tuple[str, str, int]], now: datetime) -> bool:
        """Add one event's deltas ``(month, counter, n)``; False when this event was added before."""
        by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for month, counter, n in rows:
            by_month[month][counter] += n
        with self._scopes.tenant(branch) as conn:
            marker = keys.applied_key(branch, event_id)
            try:
                AppliedItem.get(*marker, consistent_read=True, attributes_to_get=["pk"])
                return False
            except AppliedItem.DoesNotExist:
                pass
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.save(AppliedItem(*marker, expires_at=now + MARKERS_KEPT),
                            condition=AppliedItem.pk.does_not_exist())
                    for month, counters in by_month.items():
                        actions = [AggregateItem.month.set(month)]
                        actions += [Path([COUNTER + name]).add(n) for name, n in sorted(counters.items()) if n]
                        tx.update(AggregateItem(*keys.aggregate_key(branch, month)), actions=actions)
            except TransactWriteError as error:
                reasons = getattr(error, "cancellation_reasons", None) or []
                if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                    return False
                raise
        return True

    def months(self, branch: str, first: str | None = None, last: str | None = None) -> Months:
        """The branch's month items from ``first`` to ``last`` (``YYYY-MM``; None: open ends), with the cohort
        counters of unknown start when the range is open at the end. One query (paged by DynamoDB's 1 MB)."""
        with self._scopes.tenant(branch) as conn:
            return self._months(conn, branch, first, last)

    def network_months(self, branch: str, first: str | None = None, last: str | None = None) -> Months:
        """The same, read with the platform's credentials (the head office's report): in AWS they reach the
        branches' aggregates and nothing else of a branch."""
        with self._scopes.platform() as conn:
            return self._months(conn, branch, first, last)

    @staticmethod
    def _months(conn: Any, branch: str, first: str | None, last: str | None) -> Months:
        low = keys.AGGREGATE_PREFIX + (first or "")
        high = keys.AGGREGATE_PREFIX + (last if last else "\uffff")
        condition = Path("sk").between(low, high)
        out: Months = {}
        start = None
        while True:
            page = conn.query(keys.aggregate_list_key(branch), range_key_condition=condition,
                              exclusive_start_key=start, consistent_read=True)
            for item in page.get("Items", []):
                month = item["sk"]["S"].removeprefix(keys.AGGREGATE_PREFIX)
                # A counter back at 0 (an undo in the same month) reads as absent, as a rebuild writes it.
                counters = {k.removeprefix(COUNTER): _number(v) for k, v in item.items() if k.startswith(COUNTER)}
                if any(counters.values()):
                    out[month] = {name: n for name, n in counters.items() if n}
            start = page.get("LastEvaluatedKey")
            if not start:
                return out

    def events(self, branch: str) -> Iterator[Event]:
        """Every event of the branch, oldest first (GSI1), page by page."""
        with self._scopes.tenant(branch):
            for item in EventItem.lists.query(keys.event_list_key(branch), page_size=EVENTS_PAGE):
                yield to_event(item)

    def replace(self, branch: str, months: Months) -> None:
        """Overwrite the branch's month items with ``months`` (a rebuild); months no longer there go."""
        old = set(self.months(branch))
        with self._scopes.tenant(branch):
            with AggregateItem.batch_write() as batch:
                for month in old - set(months):
                    batch.delete(AggregateItem(*keys.aggregate_key(branch, month)))
            for month, counters in months.items():
                item = AggregateItem(*keys.aggregate_key(branch, month), month=month)
                item.save()
                actions = [Path([COUNTER + name]).set(n) for name, n in sorted(counters.items()) if n]
                for start in range(0, len(actions), 50):
                    item.update(actions=actions[start:start + 50])
