"""Local persistence: the table's items as DynamoDB JSON in one file, written on stop, loaded on start.

The file is replaced atomically (written aside, then renamed), so a crash while writing leaves the
previous snapshot intact. Binary attributes are stored base64-encoded, as DynamoDB's wire format does.
"""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Item = dict[str, Any]
FORMAT = 1
_BATCH = 25  # BatchWriteItem's limit
_RETRIES = 8


def _encode(value: Any) -> Any:
    """bytes -> base64 text, at any depth of an attribute value."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any, binary: bool = False) -> Any:
    if isinstance(value, dict):
        return {k: _decode(v, k in ("B", "BS")) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, binary) for v in value]
    if binary and isinstance(value, str):
        return base64.b64decode(value)
    return value


def scan_all(client: Any, table: str) -> list[Item]:
    items: list[Item] = []
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items


def dump(client: Any, table: str, path: Path) -> int:
    """Write every item of ``table`` to ``path``; return how many."""
    items = scan_all(client, table)
    document = {
        "format": FORMAT,
        "table": table,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "items": [_encode(i) for i in items],
    }
    aside = path.with_name(path.name + ".tmp")
    aside.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    aside.chmod(0o600)  # whatever was typed into the local stack, only its owner reads
    os.replace(aside, path)
    return len(items)


def read(path: Path) -> list[Item]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT:
        raise ValueError(f"{path} has an unknown format; delete it (make reset) to start from the seed")
    return [_decode(i) for i in document["items"]]


def put_all(client: Any, table: str, items: list[Item]) -> None:
    """Batch-write ``items``, 25 at a time, retrying what DynamoDB leaves unprocessed."""
    for start in range(0, len(items), _BATCH):
        requests = [{"PutRequest": {"Item": i}} for i in items[start : start + _BATCH]]
        for attempt in range(_RETRIES):
            left = client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
            requests = left.get(table, [])
            if not requests:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise RuntimeError(f"{len(requests)} items could not be restored")


def load(client: Any, table: str, path: Path) -> int:
    """Put the items of the snapshot at ``path`` into ``table``; return how many."""
    items = read(path)
    put_all(client, table, items)
    return len(items)
