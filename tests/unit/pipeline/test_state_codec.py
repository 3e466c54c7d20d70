"""Table values: compact, and every stored state reads back exactly."""

from __future__ import annotations

import json

from streams.contract.catalogue import catalogue
from streams.core.config import load_policy
from streams.core.model import ContactDue, InputEvent
from streams.core.policy import next_wakeup
from streams.core.state import CustomerState, customer_to_dict
from streams.pipeline.clock import EventClock
from streams.pipeline.engine import Engine
from streams.pipeline.state_codec import decode_state, decode_summary, encode_state
from streams.sim import SimConfig, Simulator
from tests.unit.core.test_state_serialization import rich_state


def states_of_a_simulated_month() -> list[CustomerState]:
    """Real states: weeks of a simulated book with contacts, reactions, promises and cures."""
    sim = Simulator(SimConfig(accounts=150, seed=3))
    cat = catalogue()
    engine = Engine(load_policy(), cat, EventClock())
    store: dict[str, CustomerState] = {}
    seen: list[CustomerState] = []

    def feed(events: list[InputEvent]) -> list[InputEvent]:
        result = engine.apply_events(0, sorted(events, key=lambda e: e.occurred_at), store.get)
        for customer_id, (_p, state) in result.writes.items():
            assert state is not None  # no erasures in a simulated month
            store[customer_id] = state
            seen.append(state)
        contacts = [o for o in result.outputs if isinstance(o, ContactDue)]
        return [r for c in contacts for r in sim.respond(c, c.due_at)]

    reactions = feed([*sim.profiles(), *sim.opening()])
    for _ in range(25):
        reactions = feed([*reactions, *sim.day(sim.next_day)])
    return seen


STATES = states_of_a_simulated_month()


def test_every_state_of_a_replay_round_trips_through_the_table_codec() -> None:
    assert len(STATES) > 500
    for state in STATES:
        assert decode_state(encode_state(4, state)) == (4, state)


def test_a_state_with_a_legal_path_and_a_repayment_plan_round_trips() -> None:
    state = rich_state()
    assert decode_state(encode_state(2, state)) == (2, state)


def test_values_written_in_full_by_customer_to_dict_stay_readable() -> None:
    for state in STATES[:200]:
        full = json.dumps({"p": 1, "s": customer_to_dict(state)}).encode()
        assert decode_state(full) == (1, state)


def test_empty_fields_are_left_out_but_non_empty_defaults_are_kept() -> None:
    body = json.loads(encode_state(0, STATES[0]).split(b"\n", 1)[1])
    stored = body["s"]
    assert "time_zone" in stored  # a non-empty default is always written
    assert all(value not in (None, [], {}, 0, False, "") for value in stored.values())


def test_the_summary_line_gives_the_rebuild_what_it_needs_without_decoding_the_state() -> None:
    for state in STATES[:300]:
        summary = decode_summary(encode_state(2, state))
        assert summary is not None and summary.partition == 2
        assert summary.wakeup == next_wakeup(state)
        assert summary.accounts == [
            [
                a.tier.value,
                a.bucket.value,
                a.days_past_due,
                a.overdue_amount,
                a.outstanding_balance,
                a.currency,
            ]
            for a in state.accounts.values()
        ]


def test_a_value_from_before_summaries_has_none_and_still_decodes() -> None:
    legacy = json.dumps({"p": 1, "o": {}, "s": customer_to_dict(STATES[0])}).encode()
    assert decode_summary(legacy) is None
    assert decode_state(legacy) == (1, STATES[0])
