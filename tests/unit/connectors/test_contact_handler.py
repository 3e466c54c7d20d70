from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from connectors.base import DeliveryResult, Gateway
from connectors.contact_handler import ContactHandler, Disposition, Incoming
from connectors.delivered_store import DeliveredStore
from connectors.metrics import GatewayMetrics
from streams.contract.catalogue import catalogue
from streams.contract.codec import decode, encode
from streams.core.model import Channel, ContactDue, ContactOutcome, Outcome
from streams.settings import ClockMode
from tests.unit.connectors.factories import NOW, contact_due

CATALOGUE = catalogue("t-")


class FakeEmitter:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, dict[str, bytes]]] = []

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        self.sent.append((topic, key, value, dict(headers)))

    def outcomes(self) -> list[ContactOutcome]:
        topic = CATALOGUE.contact_outcomes.name
        return [decode(v or b"", ContactOutcome) for t, _, v, _ in self.sent if t == topic]

    def dead_letters(self) -> list[tuple[bytes | None, bytes | None, dict[str, bytes]]]:
        return [(k, v, h) for t, k, v, h in self.sent if t == CATALOGUE.dlq.name]


class ScriptedGateway(Gateway):
    def __init__(self, *results: DeliveryResult) -> None:
        self.results = list(results)
        self.delivered: list[str] = []

    async def deliver(self, contact: ContactDue) -> DeliveryResult:
        self.delivered.append(contact.contact_id)
        return self.results.pop(0) if self.results else DeliveryResult.delivered()


class Rig:
    def __init__(self, tmp_path: Path, gateway: Gateway, clock: ClockMode = "wall") -> None:
        self.registry = CollectorRegistry()
        self.emitter = FakeEmitter()
        self.store = DeliveredStore(tmp_path / "delivered.sqlite")
        self.handler = ContactHandler(
            gateways={Channel.SMS: gateway},
            catalogue=CATALOGUE,
            emitter=self.emitter,
            store=self.store,
            metrics=GatewayMetrics(self.registry),
            now=lambda: NOW,
            clock=clock,
        )

    async def handle(self, value: bytes, offset: int = 0) -> Disposition:
        topic = CATALOGUE.contact_due(Channel.SMS).name
        return await self.handler.handle(Incoming(topic, 2, offset, b"cust-1", value))

    def count(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


@pytest.fixture
def gateway() -> ScriptedGateway:
    return ScriptedGateway()


@pytest.fixture
def rig(tmp_path: Path, gateway: ScriptedGateway) -> Rig:
    return Rig(tmp_path, gateway)


async def test_a_delivered_contact_is_stored_and_reported_as_delivered(
    rig: Rig, gateway: ScriptedGateway
) -> None:
    assert await rig.handle(encode(contact_due("c-1"))) is Disposition.DELIVERED
    assert gateway.delivered == ["c-1"]
    [outcome] = rig.emitter.outcomes()
    assert (outcome.event_id, outcome.outcome, outcome.contact_id) == (
        "c-1:delivered",
        Outcome.DELIVERED,
        "c-1",
    )
    record = rig.store.get("c-1")
    assert record is not None and record.reported
    labels = {"channel": "sms", "result": "delivered"}
    assert rig.count("collections_gateway_deliveries_total", **labels) == 1


async def test_a_contact_id_seen_before_is_not_delivered_again(
    rig: Rig, gateway: ScriptedGateway
) -> None:
    await rig.handle(encode(contact_due("c-1")))
    assert await rig.handle(encode(contact_due("c-1")), offset=1) is Disposition.DUPLICATE
    assert gateway.delivered == ["c-1"]
    assert len(rig.emitter.outcomes()) == 1
    labels = {"channel": "sms", "result": "duplicate"}
    assert rig.count("collections_gateway_deliveries_total", **labels) == 1


async def test_a_delivery_never_reported_is_reported_on_the_duplicate(
    rig: Rig, gateway: ScriptedGateway
) -> None:
    rig.store.record_delivered("c-1", "sms", NOW)  # crashed before publishing the outcome
    assert await rig.handle(encode(contact_due("c-1"))) is Disposition.DUPLICATE
    assert gateway.delivered == []
    assert [o.event_id for o in rig.emitter.outcomes()] == ["c-1:delivered"]


async def test_an_expired_contact_is_dropped_and_counted(
    rig: Rig, gateway: ScriptedGateway
) -> None:
    late = contact_due(
        "c-1", due_at=NOW - timedelta(hours=5), expires_at=NOW - timedelta(seconds=1)
    )
    assert await rig.handle(encode(late)) is Disposition.EXPIRED
    assert gateway.delivered == []
    assert rig.emitter.sent == []
    assert rig.count("collections_gateway_expired_total", channel="sms") == 1


async def test_on_the_wall_clock_the_delivered_outcome_is_stamped_now(rig: Rig) -> None:
    await rig.handle(encode(contact_due("c-1", due_at=NOW + timedelta(days=40))))
    assert [o.occurred_at for o in rig.emitter.outcomes()] == [NOW]


async def test_on_the_event_clock_a_contact_is_made_at_its_own_due_time(
    tmp_path: Path, gateway: ScriptedGateway
) -> None:
    # simulated time: weeks away from the wall clock, in either direction
    rig = Rig(tmp_path, gateway, clock="event")
    ahead = contact_due("c-1", due_at=NOW + timedelta(days=40))
    behind = contact_due("c-2", due_at=NOW - timedelta(days=40))
    assert await rig.handle(encode(ahead)) is Disposition.DELIVERED
    # long expired on the wall clock, not at its own time (the contract keeps expires_at
    # at or after due_at, so on the event clock nothing expires)
    assert await rig.handle(encode(behind), offset=1) is Disposition.DELIVERED
    stamps = {o.contact_id: o.occurred_at for o in rig.emitter.outcomes()}
    assert stamps == {"c-1": ahead.due_at, "c-2": behind.due_at}


async def test_on_the_event_clock_a_refused_contact_is_reported_failed_at_its_due_time(
    tmp_path: Path,
) -> None:
    refusing = ScriptedGateway(DeliveryResult.permanent("http_422", "bad phone"))
    rig = Rig(tmp_path, refusing, clock="event")
    later = contact_due("c-1", due_at=NOW + timedelta(days=3))
    assert await rig.handle(encode(later)) is Disposition.DEAD_LETTERED
    assert [(o.outcome, o.occurred_at) for o in rig.emitter.outcomes()] == [
        (Outcome.FAILED, later.due_at)
    ]


async def test_a_permanent_failure_goes_to_the_dlq_and_is_reported_failed(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, ScriptedGateway(DeliveryResult.permanent("http_422", "bad phone")))
    value = encode(contact_due("c-1"))
    assert await rig.handle(value, offset=7) is Disposition.DEAD_LETTERED
    [(key, dead_value, headers)] = rig.emitter.dead_letters()
    assert (key, dead_value) == (b"cust-1", value)
    assert headers["dlq.reason"] == b"http_422"
    assert headers["dlq.stage"] == b"gateway"
    assert headers["dlq.original.offset"] == b"7"
    assert [o.outcome for o in rig.emitter.outcomes()] == [Outcome.FAILED]
    assert "c-1" not in rig.store


async def test_a_retryable_failure_records_and_reports_nothing(tmp_path: Path) -> None:
    rig = Rig(tmp_path, ScriptedGateway(DeliveryResult.retryable("http_503")))
    assert await rig.handle(encode(contact_due("c-1"))) is Disposition.RETRY
    assert rig.emitter.sent == []
    assert "c-1" not in rig.store


async def test_undecodable_bytes_go_to_the_dlq_with_the_codec_reason(rig: Rig) -> None:
    assert await rig.handle(b"not avro") is Disposition.DEAD_LETTERED
    [(_, value, headers)] = rig.emitter.dead_letters()
    assert value == b"not avro"
    assert headers["dlq.reason"] == b"undecodable"
    labels = {"channel": "sms", "reason": "undecodable"}
    assert rig.count("collections_gateway_dead_letters_total", **labels) == 1


async def test_a_contact_for_a_channel_without_gateway_goes_to_the_dlq(rig: Rig) -> None:
    value = encode(contact_due("c-1", channel=Channel.IVR))
    assert await rig.handle(value) is Disposition.DEAD_LETTERED
    [(_, _, headers)] = rig.emitter.dead_letters()
    assert headers["dlq.reason"] == b"no_gateway"


async def test_a_letter_accepted_for_legal_review_is_not_reported_delivered(
    rig: Rig, gateway: ScriptedGateway
) -> None:
    letter = replace(contact_due("c-9"), review_required=True)
    assert await rig.handle(encode(letter)) is Disposition.DELIVERED
    assert gateway.delivered == ["c-9"]
    assert rig.emitter.outcomes() == []  # the letter service reports delivery by callback
    record = rig.store.get("c-9")
    assert record is not None and record.reported
    assert await rig.handle(encode(letter), offset=1) is Disposition.DUPLICATE
    assert rig.emitter.outcomes() == []
