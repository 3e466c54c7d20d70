"""The topic catalogue: the one list of topics, keys, value schemas, partitions and retention.

Topic creation (``admin``), agents, connectors, the contract docs and the dashboards all read
it. Every topic is keyed by ``customer_id`` (UTF-8) and has the same partition count, so the
topics are co-partitioned: one partition owns a customer on every topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.core.model import Channel

KEY = "customer_id (UTF-8 string)"
DAY_MS = 24 * 60 * 60 * 1000
FOREVER = -1


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    key: str
    value_schema: str | None  # Avro full name of the value record; None for the DLQ
    partitions: int
    retention_ms: int  # -1 = forever
    compacted: bool
    role: str  # "input" | "output" | "dlq" | "internal"
    description: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    aging: TopicSpec
    repayments: TopicSpec
    contact_outcomes: TopicSpec
    account_profiles: TopicSpec
    erasure_requests: TopicSpec  # input: forget a customer (right to erasure)
    segment_changes: TopicSpec
    contact_suppressed: TopicSpec
    legal_referrals: TopicSpec
    dlq: TopicSpec
    contact_due_topics: tuple[TopicSpec, ...]  # one per Channel, in Channel order
    ticks: TopicSpec  # internal: wall-clock ticks, one per partition, that drive due contacts

    def contact_due(self, channel: Channel) -> TopicSpec:
        """The topic of ``collections.contact-due.<channel.topic_suffix>.v1``."""
        return self.contact_due_topics[list(Channel).index(channel)]

    def inputs(self) -> list[TopicSpec]:
        return [t for t in self.all() if t.role == "input"]

    def outputs(self) -> list[TopicSpec]:
        return [t for t in self.all() if t.role == "output"]

    def all(self) -> list[TopicSpec]:
        return [
            self.aging,
            self.repayments,
            self.contact_outcomes,
            self.account_profiles,
            self.erasure_requests,
            self.segment_changes,
            *self.contact_due_topics,
            self.contact_suppressed,
            self.legal_referrals,
            self.dlq,
            self.ticks,
        ]

    def by_name(self, name: str) -> TopicSpec:
        """The spec of topic ``name`` (prefix included); ``KeyError`` if it is not listed."""
        for spec in self.all():
            if spec.name == name:
                return spec
        raise KeyError(name)


def catalogue(prefix: str = "", partitions: int = 6) -> Catalogue:
    """Build the catalogue; ``prefix`` is prepended verbatim to every topic name."""
    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions}")

    def spec(
        name: str, record: str | None, retention_days: int, role: str, description: str
    ) -> TopicSpec:
        compacted = retention_days == FOREVER
        return TopicSpec(
            name=f"{prefix}collections.{name}.v1",
            key=KEY,
            value_schema=None if record is None else f"collections.{record}",
            partitions=partitions,
            retention_ms=FOREVER if compacted else retention_days * DAY_MS,
            compacted=compacted,
            role=role,
            description=description,
        )

    due = tuple(
        spec(
            f"contact-due.{channel.topic_suffix}",
            "ContactDue",
            7,
            "output",
            f"Contacts due on the {channel.value} channel, for its gateway "
            "(deduplicate on contact_id).",
        )
        for channel in Channel
    )
    return Catalogue(
        aging=spec(
            "aging",
            "AgingSnapshot",
            14,
            "input",
            "Daily or intraday delinquency snapshot of each account, current accounts "
            "included so that rates have a denominator.",
        ),
        repayments=spec("repayments", "Repayment", 30, "input", "Payments received on accounts."),
        contact_outcomes=spec(
            "contact-outcomes",
            "ContactOutcome",
            30,
            "input",
            "Gateway results of contacts and callbacks, promises to pay included.",
        ),
        account_profiles=spec(
            "account-profiles",
            "AccountProfile",
            FOREVER,
            "input",
            "Compacted latest profile per customer: time zone, locale, channel opt-outs "
            "and hard stops (dispute, complaint, bankruptcy, deceased, hardship pause).",
        ),
        erasure_requests=spec(
            "erasure-requests",
            "ErasureRequest",
            30,
            "input",
            "Requests to forget a customer (right to erasure), from the CRM or "
            "`collectctl forget`: the worker deletes the customer's state, the gateways purge "
            "their records, each keeps an audit entry without personal data.",
        ),
        segment_changes=spec(
            "segment-changes",
            "SegmentChanged",
            30,
            "output",
            "Every change of an account's tier, M-bucket or customer type, cures included.",
        ),
        contact_suppressed=spec(
            "contact-suppressed",
            "ContactSuppressed",
            365,
            "output",
            "Audit of every contact the compliance gate held back, with the reason.",
        ),
        legal_referrals=spec(
            "legal-referrals",
            "LitigationReferral",
            365,
            "output",
            "Litigation referrals: customers whose every legal stage was delivered without "
            "payment or plan, with the delivered stages as evidence, for legal review.",
        ),
        dlq=spec(
            "dlq",
            None,
            30,
            "dlq",
            "Dead letters: input that could not be decoded or validated, original key and "
            "value untouched, provenance in dlq.* headers.",
        ),
        contact_due_topics=due,
        ticks=spec(
            "clock-ticks",
            None,
            1,
            "internal",
            "Event-time ticks: 8 bytes of epoch milliseconds, one per partition, that move "
            "the event clock of the owning worker through quiet periods (replays, the "
            "demo). No key. On the wall clock the worker needs none.",
        ),
    )
