"""Turn the core's outputs into Kafka records (topic, key, value, headers) and count them.

Counting is *staged*: each count is a small function of the metrics appended to the
transaction's list, applied only once the transaction has committed, so a batch that is
aborted and retried is never counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from streams.contract.catalogue import Catalogue
from streams.contract.codec import encode
from streams.contract.dlq import dead_letter_headers
from streams.core.model import (
    ContactDeferred,
    ContactDue,
    ContactSuppressed,
    DeadLetter,
    LitigationReferral,
    Output,
    PromiseResolved,
    SegmentChanged,
)
from streams.core.state import AccountState, CustomerState
from streams.metrics.figures import AccountFigures
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.limits import Limits

Headers = list[tuple[str, bytes]]
MetricOp = Callable[[PipelineMetrics], None]


def count(method: Callable[..., None], *args: object) -> MetricOp:
    """A staged count: ``method(metrics, *args)``, run once the transaction has committed."""
    return lambda metrics: method(metrics, *args)


HEADER_ORIGINAL_SIZE = "dlq.original.size"
HEADER_TRUNCATED = "dlq.truncated"
HEADER_HEADERS_DROPPED = "dlq.headers.dropped"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One consumed record, as the engine sees it (no framework types)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers | None = None


@dataclass(frozen=True, slots=True)
class Emit:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers | None = None
    partition: int | None = None  # None: by key (murmur2)


class Emitter:
    def __init__(self, catalogue: Catalogue, limits: Limits | None = None) -> None:
        self.catalogue = catalogue
        self.limits = limits or Limits()

    def outputs(
        self,
        outputs: Iterable[Output],
        customer_id: str,
        source: Incoming | None,
        ops: list[MetricOp] | None,
    ) -> list[Emit]:
        key = customer_id.encode()
        emits: list[Emit] = []
        for out in outputs:
            if isinstance(out, SegmentChanged):
                emits.append(Emit(self.catalogue.segment_changes.name, key, encode(out)))
            elif isinstance(out, ContactDue):
                emits.append(Emit(self.catalogue.contact_due(out.channel).name, key, encode(out)))
                if ops is not None:
                    ops.append(count(PipelineMetrics.record_contact, out.channel))
            elif isinstance(out, LitigationReferral):
                emits.append(Emit(self.catalogue.legal_referrals.name, key, encode(out)))
            elif isinstance(out, ContactSuppressed):
                emits.append(Emit(self.catalogue.contact_suppressed.name, key, encode(out)))
                if ops is not None:
                    ops.append(
                        count(PipelineMetrics.record_suppressed, out.contact.channel, out.reason)
                    )
            elif isinstance(out, ContactDeferred):
                if ops is not None:
                    ops.append(count(PipelineMetrics.record_deferred, out.channel, out.reason))
            elif isinstance(out, PromiseResolved):
                if ops is not None:
                    ops.append(count(PipelineMetrics.record_promise, out.status))
            elif isinstance(out, DeadLetter) and source is not None:
                emits.append(
                    self.dead_letter(
                        source, "policy", out.reason, out.message, "PolicyRefusal", ops
                    )
                )
        return emits

    def dead_letter(
        self,
        msg: Incoming,
        stage: str,
        reason: str,
        message: str,
        error_class: str,
        ops: list[MetricOp] | None,
    ) -> Emit:
        """The original key and value with headers saying where and why; a value above the
        limit is cut (and says its original size), so a dead letter always fits the broker."""
        if ops is not None:
            ops.append(count(PipelineMetrics.record_dead_letter, reason))
        headers = dead_letter_headers(
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            stage=stage,
            error_class=error_class,
            message=message,
            reason=reason,
        )
        value = msg.value
        limit = self.limits.max_dead_letter_value_bytes
        if value is not None and len(value) > limit:
            headers.append((HEADER_ORIGINAL_SIZE, str(len(value)).encode()))
            headers.append((HEADER_TRUNCATED, b"true"))
            value = value[:limit]
        key = msg.key[: self.limits.max_key_bytes * 4] if msg.key is not None else None
        return Emit(self.catalogue.dlq.name, key, value, _kept(msg.headers, headers, self.limits))


def _kept(original: Headers | None, ours: Headers, limits: Limits) -> Headers:
    """The original headers that fit the header budget, then ours."""
    kept: Headers = []
    budget = limits.max_dead_letter_header_bytes
    dropped = 0
    for name, value in original or []:
        size = len(name) + len(value or b"")
        if size > budget:
            dropped += 1
            continue
        budget -= size
        kept.append((name, value or b""))
    if dropped:
        ours.append((HEADER_HEADERS_DROPPED, str(dropped).encode()))
    return kept + ours


def account_ops(
    partition: int, before: CustomerState | None, after: CustomerState
) -> list[MetricOp]:
    """Portfolio gauges and flow counters for every account that changed."""
    old = before.accounts if before is not None else {}
    ops: list[MetricOp] = []
    for account_id, account in after.accounts.items():
        prev = old.get(account_id)
        if prev is account or prev == account:
            continue
        key = f"{after.customer_id}/{account_id}"
        was = figures(prev) if prev is not None else None
        now = figures(account)
        ops.append(count(PipelineMetrics.account_changed, partition, key, was, now))
    return ops


def gone_ops(partition: int, before: CustomerState) -> list[MetricOp]:
    """The customer's accounts leave the portfolio gauges (an erasure)."""
    return [
        count(
            PipelineMetrics.account_changed,
            partition,
            f"{before.customer_id}/{account_id}",
            figures(account),
            None,
        )
        for account_id, account in before.accounts.items()
    ]


def figures(account: AccountState) -> AccountFigures:
    return AccountFigures(
        tier=account.tier,
        bucket=account.bucket,
        days_past_due=account.days_past_due,
        overdue_amount=account.overdue_amount,
        outstanding_balance=account.outstanding_balance,
        currency=account.currency,
    )
