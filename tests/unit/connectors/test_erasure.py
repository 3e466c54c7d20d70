"""Erasure at the gateway: stores purged, erased customers not contacted, audit without ids."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from connectors.contact_handler import ContactHandler, Disposition, Incoming
from connectors.delivered_store import DeliveredStore
from connectors.erasure_audit import ErasureAudit
from connectors.filesink import FileSinkGateway
from connectors.metrics import GatewayMetrics
from streams.contract.codec import encode
from streams.contract.examples import ERASURE_REQUEST
from streams.core.model import Channel
from tests.unit.connectors.factories import NOW, contact_due
from tests.unit.connectors.test_contact_handler import CATALOGUE, FakeEmitter


class Erasing:
    def __init__(self, tmp_path: Path) -> None:
        self.sink_path = tmp_path / "sms.jsonl"
        self.sink = FileSinkGateway(self.sink_path)
        self.store = DeliveredStore(tmp_path / "delivered.sqlite")
        self.audit = ErasureAudit(tmp_path / "erasure-audit.jsonl")
        self.emitter = FakeEmitter()
        self.handler = ContactHandler(
            gateways={Channel.SMS: self.sink},
            catalogue=CATALOGUE,
            emitter=self.emitter,
            store=self.store,
            metrics=GatewayMetrics(CollectorRegistry()),
            now=lambda: NOW,
            audit=self.audit,
        )

    async def contact(self, contact_id: str, customer_id: str, offset: int = 0) -> Disposition:
        value = encode(contact_due(contact_id, customer_id=customer_id))
        topic = CATALOGUE.contact_due(Channel.SMS).name
        return await self.handler.handle(Incoming(topic, 0, offset, customer_id.encode(), value))

    async def erase(self, customer_id: str) -> Disposition:
        request = encode(ERASURE_REQUEST.__class__(
            event_id="erase-1", occurred_at=NOW, customer_id=customer_id, source="crm"
        ))  # fmt: skip
        topic = CATALOGUE.erasure_requests.name
        return await self.handler.handle(Incoming(topic, 0, 0, customer_id.encode(), request))


async def test_an_erasure_purges_the_store_and_the_file_and_audits_without_the_id(
    tmp_path: Path,
) -> None:
    rig = Erasing(tmp_path)
    await rig.contact("c-1", "cust-gone")
    await rig.contact("c-2", "cust-stays")
    assert await rig.erase("cust-gone") is Disposition.ERASED
    assert rig.store.get("c-1") is None and rig.store.get("c-2") is not None
    assert "cust-gone" not in rig.sink_path.read_text()
    assert "cust-stays" in rig.sink_path.read_text()
    [line] = rig.audit.path.read_text().splitlines()
    entry = json.loads(line)
    assert (entry["event_id"], entry["component"]) == ("erase-1", "gateway-sms")
    assert entry["purged"] == {"delivered_store": 1, "sms_adapter": 1}
    assert "cust-gone" not in line


async def test_a_contact_for_an_erased_customer_still_on_the_topic_is_not_delivered(
    tmp_path: Path,
) -> None:
    rig = Erasing(tmp_path)
    await rig.erase("cust-gone")
    assert await rig.contact("c-9", "cust-gone") is Disposition.ERASED_CUSTOMER
    assert not rig.sink_path.exists() or "cust-gone" not in rig.sink_path.read_text()


def test_no_trace_of_the_customer_is_left_in_the_store_file(tmp_path: Path) -> None:
    store = DeliveredStore(tmp_path / "d.sqlite")
    store.record_delivered("c-1", "sms", NOW, "cust-gone-4711")
    store.record_delivered("c-2", "sms", NOW, "cust-stays-0815")
    store.forget("cust-gone-4711", NOW)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # database, WAL, shm
    assert b"cust-gone-4711" not in raw  # secure_delete + checkpoint: overwritten, not kept
    assert b"cust-stays-0815" in raw  # (the check can see a customer id)
    store.close()


def test_retention_removes_old_deliveries_and_expired_erasures(tmp_path: Path) -> None:
    store = DeliveredStore(tmp_path / "d.sqlite")
    store.record_delivered("old", "sms", NOW - timedelta(days=31), "a")
    store.record_delivered("new", "sms", NOW - timedelta(days=1), "b")
    store.forget("gone", NOW - timedelta(days=9))
    assert store.purge(NOW, timedelta(days=30)) == 1
    assert (store.get("old"), store.get("new") is not None) == (None, True)
    assert not store.is_erased("gone")


def test_a_store_from_before_erasure_support_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE delivered (contact_id TEXT PRIMARY KEY, channel TEXT NOT NULL,"
        " delivered_at TEXT NOT NULL, reported INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute("INSERT INTO delivered VALUES ('c-0', 'sms', ?, 1)", (NOW.isoformat(),))
    db.commit()
    db.close()
    store = DeliveredStore(path)
    store.record_delivered("c-1", "sms", NOW, "cust-1")
    assert store.get("c-0") is not None and store.forget("cust-1", NOW) == 1
