"""The terminal screen (redrawn every second), the one-line-per-day view and the summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from streams.core.model import Channel, Tier
from streams.demo.scrape import GatewayFigures, WorkerFigures
from streams.metrics.recovery import TARGETS, TIER_SHARE_TARGETS

CLEAR = "\x1b[H\x1b[2J"
SHORT = {
    Channel.SMS: "sms",
    Channel.IVR: "ivr",
    Channel.AGENT_CALL: "agent",
    Channel.FIELD_VISIT: "visit",
    Channel.LEGAL_LETTER: "legal",
}


@dataclass(frozen=True, slots=True)
class Progress:
    day: date | None  # the last simulated day published
    days_played: int
    days: int
    published: int  # events the simulator published (reactions included)
    answered: int  # contacts the simulated customers answered
    note: str = ""


def _pct(x: float | None) -> str:
    return "    -" if x is None else f"{x:5.0%}"


def tier_table(w: WorkerFigures) -> list[str]:
    lines = [f"  {'tier':<10}{'accounts':>9}{'entered':>9}{'recovered':>10}{'rate':>7}  target"]
    for tier in Tier:
        accounts = int(w.accounts.get(tier.value, 0))
        if tier is Tier.CURRENT:
            lines.append(f"  {tier.value:<10}{accounts:>9}")
            continue
        entered = int(w.entered.get(tier.value, 0))
        recovered = int(w.recovered.get(tier.value, 0))
        rate = w.recovery(tier)
        flag = "" if rate is None or rate >= TARGETS[tier] else "  below"
        lines.append(
            f"  {tier.value:<10}{accounts:>9}{entered:>9}{recovered:>10}{_pct(rate):>7}"
            f"  >= {TARGETS[tier]:.0%}{flag}"
        )
    return lines


def kpi_lines(w: WorkerFigures) -> list[str]:
    """The managers' KPIs: variants, connect and contact rates, mixes, plans, referrals."""
    variants = sorted({key.split(" ")[0] for key in w.variant_entered})
    recovery = []
    for variant in variants:
        rates = []
        for tier in TARGETS:
            entered = w.variant_entered.get(f"{variant} {tier.value}", 0.0)
            recovered = w.variant_recovered.get(f"{variant} {tier.value}", 0.0)
            rates.append(f"{tier.value} {_pct(recovered / entered if entered else None).strip()}")
        recovery.append(f"  {variant}: {', '.join(rates)}")
    rates = []
    for ch in Channel:
        sent = w.contacts_on(ch)
        if sent:
            connect = w.connected.get(ch.value, 0.0) / sent
            talk = w.right_party.get(ch.value, 0.0) / sent
            rates.append(f"{SHORT[ch]} {connect:.0%}/{talk:.0%}")
    shares = ", ".join(
        f"{t.value} {_pct(w.tier_share(t)).strip()} ({share:.0%})"
        for t, share in TIER_SHARE_TARGETS.items()
    )
    entered = sum(w.new_delinquent.values())
    types = ", ".join(
        f"{k} {_pct(v / entered if entered else None).strip()}"
        for k, v in sorted(w.new_delinquent.items())
    )
    return [
        "recovery per strategy variant:",
        *(recovery or ["  (no entries yet)"]),
        f"connect/right-party rate by channel: {', '.join(rates) or '-'}",
        f"M1-M3 delinquency ratio: {_pct(w.m1_m3_rate).strip()}   "
        f"overdue tier mix (brief): {shares}",
        f"new delinquent customers by type (brief 70/25/5): {types or '-'}",
        f"repayment plans: {_counts(w.plans)}; instalments {_counts(w.instalments)}; "
        f"litigation referrals {int(w.referrals)}",
    ]


def channels(w: WorkerFigures) -> str:
    return "  ".join(f"{ch.value} {w.contacts_on(ch)}" for ch in Channel)


def _counts(counts: dict[str, float]) -> str:
    return ", ".join(f"{k} {int(v)}" for k, v in sorted(counts.items()) if v) or "none"


def screen(
    w: WorkerFigures | None, g: GatewayFigures | None, p: Progress, urls: tuple[str, str]
) -> str:
    head = [
        f"collections demo   simulated day {p.day or '-'} ({_of(p)})   {_ending(p)}",
        f"metrics: {urls[0]}   gateway metrics: {urls[1]}",
        "",
    ]
    if w is None:
        return CLEAR + "\n".join([*head, "waiting for the worker's first scrape..."]) + "\n"
    body = [
        f"events processed {int(w.events_total):,}   published by the simulator {p.published:,}"
        f"   contacts answered by customers {p.answered:,}",
        "",
        "recovery since the worker started (back to current / entered the tier; accounts already"
        " overdue when first seen count as entries):",
        *tier_table(w),
        "",
        f"delinquency rate (accounts not current / all): {_pct(w.delinquency_rate).strip()}",
        *kpi_lines(w),
        f"contacts by channel: {channels(w)}",
        f"suppressed: {_counts(w.suppressed)}   deferred: {int(w.deferred)}",
        f"promises: made {int(w.promises_made)}, {_counts(w.promises)}",
        f"dead letters: {int(w.dead_letters)}",
    ]
    if g is not None:
        backlog = max(0, int(sum(w.contacts.values()) - g.handled))
        body.append(
            f"gateways: delivered {_counts(g.delivered)}; outcomes back {int(g.outcomes)}"
            f"; expired {int(g.expired)}; backlog {backlog}"
        )
    if p.note:
        body += ["", p.note]
    return CLEAR + "\n".join(head + body) + "\n"


def _of(p: Progress) -> str:
    return f"{p.days_played}/{p.days}" if p.days else str(p.days_played)


def _ending(p: Progress) -> str:
    if not p.days:
        return "runs until Ctrl-C"
    return f"ends after day {p.days}; Ctrl-C stops earlier"


def day_line(w: WorkerFigures | None, p: Progress) -> str:
    """One line per simulated day (``--headless``)."""
    head = f"day {p.day} {_of(p)}"
    if w is None:
        return f"{head}  (worker not scraped)"
    contacts = " ".join(f"{SHORT[ch]} {w.contacts_on(ch)}" for ch in Channel)
    recovery = " ".join(
        f"{t.value} {int(w.recovered.get(t.value, 0))}/{int(w.entered.get(t.value, 0))}"
        for t in TARGETS
    )
    return (
        f"{head}  events {int(w.events_total)}  delinquent {_pct(w.delinquency_rate).strip()}"
        f"  contacts {contacts}  recovered {recovery}  dead letters {int(w.dead_letters)}"
    )


def summary(w: WorkerFigures | None, g: GatewayFigures | None, p: Progress) -> str:
    lines = [
        f"demo stopped after {p.days_played} of {p.days or 'unlimited'} simulated days "
        f"(last {p.day or '-'}): {p.published:,} events published, "
        f"{p.answered:,} contacts answered"
    ]
    if w is None:
        return "\n".join([*lines, "the worker could not be scraped at the end"])
    lines += [
        f"worker: {int(w.events_total):,} events processed, dead letters {int(w.dead_letters)}",
        *tier_table(w),
        f"delinquency rate: {_pct(w.delinquency_rate).strip()}",
        *kpi_lines(w),
        f"contacts: {channels(w)}",
        f"suppressed: {_counts(w.suppressed)}",
    ]
    if g is not None:
        lines.append(f"gateways delivered: {_counts(g.delivered)}; outcomes {int(g.outcomes)}")
    return "\n".join(lines)
