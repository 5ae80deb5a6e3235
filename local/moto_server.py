"""Moto's server on loopback, in a background thread, serving one request at a time.

Moto's backends are not atomic under concurrency: with its stock threaded server, 50 concurrent
conditional transactions for 10 seats let 11 win. DynamoDB never does that, so every request
goes through one lock around moto's WSGI app (measured: exactly 10, every time). Connections are
still accepted concurrently; only moto's work is serialised. The body is read before the lock is
taken, and the response is produced inside it.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SerialisedApp:
    """A WSGI app that lets one request at a time into the app it wraps."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))
        with self._lock:
            result = self._app(environ, start_response)
            try:
                return list(result)  # the whole response is made while the lock is held
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per DynamoDB call would drown the app's own log."""


class MotoServer:
    """``start()`` binds and serves in a daemon thread; ``stop()`` shuts down and frees the port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000) -> None:
        self._host, self._port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = SerialisedApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._host, self._port, app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
