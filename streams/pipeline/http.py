"""The worker's own HTTP endpoint: ``/metrics`` (Prometheus), ``/ready`` and ``/live``.

A small threaded server from the standard library: the worker's loop is synchronous and
must not be slowed by a scrape; the server thread only reads what the loop publishes.
``/ready`` answers 503 while the worker restores or rebalances, while a partition's merge
waits too long on an input it cannot read, and while its commits are failing; ``/live``
answers 503 when the loop has not turned for two minutes.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from streams.pipeline.loop import Readiness


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a restart must not wait for TIME_WAIT sockets


def serve(
    registry: CollectorRegistry,
    readiness: Readiness,
    port: int,
    host: str = "127.0.0.1",
) -> ThreadingHTTPServer:
    """Start serving in a daemon thread; ``OSError`` if the address is taken."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif self.path == "/ready":
                ok, why = readiness.ready()
                self._send(200 if ok else 503, f"{why}\n".encode())
            elif self.path == "/live":
                live = readiness.live()
                self._send(200 if live else 503, b"ok\n" if live else b"loop stalled\n")
            else:
                self._send(404, b"not found\n")

        def _send(self, status: int, body: bytes, kind: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every few seconds must not fill the log

    server = _Server((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server
