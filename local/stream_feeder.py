"""Feeds the table's stream (served by moto) to the app's stream handler, as Lambda would.

Every ``interval`` seconds it reads each shard (``GetRecords``, at most the handler's batch size)
and calls the handler in-process with a Lambda-shaped ``DynamoDBStreams`` event. Records the handler
reports in ``batchItemFailures`` (or all of them, if it raises) are fed again, up to ``attempts``
times, then dropped with a log line. Nothing of an item's content is logged. After each page,
``on_consumed`` gets the last sequence number read (the runner then lets moto forget the records).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]
log = logging.getLogger("duo.local.stream")


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A record as ``GetRecords`` returns it, shaped as Lambda delivers it."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


class StreamFeeder:
    def __init__(
        self,
        streams: Any,
        stream_arn: str,
        handler: Handler,
        context_factory: Callable[[], Any],
        *,
        region: str,
        batch_size: int = 100,
        interval: float = 1.0,
        attempts: int = 3,
        invoke_lock: threading.Lock | None = None,
        on_consumed: Callable[[int], None] | None = None,
    ) -> None:
        self._streams = streams
        self._arn = stream_arn
        self._handler = handler
        self._context = context_factory
        self._region = region
        self._batch_size = batch_size
        self._interval = interval
        self._attempts = attempts
        self._invoke_lock = invoke_lock or threading.Lock()
        self._on_consumed = on_consumed
        self._iterators: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0  # records handed to the handler so far (tells the runner data changed)
        self.dropped = 0

    def start_at_latest(self) -> None:
        """Start reading after everything already in the stream (seed or restore), then poll."""
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
        self._thread = threading.Thread(target=self._run, name="stream-feeder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling, after one last read so that nothing written before the stop is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.poll()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.poll()
            except Exception as error:  # keep feeding: one bad poll must not end the stream
                log.error("reading the table's stream failed: %s", type(error).__name__)

    def poll(self) -> int:
        """Read every shard once and feed what is new; return the number of records read."""
        read = 0
        for shard_id, iterator in list(self._iterators.items()):
            while True:
                page = self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
                records = page.get("Records", [])
                if not records:
                    # Keep the unread iterator: moto keeps every iterator it hands out, so asking
                    # for a fresh one each second would grow its memory all day.
                    break
                iterator = page["NextShardIterator"]
                self._iterators[shard_id] = iterator
                self._feed([lambda_record(r, self._arn, self._region) for r in records])
                read += len(records)
                if self._on_consumed is not None:
                    self._on_consumed(max(int(r["dynamodb"]["SequenceNumber"]) for r in records))
        return read

    def _feed(self, records: list[dict[str, Any]]) -> None:
        pending = records
        for _ in range(self._attempts):
            failed = self._invoke(pending)
            self.delivered += len(pending) - len(failed)
            pending = [r for r in pending if r["dynamodb"]["SequenceNumber"] in failed]
            if not pending:
                return
        self.dropped += len(pending)
        log.error(
            "stream records dropped after %d attempts: sequence numbers %s",
            self._attempts,
            ", ".join(r["dynamodb"]["SequenceNumber"] for r in pending),
        )

    def _invoke(self, records: list[dict[str, Any]]) -> set[str]:
        """Call the handler; return the sequence numbers it failed."""
        with self._invoke_lock:
            try:
                result = self._handler({"Records": records}, self._context())
            except Exception as error:  # Lambda would retry the batch; so do we
                log.error("the stream handler failed a batch of %d records: %s", len(records), type(error).__name__)
                return {r["dynamodb"]["SequenceNumber"] for r in records}
        failures = (result or {}).get("batchItemFailures", []) if isinstance(result, dict) else []
        return {str(f["itemIdentifier"]) for f in failures}
