"""Moto's server on loopback, in a background thread, serving one request at a time.

Moto's backends are not atomic under concurrency: with its stock threaded server, 50 concurrent
conditional transactions for 10 seats let 11 win. DynamoDB never does that, so every request
goes through one lock around moto's WSGI app (measured: exactly 10, every time). Connections are
still accepted concurrently; only moto's work is serialised. The body is read before the lock is
taken, and the response is produced inside it.

One repair to moto itself: every moto model object is appended to a class-level list, for the
``/moto-api/`` dashboard, and never let go; a transaction deep-copies the whole table, so every
copy of every item stays in memory (measured: 300 transactions on 2,000 items, +410 MB).
``stop_tracking_instances()`` turns that list off; nothing of ours reads the dashboard.

Two repairs to moto's DynamoDB streams (moto 5.2.5), both applied under that lock:

* A cancelled transaction is rolled back by putting a deep copy of the table in its place, stream
  shard included, which leaves every open shard iterator on a shard nobody writes to: the stream
  goes silent for good after the first 409. ``keep_streams_live()`` puts the live shard back.
* Moto keeps every stream record and copies them all in each transaction, so transactions slow
  down the longer the stack runs (measured: +30 ms per 1,000 writes). DynamoDB keeps 24 hours of
  stream; ``forget_stream_records()`` drops what the local consumers have read.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.common_models import BaseModel
from moto.core.model_instances import model_data
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SerialisedApp:
    """A WSGI app that lets one request at a time into the app it wraps."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))
        with self.lock:
            result = self._app(environ, start_response)
            try:
                return list(result)  # the whole response is made while the lock is held
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


def keep_streams_live() -> None:
    """Make moto's transaction rollback keep the table's live stream shard (see the module's doc)."""
    original = DynamoDBBackend.transact_write_items
    if getattr(original, "keeps_streams_live", False):
        return

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        live = {
            name: (table, table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            original(self, transact_items)
        finally:
            for name, (before, shard, length) in live.items():
                table = self.tables.get(name)
                if table is not None and table is not before:  # rolled back: a copy took its place
                    del shard.items[length:]  # the records of the cancelled writes
                    shard.table = table
                    table.stream_shard = shard

    transact_write_items.keeps_streams_live = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def stop_tracking_instances() -> None:
    """Moto's models stop registering themselves in ``instances_tracked`` (see the module's doc)."""
    if getattr(BaseModel.__new__, "untracked", False):
        return

    def __new__(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
        return object.__new__(cls)

    __new__.untracked = True  # type: ignore[attr-defined]
    BaseModel.__new__ = __new__  # type: ignore[assignment,method-assign]
    for models in model_data.values():  # what was registered before
        for model in models.values():
            model.instances_tracked.clear()  # type: ignore[attr-defined]


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per DynamoDB call would drown the app's own log."""


class MotoServer:
    """``start()`` binds and serves in a daemon thread; ``stop()`` shuts down and frees the port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000) -> None:
        self._host, self._port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._app = SerialisedApp(DomainDispatcherApplication(create_backend_app))

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        keep_streams_live()
        stop_tracking_instances()
        self._server = make_server(self._host, self._port, self._app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def forget_stream_records(self, table_name: str, upto: int, *, account: str, region: str) -> int:
        """Drop the stream records of ``table_name`` up to sequence number ``upto``; return how many."""
        with self._app.lock:
            table = dynamodb_backends[account][region].tables.get(table_name)
            shard = table.stream_shard if table is not None else None
            if shard is None:
                return 0
            drop = min(len(shard.items), upto - shard.starting_sequence_number + 1)
            if drop <= 0:
                return 0
            del shard.items[:drop]
            shard.starting_sequence_number += drop  # later records keep their numbers
            return drop

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
