"""A schema-registry outage met while the worker decodes a new schema id is an outage, not a
bad record: the batch is not committed (nothing dead-lettered, no offset moved), it is
retried, counted, and applied once the registry answers again.

The outage is a TCP proxy in front of the real registry (Apicurio) that stops forwarding:
the registry keeps its in-memory schemas, as a real one behind a failed network would."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.serialization import MessageField, SerializationContext

from streams.contract.avro_map import to_avro
from streams.contract.examples import AGING
from streams.contract.producer import producer_config
from streams.contract.registry import use_registry
from streams.core.model import SegmentChanged
from tests.integration.pipeline_harness import Reader, pipeline_settings, topics_for
from tests.integration.test_schema_registry import aging_schema, client_of, serializer, with_field
from tests.integration.worker_process import WorkerProcess, committed_lag
from tests.schema_registry import COMPAT_PATH, Registry

pytestmark = pytest.mark.kafka
RETRIES = 'collections_batch_retries_total{reason="registry"}'


class Proxy:
    """Forwards 127.0.0.1:<port> to the registry while up; ``down()`` cuts every open
    connection (clients keep theirs alive) and refuses new ones until ``restore()``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.up = threading.Event()
        self.up.set()
        self.live: list[socket.socket] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def down(self) -> None:
        self.up.clear()
        for conn in self.live:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.live.clear()

    def restore(self) -> None:
        self.up.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()  # the network is down
                continue
            upstream = socket.create_connection(self.target)
            self.live += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()

    def close(self) -> None:
        self.server.close()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for end in (src, dst):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy(schema_registry: Registry) -> Iterator[Proxy]:
    host_port = schema_registry.url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    p = Proxy((host, int(port)))
    yield p
    p.close()


def test_an_unreachable_registry_holds_the_batch_until_it_answers(
    kafka_bootstrap: str,
    unique_name: Callable[[], str],
    tmp_path: Path,
    proxy: Proxy,
    schema_registry: Registry,
) -> None:
    settings = replace(
        pipeline_settings(kafka_bootstrap, unique_name(), tmp_path),
        schema_registry_url=f"http://127.0.0.1:{proxy.port}{COMPAT_PATH}",
        partitions=1,
    )
    cat = topics_for(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready(timeout=120)
        # another team's producer registers a new version (a new id the worker never met)
        theirs = with_field(aging_schema(), {"name": "branch", "type": "string", "default": ""})
        context = SerializationContext(cat.aging.name, MessageField.VALUE)
        value = serializer(client_of(schema_registry.url), theirs)(
            to_avro(AGING) | {"branch": "Shenzhen"}, context
        )
        proxy.down()  # the registry is unreachable from the worker from now on
        producer = Producer(producer_config(kafka_bootstrap))
        producer.produce(cat.aging.name, key=AGING.customer_id.encode(), value=value)
        assert producer.flush(30) == 0
        inputs = [t.name for t in cat.inputs()]

        def lag() -> int:
            return committed_lag(kafka_bootstrap, settings.app_id, inputs, settings.partitions)

        _await(lambda: worker.metric(RETRIES) >= 2, "the worker to retry the batch")
        assert lag() == 1, "the record's offset moved while it could not be decoded"
        assert worker.get("/ready")[0] == 503
        proxy.restore()
        _await(lambda: lag() == 0, "the record to be applied once the registry answers")
        use_registry(schema_registry.url)  # the worker's outputs are in the wire format too
        try:
            reader = Reader(kafka_bootstrap, [cat.dlq.name, cat.segment_changes.name], 1)
            reader.drain()
            assert [r for r in reader.records if r[0] == cat.dlq.name] == []
            [change] = reader.of_type(SegmentChanged)
            assert change.customer_id == AGING.customer_id
            reader.close()
        finally:
            use_registry(None)
    finally:
        assert worker.stop() == 0


def _await(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
