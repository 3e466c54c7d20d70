"""Helpers for engine tests: records on the right partition, an in-memory committed store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from streams.contract import avro_map
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import encode
from streams.contract.partitioner import partition_of
from streams.contract.schemas import Record
from streams.core.config import load_policy
from streams.core.model import AgingSnapshot, InputEvent
from streams.core.state import CustomerState
from streams.pipeline.clock import Clock, EventClock
from streams.pipeline.emitter import Incoming
from streams.pipeline.engine import Batch, Engine
from streams.pipeline.limits import Limits
from tests.unit.contract.avro_files import avsc, single_object

PARTITIONS = 3
CAT: Catalogue = catalogue("", PARTITIONS)
T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)  # 09:00 in Shanghai
POLICY = load_policy()


def topic_for(event: InputEvent) -> str:
    return {
        "AgingSnapshot": CAT.aging.name,
        "Repayment": CAT.repayments.name,
        "ContactOutcome": CAT.contact_outcomes.name,
        "AccountProfile": CAT.account_profiles.name,
    }[type(event).__name__]


def home(customer: str) -> int:
    return partition_of(customer.encode(), PARTITIONS)


def record(event: InputEvent, offset: int = 0, value: bytes | None = None) -> Incoming:
    """``event`` as consumed: keyed by its customer, on the customer's partition."""
    raw = encode(event) if value is None else value
    return Incoming(
        topic_for(event), home(event.customer_id), offset, event.customer_id.encode(), raw
    )


def unvalidated(event: Record) -> bytes:
    """``event`` encoded without the contract's checks (to build invalid records)."""
    return single_object(avsc(type(event).__name__), avro_map.to_avro(event))


def aging(customer: str, day: int, dpd: int, overdue: int, account: str = "a1") -> AgingSnapshot:
    return AgingSnapshot(
        f"aging-{customer}-{account}-{day}",
        T0.replace(day=day),
        customer,
        account,
        date(2026, 3, day),
        dpd,
        overdue,
        1_000_000,
        "CNY",
        "cash_loan",
    )


def engine(clock: Clock | None = None, limits: Limits | None = None) -> Engine:
    return Engine(POLICY, CAT, clock or EventClock(), partitions=PARTITIONS, limits=limits)


@dataclass
class Committed:
    """What a worker would have committed: states by customer (after each batch)."""

    states: dict[str, CustomerState] = field(default_factory=dict)

    def get(self, customer: str) -> CustomerState | None:
        return self.states.get(customer)

    def commit(self, work: Batch) -> Batch:
        for customer, (_partition, state) in work.writes.items():
            if state is None:
                self.states.pop(customer, None)
            else:
                self.states[customer] = state
        return work
