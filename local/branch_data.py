"""Export one branch's data to a file, and import it back: the branch-level backup and restore.

    make export-branch BRANCH=ghent [FILE=ghent.jsonl]       # from the running local stack
    make import-branch FILE=ghent.jsonl [REPLACE=1]          # into it (REPLACE=1: the branch holds items)
    python -m local.branch_data export ghent --aws --table duo-restored --file ghent.jsonl   # in AWS
    python -m local.branch_data import ghent.jsonl --aws --table duo --replace

The file is JSON Lines: a header (format, branch, table, time, item count), then every item of the branch
as DynamoDB JSON, sorted by key, so two exports of the same data are equal line for line. "Every item of
the branch" is every item whose partition key starts with ``T#<branch>#`` (read with a Scan filtered on
that prefix: a backup tool may read the whole table), less what is derived from the events and rebuilt
after an import: the report aggregates (``T#<branch>#AGG`` / ``MONTH#...``) and the markers of events
already counted (``T#<branch>#APPLIED#...``). The registry row the head office lists (``REGISTRY``) is the
target table's: an import needs the branch to be registered there.

An import writes with batch writes (never transactions), in this order:
1. ``--replace``: every item of the branch in the target table is deleted first (without it, an import
   into a branch that holds items is refused);
2. the marker of every imported event, *before* the events: the table's stream then delivers the events'
   INSERTs to a handler that finds them counted already and adds nothing (a marker written after its
   event could lose that race and the event would be counted twice);
3. the items;
4. the branch's report aggregates rebuilt from its events (``services.reports.rebuild``). In AWS this
   tool has no branch credentials: it prints the ``aws lambda invoke`` of the stack's rebuild function.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.store import keys

FORMAT = "duo.branch-export/1"
BATCH = 25  # BatchWriteItem's limit
Item = dict[str, Any]


class ImportRefused(Exception):
    """The import would overwrite data or does not fit the target table; nothing was written."""


# --- reading -----------------------------------------------------------------------------------


def _scan(client: Any, table: str, branch: str) -> Iterator[Item]:
    """Every item of the table under the branch's prefix, derived ones included."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(pk, :prefix)",
        "ExpressionAttributeValues": {":prefix": {"S": keys.tenant_prefix(branch)}},
        "ConsistentRead": True,
    }
    while True:
        page = client.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def is_derived(item: Item, branch: str) -> bool:
    """A report aggregate or the marker of a counted event: rebuilt from the events, never exported."""
    pk, sk = item["pk"]["S"], item["sk"]["S"]
    if pk == keys.aggregate_list_key(branch) and sk.startswith(keys.AGGREGATE_PREFIX):
        return True
    return pk.startswith(applied_prefix(branch))


def applied_prefix(branch: str) -> str:
    """The partitions of the markers (``keys.applied_key``: one partition per event)."""
    return keys.tenant_prefix(branch) + "APPLIED#"


def _key(item: Item) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def export(client: Any, table: str, branch: str) -> list[Item]:
    """The branch's items (DynamoDB JSON) without the derived ones, sorted by key."""
    return sorted((item for item in _scan(client, table, branch) if not is_derived(item, branch)), key=_key)


# --- writing -----------------------------------------------------------------------------------


def _batch_write(client: Any, table: str, requests: Iterable[dict[str, Any]]) -> int:
    """BatchWriteItem 25 at a time, retrying what DynamoDB leaves unprocessed; returns how many."""
    pending = list(requests)
    done = 0
    for start in range(0, len(pending), BATCH):
        chunk = pending[start:start + BATCH]
        for attempt in range(10):
            answer = client.batch_write_item(RequestItems={table: chunk})
            chunk = answer.get("UnprocessedItems", {}).get(table, [])
            if not chunk:
                break
            time.sleep(min(2.0, 0.05 * 2 ** attempt))
        else:
            raise RuntimeError(f"DynamoDB left {len(chunk)} writes unprocessed after 10 attempts")
        done += len(pending[start:start + BATCH])
    return done


def delete_items(client: Any, table: str, branch: str) -> int:
    """Delete every item of the branch, derived ones included; returns how many."""
    found = [{"DeleteRequest": {"Key": {"pk": item["pk"], "sk": item["sk"]}}} for item in _scan(client, table, branch)]
    return _batch_write(client, table, found)


def _markers(branch: str, items: list[Item], now: datetime) -> list[Item]:
    from chalicelib.store.aggregates import MARKERS_KEPT

    expires = str(int((now + MARKERS_KEPT).timestamp()))
    markers = []
    for item in items:
        if keys.item_kind(*_key(item)) == "event":
            pk, sk = keys.applied_key(branch, item["event_id"]["S"])
            markers.append({"pk": {"S": pk}, "sk": {"S": sk}, "expires_at": {"N": expires}})
    return markers


def _registered(client: Any, table: str, branch: str) -> bool:
    pk, sk = keys.registry_key(branch)
    return "Item" in client.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)


def _holds_items(client: Any, table: str, branch: str) -> bool:
    return next(_scan(client, table, branch), None) is not None


def import_(client: Any, table: str, branch: str, items: list[Item], *, replace: bool = False,
            repos: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """Write an export of ``branch`` into ``table`` (see the module's docstring for the order), then rebuild
    the branch's aggregates with ``repos`` (None: left to the caller). Raises ``ImportRefused`` before
    writing anything when an item lies outside the branch, is derived, or the branch holds items already
    (``replace=False``), or is not registered in the table."""
    prefix = keys.tenant_prefix(branch)
    for item in items:
        pk = item.get("pk", {}).get("S", "")
        if not pk.startswith(prefix) or "sk" not in item:
            raise ImportRefused(f"an item of the file is not {branch}'s ({pk[:40]!r}): nothing imported")
        if is_derived(item, branch):
            raise ImportRefused(f"the file holds a derived item ({pk[:40]!r}): nothing imported")
    if not _registered(client, table, branch):
        raise ImportRefused(f"the branch '{branch}' is not registered in table {table}: onboard it first "
                            "(the same id), then import with --replace; or restore the whole table")
    deleted = 0
    if _holds_items(client, table, branch):
        if not replace:
            raise ImportRefused(f"the branch '{branch}' holds items in table {table}: add --replace "
                                "(make import-branch ... REPLACE=1) to delete them and import the file")
        deleted = delete_items(client, table, branch)
    markers = _markers(branch, items, now or datetime.now(UTC))
    _batch_write(client, table, ({"PutRequest": {"Item": m}} for m in markers))
    written = _batch_write(client, table, ({"PutRequest": {"Item": item}} for item in items))
    summary: dict[str, Any] = {"branch": branch, "deleted": deleted, "items": written, "events": len(markers)}
    if repos is not None:
        from chalicelib.services import reports

        summary["rebuilt_from"] = reports.rebuild(repos, branch)[branch]
    return summary


# --- the file ----------------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    """DynamoDB JSON from the client, made JSON-able: binary values as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "B":
                out[k] = base64.b64decode(v)
            elif k == "BS":
                out[k] = [base64.b64decode(x) for x in v]
            else:
                out[k] = _from_json(v)
        return out
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def write_file(path: Path, branch: str, table: str, items: list[Item]) -> None:
    """The export as JSON Lines, readable by its owner only (it holds personal data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": FORMAT, "branch": branch, "table": table,
              "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "items": len(items)}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(json.dumps(header, sort_keys=True) + "\n")
        for item in items:
            out.write(json.dumps(_to_json(item), sort_keys=True, ensure_ascii=False) + "\n")


def read_file(path: Path) -> tuple[str, list[Item]]:
    """The branch and items of an export; refuses another format or a truncated file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0]) if lines else {}
    if header.get("format") != FORMAT:
        raise ImportRefused(f"{path} is not a branch export ({FORMAT})")
    items = [_from_json(json.loads(line)) for line in lines[1:] if line.strip()]
    if len(items) != header.get("items"):
        raise ImportRefused(f"{path} holds {len(items)} items where its header says {header.get('items')}: "
                            "truncated? nothing imported")
    return header["branch"], items


# --- the command -------------------------------------------------------------------------------


def _target(args: argparse.Namespace) -> tuple[Any, str, str | None]:
    """(DynamoDB client, table, where) for the local stack, or for AWS with ``--aws``."""
    import boto3

    if args.aws:
        if not args.table:
            raise SystemExit("--aws needs --table (the live table, or the one restored from a backup)")
        return boto3.client("dynamodb"), args.table, None
    from local.run import HOST, Options, _apply, _environment

    opts = Options.from_env()
    _apply(_environment(opts, f"http://{HOST}:{opts.moto_port}", opts.state_dir / "jwks.json"))
    if args.table:
        os.environ["DUO_TABLE"] = args.table
    table = os.environ["DUO_TABLE"]
    return boto3.client("dynamodb", region_name=os.environ["AWS_REGION"]), table, f"{HOST}:{opts.moto_port}"


def _default_file(branch: str) -> Path:
    from local.state import state_dir

    return state_dir() / "exports" / f"{branch}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.jsonl"


def _run(args: argparse.Namespace) -> int:
    if args.command == "import":
        try:
            branch, items = read_file(Path(args.file))
        except (OSError, ValueError) as error:
            raise ImportRefused(f"cannot read {args.file}: {type(error).__name__}") from None
    client, table, local_stack = _target(args)
    if args.command == "export":
        items = export(client, table, args.branch)
        path = Path(args.file) if args.file else _default_file(args.branch)
        write_file(path, args.branch, table, items)
        print(f"{args.branch}: {len(items)} items of table {table} exported to {path}")
        return 0
    repos = None
    if local_stack:
        from chalicelib.services import repos as repos_module

        repos = repos_module.get()
    summary = import_(client, table, branch, items, replace=args.replace, repos=repos)
    print(f"{branch}: {summary['items']} items imported into table {table} ({summary['events']} events marked "
          f"as counted; {summary['deleted']} items deleted first)")
    if "rebuilt_from" in summary:
        print(f"{branch}: report aggregates rebuilt from {summary['rebuilt_from']} events")
    else:
        print("Now rebuild the branch's report aggregates:\n"
              f"  aws lambda invoke --function-name <stack>-rebuild-reports --payload '{{\"branch\":\"{branch}\"}}' "
              "--cli-binary-format raw-in-base64-out out.json && cat out.json")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export or import one branch's data (backup and restore).")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--table", help="the table (default: the local stack's)")
    where.add_argument("--aws", action="store_true",
                       help="AWS itself, with your credentials and region (needs --table), not the local stack")
    commands = parser.add_subparsers(dest="command", required=True)
    out = commands.add_parser("export", parents=[where], help="write a branch's items to a file")
    out.add_argument("branch")
    out.add_argument("--file", help="where (default: .local/exports/<branch>-<time>.jsonl)")
    into = commands.add_parser("import", parents=[where], help="write an export's items into the table")
    into.add_argument("file")
    into.add_argument("--replace", action="store_true", help="delete the branch's items first")
    args = parser.parse_args(argv)

    from botocore.exceptions import EndpointConnectionError
    from pynamodb.exceptions import PynamoDBConnectionError

    try:
        return _run(args)
    except ImportRefused as refused:
        print(f"Refused: {refused}", file=sys.stderr)
        return 1
    except (EndpointConnectionError, PynamoDBConnectionError) as error:
        if args.aws or not isinstance(getattr(error, "cause", error), EndpointConnectionError):
            raise
        print("No local stack answers: start it with `make run` first (or use --aws --table for AWS).",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
