"""Turn the core's outputs into Kafka records (topic, key, value, headers) and count them."""

from __future__ import annotations

from collections.abc import Iterable
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

Headers = list[tuple[str, bytes]]


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


class Emitter:
    def __init__(self, catalogue: Catalogue, metrics: PipelineMetrics | None) -> None:
        self.catalogue = catalogue
        self.metrics = metrics

    def outputs(
        self, outputs: Iterable[Output], customer_id: str, source: Incoming | None
    ) -> list[Emit]:
        key = customer_id.encode()
        emits: list[Emit] = []
        m = self.metrics
        for out in outputs:
            if isinstance(out, SegmentChanged):
                emits.append(Emit(self.catalogue.segment_changes.name, key, encode(out)))
            elif isinstance(out, ContactDue):
                emits.append(Emit(self.catalogue.contact_due(out.channel).name, key, encode(out)))
                if m is not None:
                    m.record_contact(out.channel)
            elif isinstance(out, LitigationReferral):
                emits.append(Emit(self.catalogue.legal_referrals.name, key, encode(out)))
            elif isinstance(out, ContactSuppressed):
                emits.append(Emit(self.catalogue.contact_suppressed.name, key, encode(out)))
                if m is not None:
                    m.record_suppressed(out.contact.channel, out.reason)
            elif isinstance(out, ContactDeferred):
                if m is not None:
                    m.record_deferred(out.channel, out.reason)
            elif isinstance(out, PromiseResolved):
                if m is not None:
                    m.record_promise(out.status)
            elif isinstance(out, DeadLetter) and source is not None:
                emits.append(
                    self.dead_letter(source, "policy", out.reason, out.message, "PolicyRefusal")
                )
        return emits

    def dead_letter(
        self, msg: Incoming, stage: str, reason: str, message: str, error_class: str
    ) -> Emit:
        """The original key and value, untouched, with headers saying where and why."""
        if self.metrics is not None:
            self.metrics.record_dead_letter(reason)
        headers = dead_letter_headers(
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            stage=stage,
            error_class=error_class,
            message=message,
            reason=reason,
        )
        return Emit(self.catalogue.dlq.name, msg.key, msg.value, (msg.headers or []) + headers)

    def count_accounts(
        self, partition: int, before: CustomerState | None, after: CustomerState
    ) -> None:
        """Feed the portfolio gauges and flow counters with every account that changed."""
        assert self.metrics is not None
        old = before.accounts if before is not None else {}
        for account_id, account in after.accounts.items():
            prev = old.get(account_id)
            if prev is account or prev == account:
                continue
            self.metrics.account_changed(
                partition,
                f"{after.customer_id}/{account_id}",
                figures(prev) if prev is not None else None,
                figures(account),
            )


def figures(account: AccountState) -> AccountFigures:
    return AccountFigures(
        tier=account.tier,
        bucket=account.bucket,
        days_past_due=account.days_past_due,
        overdue_amount=account.overdue_amount,
        outstanding_balance=account.outstanding_balance,
        currency=account.currency,
    )
