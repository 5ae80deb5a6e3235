"""What the table's stream drives: figures derived from changes (kept up to date, rebuildable).

Each branch's staff count in the head office's registry, and the report aggregates: every new event
item adds its counts once (``services/reports.py``; a repeated delivery adds nothing). Records that
fail are reported back one by one (partial batch response), so only they are retried.

The count is changed with an ADD, which is not idempotent: a record that is retried after its
ADD was written (a timeout after the write) counts twice. The nightly ``reconcile_counts`` job
recounts from the items and repairs such drift. The report aggregates are idempotent themselves.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.observability import logger
from chalicelib.services.repos import Repos, get
from chalicelib.store.keys import branch_of, item_kind

_DELTA = {"INSERT": 1, "REMOVE": -1}


def apply_change(repos: Repos, record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb else None
    if not keys:
        return
    pk, sk = str(keys.get("pk", "")), str(keys.get("sk", ""))
    delta = _DELTA.get(record.event_name.name if record.event_name else "", 0)
    kind = item_kind(pk, sk)
    if kind == "staff" and delta:
        repos.branches.add_staff_count(branch_of(pk) or "", delta)
    elif kind == "event" and delta == 1:
        from chalicelib.services import reports

        reports.apply_event_image(repos, branch_of(pk) or "", record.raw_event["dynamodb"].get("NewImage") or {})


def handle_batch(event: dict[str, Any], repos: Repos | None = None) -> dict[str, Any]:
    """Apply a batch of stream records; answer which ones failed."""
    chosen = repos or get()
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    result = process_partial_response(
        event=event, record_handler=partial(apply_change, chosen), processor=processor
    )
    if result.get("batchItemFailures"):
        logger.warning("stream records failed", extra={"failed": len(result["batchItemFailures"])})
    return result
