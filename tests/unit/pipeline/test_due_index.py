from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.pipeline.due_index import DueIndex

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_pops_only_customers_due_at_or_before_now_in_time_order() -> None:
    index = DueIndex()
    index.schedule(0, "late", T0 + timedelta(hours=2))
    index.schedule(0, "early", T0)
    index.schedule(0, "middle", T0 + timedelta(hours=1))
    assert index.pop_due(0, T0 + timedelta(hours=1)) == ["early", "middle"]
    assert index.pop_due(0, T0 + timedelta(hours=1)) == []
    assert index.next_due(0) == T0 + timedelta(hours=2)


def test_rescheduling_replaces_the_earlier_time_instead_of_firing_twice() -> None:
    index = DueIndex()
    index.schedule(0, "c1", T0)
    index.schedule(0, "c1", T0 + timedelta(days=1))
    assert index.pop_due(0, T0 + timedelta(hours=1)) == []
    assert index.pop_due(0, T0 + timedelta(days=1)) == ["c1"]


def test_clearing_a_schedule_removes_the_customer() -> None:
    index = DueIndex()
    index.schedule(0, "c1", T0)
    index.schedule(0, "c1", None)
    assert index.pop_due(0, T0 + timedelta(days=9)) == []
    assert len(index) == 0


def test_partitions_are_independent_and_a_dropped_partition_forgets_its_customers() -> None:
    index = DueIndex()
    index.schedule(0, "a", T0)
    index.schedule(1, "b", T0)
    index.drop(1)
    assert index.pop_due(1, T0) == []
    assert index.pop_due(0, T0) == ["a"]


def test_rebuild_restores_a_partition_from_stored_due_times() -> None:
    index = DueIndex()
    index.rebuild(3, [("x", T0 + timedelta(minutes=5)), ("y", T0)])
    assert index.pop_due(3, T0 + timedelta(minutes=5)) == ["y", "x"]
