"""FakeSchemaRegistry: a stand-in for a Confluent-compatible schema registry, for tests only.

Used only where the real registry (Apicurio, deploy/local/registry.sh, used by the
integration tests) cannot reach: unit tests, which run without services, and checks that
count the requests the codec makes. A small aiohttp server on 127.0.0.1; it serves only
the endpoints that confluent-kafka's ``SchemaRegistryClient`` calls for the codec, with
the registry's JSON shapes, error codes and content type
(``application/vnd.schemaregistry.v1+json``):

- ``POST /subjects/{subject}/versions``: register, answers ``{"id": n}``;
- ``POST /subjects/{subject}``: look up, answers ``{"subject", "id", "version", "schema"}``
  or 404 with ``error_code`` 40401 (no such subject) or 40403 (schema not in the subject);
- ``GET /schemas/ids/{id}``: answers ``{"schema": text}`` or 404 with ``error_code`` 40403.

As in the real registry, ids belong to schemas: the same schema under two subjects gets one
id. Unlike it, schemas are compared as parsed JSON, not in canonical form, and there is no
compatibility check. ``calls`` counts the requests served, so tests can check caching.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from types import TracebackType
from typing import Any

from aiohttp import web
from confluent_kafka.schema_registry import SchemaRegistryClient

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class FakeSchemaRegistry:
    """Run with ``with FakeSchemaRegistry() as registry:``; ``registry.url`` is its address."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()  # (endpoint, subject or id) -> count
        self._texts: dict[int, str] = {}  # id -> schema text as first registered
        self._versions: dict[str, list[int]] = {}  # subject -> ids, oldest first
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def __enter__(self) -> FakeSchemaRegistry:
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def client(self) -> SchemaRegistryClient:
        """confluent-kafka's client for this registry, failing fast (no retries)."""
        return SchemaRegistryClient({"url": self.url, "max.retries": 0})

    def stop(self) -> None:
        """Stop serving (idempotent); later requests are refused by the operating system."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def add(self, subject: str, schema_text: str) -> int:
        """Register a schema directly, as another producer would have (not counted)."""
        with self._lock:
            schema_id = self._id_of(schema_text)
            versions = self._versions.setdefault(subject, [])
            if schema_id not in versions:
                versions.append(schema_id)
            return schema_id

    def _id_of(self, schema_text: str) -> int:
        wanted = json.loads(schema_text)
        for schema_id, text in self._texts.items():
            if json.loads(text) == wanted:
                return schema_id
        schema_id = 100 + len(self._texts)  # not 1, 2, 3: ids must come from the registry
        self._texts[schema_id] = schema_text
        return schema_id

    async def _serve(self) -> int:
        app = web.Application()
        app.router.add_post("/subjects/{subject}/versions", self._register)
        app.router.add_post("/subjects/{subject}", self._lookup)
        app.router.add_get("/schemas/ids/{id}", self._schema)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port: int = self._runner.addresses[0][1]
        return port

    async def _register(self, request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        self.calls["register", subject] += 1
        body = await request.json()
        return _json({"id": self.add(subject, body["schema"])})

    async def _lookup(self, request: web.Request) -> web.Response:
        subject = request.match_info["subject"]
        self.calls["lookup", subject] += 1
        wanted = json.loads((await request.json())["schema"])
        with self._lock:
            if subject not in self._versions:
                return _json({"error_code": 40401, "message": "Subject not found"}, 404)
            for version, schema_id in enumerate(self._versions[subject], start=1):
                if json.loads(self._texts[schema_id]) == wanted:
                    text = self._texts[schema_id]
                    return _json(
                        {"subject": subject, "id": schema_id, "version": version, "schema": text}
                    )
        return _json({"error_code": 40403, "message": "Schema not found"}, 404)

    async def _schema(self, request: web.Request) -> web.Response:
        raw_id = request.match_info["id"]
        self.calls["schema", raw_id] += 1
        with self._lock:
            text = self._texts.get(int(raw_id))
        if text is None:
            return _json({"error_code": 40403, "message": f"Schema {raw_id} not found"}, 404)
        return _json({"schema": text})


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type=CONTENT_TYPE)
