"""The door: every consumed record is checked and decoded once, before it is ordered or applied.

A record either becomes an input event (or an event-time tick) or is refused with a
dead-letter reason; nothing raises past this point except a schema-registry outage
(``RegistryError``), which is not the record's fault and is retried by the worker.

Checks, in order: known topic; not a tombstone; size; a key that is a plausible customer id
(keyless input would be stored under the arrival partition and split the customer); the key
hashing to the partition the record arrived on; Avro decoding and the contract's
validation; the key equal to the record's ``customer_id``.

Fail closed: a refused record on the profile or outcome topic may have been protective (a
hard stop, an opt-out, a dispute). When its body can still be read, the facts that restrict
contact are kept for the engine to apply (``protection``); when it cannot be read at all,
the customer named by its key is held (no contact) until a valid profile arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from streams.contract.catalogue import Catalogue
from streams.contract.codec import DecodeError, decode, decode_unvalidated
from streams.contract.partitioner import partition_of
from streams.contract.validation import MAX_ID_CHARS
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Channel,
    ContactOutcome,
    ErasureRequest,
    HardStop,
    InputEvent,
    Outcome,
    Repayment,
)
from streams.pipeline.clock import MalformedTickError, tick_time
from streams.pipeline.emitter import Incoming
from streams.pipeline.limits import Limits


@dataclass(frozen=True, slots=True)
class Tick:
    """An event-time tick: the partition's clock moves to ``at``."""

    at: datetime


@dataclass(frozen=True, slots=True)
class Refusal:
    stage: str  # routing | decode | validation | engine | policy
    reason: str  # bounded vocabulary, a metric label
    message: str
    error_class: str


@dataclass(frozen=True, slots=True)
class Protection:
    """What a refused record said that restricts contact, for ``core.protection.protect``."""

    customer_id: str
    hard_stops: frozenset[HardStop]
    opt_outs: frozenset[Channel]
    source: Literal["profile", "outcome"]


@dataclass(frozen=True, slots=True)
class Admitted:
    msg: Incoming
    # None: refused, or nothing to do (an empty tick, a profile tombstone)
    event: InputEvent | ErasureRequest | Tick | None = None
    refusal: Refusal | None = None
    protection: Protection | None = None  # apply although the record is refused
    hold: str | None = None  # hold this customer: unreadable protective input

    @property
    def at(self) -> datetime | None:
        """Event time, for ordering; None for what has none (refusals, empty ticks) or must
        not wait for it (an erasure request is carried out as soon as it is read)."""
        if self.event is None or isinstance(self.event, ErasureRequest):
            return None
        return self.event.at if isinstance(self.event, Tick) else self.event.occurred_at


def _refused(msg: Incoming, stage: str, reason: str, text: str, error: str) -> Admitted:
    return Admitted(msg, refusal=Refusal(stage, reason, text, error))


class Door:
    def __init__(self, catalogue: Catalogue, partitions: int, limits: Limits) -> None:
        self.partitions = partitions
        self.limits = limits
        self.tick_topic = catalogue.ticks.name
        self.types: Mapping[str, type[InputEvent | ErasureRequest]] = {
            catalogue.aging.name: AgingSnapshot,
            catalogue.repayments.name: Repayment,
            catalogue.contact_outcomes.name: ContactOutcome,
            catalogue.account_profiles.name: AccountProfile,
            catalogue.erasure_requests.name: ErasureRequest,
        }
        self.profiles = catalogue.account_profiles.name
        self.protective = {catalogue.account_profiles.name, catalogue.contact_outcomes.name}

    def admit(self, msg: Incoming) -> Admitted:
        if msg.topic == self.tick_topic:
            return self._tick(msg)
        expected = self.types.get(msg.topic)
        if expected is None:
            return _refused(msg, "routing", "unknown_topic", msg.topic, "RoutingError")
        if msg.topic == self.profiles and msg.value is None and msg.key:
            return Admitted(msg)  # a profile tombstone (compaction, or an erasure): no news
        problem = self._frame(msg)
        if problem is not None:
            return self._with_hold(msg, problem)
        assert msg.value is not None and msg.key is not None
        try:
            event = decode(msg.value, expected)
        except DecodeError as exc:
            refused = _refused(msg, "decode", exc.reason, str(exc), type(exc).__name__)
            return self._salvage(msg, refused, expected)
        if msg.key != event.customer_id.encode():
            text = f"message key {_show(msg.key)} is not the customer_id {event.customer_id!r}"
            refused = _refused(msg, "validation", "key_mismatch", text, "ValidationError")
            return self._protect_from(msg, refused, event)
        return Admitted(msg, event)

    # ------------------------------------------------------------------ internals

    def _tick(self, msg: Incoming) -> Admitted:
        try:
            at = tick_time(msg.value)
        except MalformedTickError as exc:
            return _refused(msg, "decode", "malformed_tick", str(exc), "MalformedTickError")
        return Admitted(msg, None if at is None else Tick(at))

    def _frame(self, msg: Incoming) -> Refusal | None:
        """What is wrong with the record before its body is read, if anything."""
        if not msg.value:
            return Refusal("decode", "undecodable", "empty value (tombstone)", "DecodeError")
        if len(msg.value) > self.limits.max_input_bytes:
            text = f"{len(msg.value)} bytes, above the limit of {self.limits.max_input_bytes}"
            return Refusal("validation", "too_large", text, "ValidationError")
        if not msg.key:
            return Refusal(
                "validation", "missing_key", "no key: expected the customer id", "ValidationError"
            )
        if len(msg.key) > self.limits.max_key_bytes:
            text = f"key of {len(msg.key)} bytes, above the limit of {self.limits.max_key_bytes}"
            return Refusal("validation", "bad_key", text, "ValidationError")
        expected = partition_of(msg.key, self.partitions)
        if expected != msg.partition:
            text = (
                f"key {_show(msg.key)} belongs on partition {expected}, arrived on "
                f"{msg.partition} (producers must use the murmur2 partitioner)"
            )
            return Refusal("validation", "wrong_partition", text, "ValidationError")
        return None

    def _with_hold(self, msg: Incoming, problem: Refusal) -> Admitted:
        """A refused record that cannot be read: hold its customer if it may have protected."""
        hold = None
        if msg.topic in self.protective and problem.reason not in ("missing_key", "bad_key"):
            hold = self._key_customer(msg)
        return Admitted(msg, refusal=problem, hold=hold)

    def _salvage(
        self, msg: Incoming, refused: Admitted, expected: type[InputEvent | ErasureRequest]
    ) -> Admitted:
        """Decoding failed: on a protective topic, keep what the body says, or hold."""
        if msg.topic not in self.protective:
            return refused
        assert msg.value is not None
        try:
            record = decode_unvalidated(msg.value)
        except DecodeError:
            record = None
        if isinstance(record, expected):
            return self._protect_from(msg, refused, record)
        return Admitted(msg, refusal=refused.refusal, hold=self._key_customer(msg))

    def _protect_from(self, msg: Incoming, refused: Admitted, record: object) -> Admitted:
        protection = protection_of(record)
        if protection is None or not self._ours(protection.customer_id, msg.partition):
            if msg.topic in self.protective and _may_protect(record):
                return Admitted(msg, refusal=refused.refusal, hold=self._key_customer(msg))
            return refused
        return Admitted(msg, refusal=refused.refusal, protection=protection)

    def _ours(self, customer_id: str, partition: int) -> bool:
        """A plausible customer id that lives on ``partition`` (its state is ours to change)."""
        if not customer_id.strip() or len(customer_id) > MAX_ID_CHARS:
            return False
        return partition_of(customer_id.encode(), self.partitions) == partition

    def _key_customer(self, msg: Incoming) -> str | None:
        """The customer the key names, if it is a plausible id that lives on this partition."""
        if not msg.key or len(msg.key) > self.limits.max_key_bytes:
            return None
        try:
            customer = msg.key.decode()
        except UnicodeDecodeError:
            return None
        if not customer.strip() or partition_of(msg.key, self.partitions) != msg.partition:
            return None
        return customer


def protection_of(record: object) -> Protection | None:
    """The contact-restricting facts of a (possibly invalid) profile or outcome."""
    if isinstance(record, AccountProfile):
        if not (record.hard_stops or record.opt_outs):
            return None
        return Protection(record.customer_id, record.hard_stops, record.opt_outs, "profile")
    if isinstance(record, ContactOutcome):
        if record.outcome is Outcome.OPT_OUT:
            return Protection(
                record.customer_id, frozenset(), frozenset({record.channel}), "outcome"
            )
        if record.outcome is Outcome.DISPUTE:
            return Protection(
                record.customer_id, frozenset({HardStop.DISPUTE}), frozenset(), "outcome"
            )
    return None


def _may_protect(record: object) -> bool:
    return protection_of(record) is not None


def _show(key: bytes | None) -> str:
    if key is None:
        return "None"
    text = repr(key[:64])
    return text + ("..." if len(key) > 64 else "")
