"""Read a worker's or gateway's ``/metrics`` into the few figures the live view shows."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from streams.core.model import Channel, Tier

SCRAPE_TIMEOUT_S = 2.0
DELINQUENT = (Tier.MILD, Tier.MODERATE, Tier.HEAVY, Tier.SEVERE)


def fetch(url: str) -> str | None:
    """The body of ``url``, or None if the process cannot be scraped (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=SCRAPE_TIMEOUT_S) as resp:  # noqa: S310
            body: bytes = resp.read()
            return body.decode("utf-8")
    except (urllib.error.URLError, OSError):
        return None


@dataclass
class Samples:
    """Sample values by metric name, summed over every label except the one asked for."""

    by_name: dict[str, list[tuple[dict[str, str], float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @classmethod
    def parse(cls, text: str) -> Samples:
        samples = cls()
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                samples.by_name[s.name].append((dict(s.labels), float(s.value)))
        return samples

    def total(self, name: str, **match: str) -> float:
        return sum(
            value
            for labels, value in self.by_name.get(name, [])
            if all(labels.get(k) == v for k, v in match.items())
        )

    def pairs(self, name: str) -> dict[str, float]:
        """``"<variant> <tier>"`` -> value, for the variant-labelled flow counters."""
        out: dict[str, float] = defaultdict(float)
        for labels, value in self.by_name.get(name, []):
            if "variant" in labels and "tier" in labels:
                out[f"{labels['variant']} {labels['tier']}"] += value
        return dict(out)

    def by(self, name: str, label: str, **match: str) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for labels, value in self.by_name.get(name, []):
            if label in labels and all(labels.get(k) == v for k, v in match.items()):
                out[labels[label]] += value
        return dict(out)


@dataclass(frozen=True)
class WorkerFigures:
    """What the live view shows from one worker scrape."""

    accounts: dict[str, float]  # tier -> accounts
    entered: dict[str, float]  # tier -> accounts that entered it (since the worker started)
    recovered: dict[str, float]  # tier -> accounts that got back to current from it
    contacts: dict[str, float]  # channel -> contacts emitted
    suppressed: dict[str, float]  # reason -> contacts held back
    deferred: float
    dead_letters: float
    events: dict[str, float]  # topic -> events processed
    promises_made: float
    promises: dict[str, float]  # kept / broken
    buckets: dict[str, float] = field(default_factory=dict)  # M-bucket -> accounts
    # the managers' KPIs (streams/metrics/kpis.py)
    variant_entered: dict[str, float] = field(default_factory=dict)  # "variant tier" -> n
    variant_recovered: dict[str, float] = field(default_factory=dict)
    connected: dict[str, float] = field(default_factory=dict)  # channel -> contacts
    right_party: dict[str, float] = field(default_factory=dict)
    new_delinquent: dict[str, float] = field(default_factory=dict)  # customer type -> n
    plans: dict[str, float] = field(default_factory=dict)  # agreed / completed / broken
    instalments: dict[str, float] = field(default_factory=dict)  # kept / broken
    referrals: float = 0.0

    @classmethod
    def from_text(cls, text: str) -> WorkerFigures:
        s = Samples.parse(text)
        return cls(
            accounts=s.by("collections_portfolio_accounts", "tier"),
            entered=s.by("collections_tier_entered_accounts_total", "tier"),
            recovered=s.by("collections_tier_recovered_accounts_total", "tier"),
            contacts=s.by("collections_contacts_emitted_total", "channel"),
            suppressed={
                k: v
                for k, v in s.by("collections_contacts_suppressed_total", "reason").items()
                if v
            },
            deferred=s.total("collections_contacts_deferred_total"),
            dead_letters=s.total("collections_dead_letters_total"),
            events=s.by("collections_events_processed_total", "topic"),
            promises_made=s.total("collections_promises_made_total"),
            promises=s.by("collections_promises_resolved_total", "status"),
            buckets=s.by("collections_portfolio_accounts", "bucket"),
            variant_entered=s.pairs("collections_variant_tier_entered_accounts_total"),
            variant_recovered=s.pairs("collections_variant_tier_recovered_accounts_total"),
            connected=s.by("collections_contacts_connected_total", "channel"),
            right_party=s.by("collections_contacts_right_party_total", "channel"),
            new_delinquent=s.by("collections_delinquent_customers_entered_total", "customer_type"),
            plans=s.by("collections_repayment_plans_total", "status"),
            instalments=s.by("collections_plan_instalments_total", "status"),
            referrals=s.total("collections_litigation_referrals_total"),
        )

    @property
    def events_total(self) -> float:
        return sum(self.events.values())

    @property
    def accounts_total(self) -> float:
        return sum(self.accounts.values())

    @property
    def delinquency_rate(self) -> float | None:
        """Accounts not current / all accounts (count-based), None before the first one."""
        total = self.accounts_total
        if not total:
            return None
        return sum(self.accounts.get(t.value, 0.0) for t in DELINQUENT) / total

    def recovery(self, tier: Tier) -> float | None:
        entered = self.entered.get(tier.value, 0.0)
        return self.recovered.get(tier.value, 0.0) / entered if entered else None

    def contacts_on(self, channel: Channel) -> int:
        return int(self.contacts.get(channel.value, 0.0))

    @property
    def m1_m3_rate(self) -> float | None:
        """The brief's M1-M3 delinquency ratio: accounts 1-90 DPD / all accounts."""
        total = self.accounts_total
        early = sum(self.buckets.get(b, 0.0) for b in ("M1", "M2", "M3"))
        return early / total if total else None

    def tier_share(self, tier: Tier) -> float | None:
        overdue = sum(self.accounts.get(t.value, 0.0) for t in DELINQUENT)
        return self.accounts.get(tier.value, 0.0) / overdue if overdue else None


@dataclass(frozen=True)
class GatewayFigures:
    delivered: dict[str, float]  # channel -> contacts delivered to the adapter
    expired: float
    outcomes: float  # outcome events published back
    handled: float  # contacts whose handling is final (delivered, duplicate, failed, expired)

    @classmethod
    def from_text(cls, text: str) -> GatewayFigures:
        s = Samples.parse(text)
        return cls(
            delivered=s.by("collections_gateway_deliveries_total", "channel", result="delivered"),
            expired=s.total("collections_gateway_expired_total"),
            outcomes=s.total("collections_gateway_outcomes_total"),
            handled=sum(
                s.total("collections_gateway_deliveries_total", result=r)
                for r in ("delivered", "duplicate", "permanent_failure")
            )
            + s.total("collections_gateway_expired_total"),
        )
