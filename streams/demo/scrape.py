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
