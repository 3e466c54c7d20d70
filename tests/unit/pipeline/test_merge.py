"""Each partition's inputs are released in event-time order, never on a guess."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from streams.pipeline.admission import Admitted
from streams.pipeline.emitter import Incoming
from streams.pipeline.merge import PartitionMerge
from tests.unit.pipeline.engine_support import CAT, T0, aging, record

TOPICS = [CAT.aging.name, CAT.repayments.name, CAT.ticks.name]


def at(hours: int, topic: str, offset: int) -> Admitted:
    """A record of ``topic`` at ``offset`` whose event time is ``hours`` after T0."""
    event = replace(aging("c1", 2, 3, 500), occurred_at=T0 + timedelta(hours=hours))
    return Admitted(replace(record(event, offset), topic=topic), event)


def refused(topic: str, offset: int) -> Admitted:
    return Admitted(Incoming(topic, 0, offset, b"c1", b"junk"))


def released(merge: PartitionMerge, force: bool = False) -> list[tuple[str, int]]:
    return [(a.msg.topic, a.msg.offset) for a in merge.release(100, force=force)]


def test_nothing_is_released_while_an_input_topic_is_unknown() -> None:
    merge = PartitionMerge(TOPICS)
    merge.add(at(5, CAT.aging.name, 0))
    merge.reached_end(CAT.ticks.name)
    assert released(merge) == []
    assert merge.waiting_on() == [CAT.repayments.name]


def test_records_leave_in_event_time_order_across_topics() -> None:
    merge = PartitionMerge(TOPICS)
    merge.add(at(5, CAT.aging.name, 0))
    merge.add(at(9, CAT.aging.name, 1))
    merge.add(at(7, CAT.repayments.name, 0))
    merge.reached_end(CAT.aging.name)
    merge.reached_end(CAT.repayments.name)
    merge.reached_end(CAT.ticks.name)
    assert released(merge) == [
        (CAT.aging.name, 0),
        (CAT.repayments.name, 0),
        (CAT.aging.name, 1),
    ]


def test_a_topic_that_ran_dry_holds_the_merge_until_its_end_is_known_again() -> None:
    merge = PartitionMerge(TOPICS)
    merge.add(at(1, CAT.repayments.name, 0))
    for topic in TOPICS:
        merge.reached_end(topic)
    merge.add(at(5, CAT.aging.name, 0))  # news on aging: it is known (it has a head)
    assert released(merge) == [(CAT.repayments.name, 0), (CAT.aging.name, 0)]
    merge.add(at(6, CAT.repayments.name, 1))  # repayments gets news: its end is unknown
    merge.add(at(8, CAT.aging.name, 1))
    assert released(merge) == [(CAT.repayments.name, 1)]
    assert released(merge) == []  # is there an earlier repayment still to come? wait
    merge.reached_end(CAT.repayments.name)
    assert released(merge) == [(CAT.aging.name, 1)]


def test_ties_break_by_topic_rank_then_offset() -> None:
    merge = PartitionMerge(TOPICS)
    merge.add(at(5, CAT.repayments.name, 3))
    merge.add(at(5, CAT.aging.name, 8))
    for topic in TOPICS:
        merge.reached_end(topic)
    assert released(merge) == [(CAT.aging.name, 8), (CAT.repayments.name, 3)]


def test_a_record_without_a_time_leaves_as_soon_as_it_heads_its_queue() -> None:
    merge = PartitionMerge(TOPICS)
    merge.add(refused(CAT.aging.name, 0))
    merge.add(at(5, CAT.aging.name, 1))
    assert released(merge) == [(CAT.aging.name, 0)]  # the others are still unknown


def test_force_releases_what_is_there_without_waiting() -> None:
    merge = PartitionMerge(TOPICS)
    merge.add(at(5, CAT.aging.name, 0))
    assert released(merge, force=True) == [(CAT.aging.name, 0)]


def test_rewinding_a_topic_drops_its_queue_and_forgets_its_end() -> None:
    merge = PartitionMerge(TOPICS)
    for topic in TOPICS:
        merge.reached_end(topic)
    merge.add(at(5, CAT.aging.name, 0))
    merge.rewind(CAT.aging.name)
    assert merge.buffered() == 0
    assert merge.waiting_on() == [CAT.aging.name]


def test_the_ends_a_release_relies_on_are_the_empty_topics_with_their_offsets() -> None:
    merge = PartitionMerge(TOPICS)
    merge.add(at(5, CAT.aging.name, 3))
    merge.reached_end(CAT.aging.name, 4)
    merge.reached_end(CAT.repayments.name, 10)
    merge.reached_end(CAT.ticks.name, 0)
    # aging has a head: its order is known whatever its end; the others rest on their ends
    assert merge.trusted_ends() == {CAT.repayments.name: 10, CAT.ticks.name: 0}


def test_a_doubted_end_holds_the_merge_until_the_topic_is_read_again() -> None:
    # repayments was read to its end before a repayment at 13:47 was published with the
    # nightly snapshot at 23:00: the snapshot must wait for the repayment, not go first
    merge = PartitionMerge(TOPICS)
    merge.reached_end(CAT.repayments.name, 0)
    merge.reached_end(CAT.ticks.name, 0)
    merge.add(at(23, CAT.aging.name, 0))
    merge.doubt(CAT.repayments.name)  # the broker has more on repayments than offset 0
    assert released(merge) == []
    assert merge.waiting_on() == [CAT.repayments.name]
    merge.add(at(13, CAT.repayments.name, 0))
    merge.reached_end(CAT.repayments.name, 1)
    assert released(merge) == [(CAT.repayments.name, 0), (CAT.aging.name, 0)]
