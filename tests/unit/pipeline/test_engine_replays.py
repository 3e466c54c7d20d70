"""The engine skips input it already applied before a restart (offsets kept with the state)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from streams.contract.catalogue import catalogue
from streams.contract.codec import encode
from streams.core.config import load_policy
from streams.core.model import AgingSnapshot, Channel, ContactDue, Tier
from streams.pipeline.clock import EventClock, WallClock, tick_time, tick_value
from streams.pipeline.engine import Engine, Incoming, Stored

CAT = catalogue("", 3)
T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


def snapshot(dpd: int, overdue: int, day: int) -> AgingSnapshot:
    return AgingSnapshot(
        f"e{day}",
        T0.replace(day=day),
        "c1",
        "a1",
        date(2026, 3, day),
        dpd,
        overdue,
        1000,
        "CNY",
        "x",
    )


def msg(offset: int, event: AgingSnapshot) -> Incoming:
    return Incoming(CAT.aging.name, 0, offset, b"c1", encode(event))


def engine() -> Engine:
    return Engine(load_policy(), CAT, EventClock(), tick_topic=CAT.ticks.name)


def test_a_replayed_event_is_not_applied_again_but_its_state_is_written_again() -> None:
    first = engine()
    store: dict[str, Stored] = {}
    events = [msg(0, snapshot(2, 100, 2)), msg(1, snapshot(2, 100, 2)), msg(2, snapshot(0, 0, 4))]
    result = first.process(events, store.get)
    for cid, (_p, state) in result.writes.items():
        store[cid] = Stored(state, result.offsets[cid])
    assert store["c1"].state.accounts["a1"].tier is Tier.CURRENT
    assert store["c1"].offsets == {CAT.aging.name: 2}

    # a restart re-reads offsets 1 and 2 (not committed): nothing is applied or sent again,
    # but the stored state is written again (the changelog may not have it yet) and its
    # position does not move backwards
    again = engine().process(events[1:], store.get)
    assert again.outputs == []
    assert again.writes == {"c1": (0, store["c1"].state)}
    assert again.offsets["c1"] == {CAT.aging.name: 2}


def test_an_event_past_the_stored_offset_is_applied() -> None:
    store = {
        "c1": Stored(
            engine().process([msg(0, snapshot(2, 100, 2))], {}.get).writes["c1"][1],
            {CAT.aging.name: 0},
        )
    }
    result = engine().process([msg(1, snapshot(9, 300, 9))], store.get)
    assert result.writes["c1"][1].accounts["a1"].tier is Tier.MODERATE
    assert result.offsets["c1"] == {CAT.aging.name: 1}


def test_on_the_wall_clock_a_contact_due_now_leaves_with_the_event_not_at_the_next_tick() -> None:
    now = datetime(2026, 3, 2, 3, tzinfo=UTC)  # 11:00 in Shanghai: inside every window
    wall = Engine(load_policy(), CAT, WallClock(lambda: now), tick_topic=CAT.ticks.name)
    event = AgingSnapshot("w1", now, "c1", "a1", date(2026, 3, 2), 2, 100, 1000, "CNY", "x")
    result = wall.process([msg(0, event)], {}.get)
    assert [o.channel for o in result.outputs if isinstance(o, ContactDue)] == [Channel.SMS]
    assert result.caused_output == [now]


def test_an_explicit_event_time_tick_moves_the_clock_and_sends_what_fell_due() -> None:
    quiet = datetime(2026, 3, 2, 15, tzinfo=UTC)  # 23:00 in Shanghai: the SMS must wait
    event_clock = engine()
    first = event_clock.process([msg(0, snapshot(2, 100, 2))], {}.get)
    assert not [o for o in first.outputs if isinstance(o, ContactDue)]
    store = {cid: state for cid, (_p, state) in first.writes.items()}

    morning = quiet.replace(day=3, hour=3)  # 11:00 the next day
    tick = Incoming(CAT.ticks.name, 0, 0, None, tick_value(morning))
    assert tick_time(tick.value) == morning
    result = event_clock.process([tick], store.get)
    sent = [o for o in result.outputs if isinstance(o, ContactDue)]
    assert [c.channel for c in sent] == [Channel.SMS]
    assert quiet < sent[0].due_at <= morning


def test_a_bug_on_one_message_parks_it_in_the_dlq_and_the_partition_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streams.pipeline import engine as engine_module

    real = engine_module.decide

    def flaky(state, event, now, policy):  # type: ignore[no-untyped-def]
        if event.event_id == "e3":
            raise RuntimeError("boom")
        return real(state, event, now, policy)

    monkeypatch.setattr(engine_module, "decide", flaky)
    result = engine().process(
        [msg(0, snapshot(2, 100, 2)), msg(1, snapshot(3, 100, 3)), msg(2, snapshot(9, 300, 4))],
        {}.get,
    )
    dead = [e for e in result.emits if e.topic == CAT.dlq.name]
    assert len(dead) == 1
    assert dict(dead[0].headers or [])["dlq.reason"] == b"internal_error"
    assert dict(dead[0].headers or [])["dlq.original.offset"] == b"1"
    assert result.writes["c1"][1].accounts["a1"].tier is Tier.MODERATE  # later input applied
