"""Seeded and deterministic: the same seed and contacts give the same events."""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta
from itertools import islice

from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Channel,
    ContactDue,
    CoveredAccount,
    Tier,
)
from streams.sim import SimConfig, Simulator, stream

CONFIG = SimConfig(accounts=800, seed=11)


def test_two_runs_with_the_same_seed_give_identical_event_streams() -> None:
    assert list(stream(CONFIG, 5)) == list(stream(CONFIG, 5))


def test_another_seed_gives_another_book() -> None:
    other = SimConfig(accounts=800, seed=12)
    assert list(islice(stream(CONFIG, 1), 2000)) != list(islice(stream(other, 1), 2000))


def test_stream_is_a_generator_of_profiles_the_opening_book_then_days() -> None:
    events = stream(CONFIG, 2)
    assert isinstance(events, types.GeneratorType)
    items = list(events)
    profiles = [i for i, e in enumerate(items) if isinstance(e, AccountProfile)]
    assert profiles == list(range(len(profiles)))
    opening = items[len(profiles) : len(profiles) + 800]
    assert all(isinstance(e, AgingSnapshot) for e in opening)
    assert {e.as_of for e in opening} == {CONFIG.start - timedelta(days=1)}
    assert sum(1 for e in items if isinstance(e, AgingSnapshot)) == 3 * 800


def _contacts_for(sim: Simulator, d: int) -> list[ContactDue]:
    at = datetime(2026, 1, 2, 2, 0, tzinfo=UTC) + timedelta(days=d)
    out = []
    for e in sim.day(sim.next_day):
        if isinstance(e, AgingSnapshot) and e.days_past_due > 0:
            out.append(
                ContactDue(
                    contact_id=f"c-{e.account_id}-{d}",
                    occurred_at=at,
                    customer_id=e.customer_id,
                    channel=list(Channel)[d % 5],
                    accounts=(CoveredAccount(e.account_id, e.days_past_due, e.overdue_amount),),
                    due_at=at,
                    expires_at=at,
                    tier=Tier.MILD,
                    days_past_due=e.days_past_due,
                    amount_due=e.overdue_amount,
                    currency="CNY",
                    template="t",
                    attempt=1,
                    strategy_variant="t",
                    locale="zh-CN",
                )
            )
    return out


def _play_with_contacts(days: int) -> list[object]:
    sim = Simulator(CONFIG)
    seen: list[object] = []
    for d in range(days):
        for c in _contacts_for(sim, d):
            seen += sim.respond(c, c.due_at)
    seen += sim.day(sim.next_day)
    return seen


def test_responses_and_their_effects_replay_identically() -> None:
    first = _play_with_contacts(4)
    assert first == _play_with_contacts(4)
    assert any(not isinstance(e, AgingSnapshot) for e in first)


def test_a_contacts_reaction_depends_on_its_id_not_on_the_global_random() -> None:
    import random

    sim_a, sim_b = Simulator(CONFIG), Simulator(CONFIG)
    contacts_a, contacts_b = _contacts_for(sim_a, 0), _contacts_for(sim_b, 0)
    random.seed(1)
    a = [sim_a.respond(c, c.due_at) for c in contacts_a]
    random.seed(2)
    b = [sim_b.respond(c, c.due_at) for c in contacts_b]
    assert a == b
