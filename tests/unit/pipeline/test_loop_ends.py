"""On the event clock the worker trusts an input topic's end only if the broker agrees.

The consumer reports a topic's end once. A repayment published after the repayments topic
was read to its end, together with a later nightly snapshot, may still be unread when the
snapshot is: trusting the old end would apply the snapshot first. ``_check_ends`` asks the
broker (here a stand-in for its ListOffsets answer) before the merge releases anything.
"""

from __future__ import annotations

from streams.pipeline.admission import Admitted
from streams.pipeline.clock import EventClock
from streams.pipeline.engine import Engine
from streams.pipeline.loop import Owned, PipelineLoop
from streams.pipeline.merge import PartitionMerge
from streams.pipeline.store import MemoryStore
from streams.settings import Settings
from tests.unit.pipeline.engine_support import CAT, POLICY, aging, record

Ends = dict[tuple[str, int], tuple[int, int]]
SNAPSHOT = record(aging("c1", 2, 3, 500), offset=7)
P = SNAPSHOT.partition
REPAYMENTS = (CAT.repayments.name, P)


class Broker:
    """Where topics end, (committed, written) per (topic, partition); None: no answer."""

    def __init__(self, ends: Ends | None) -> None:
        self.ends = ends
        self.asked: list[list[tuple[str, int]]] = []

    def __call__(self, tps: list[tuple[str, int]]) -> Ends:
        self.asked.append(sorted(tps))
        if self.ends is None:
            return {}
        return {tp: self.ends.get(tp, (0, 0)) for tp in tps}


def snapshot_waiting(broker: Broker) -> tuple[PipelineLoop, PartitionMerge]:
    """Every topic of partition P was read to its (empty) end, then a snapshot arrived."""
    engine = Engine(POLICY, CAT, EventClock(), partitions=3)
    loop = PipelineLoop(Settings(clock="event"), engine, {}, "changelog")
    merge = PartitionMerge(loop.topics)
    loop.owned[P] = Owned(MemoryStore(), merge, dict.fromkeys(loop.topics, 0))
    loop._broker_ends = broker  # type: ignore[method-assign]
    for topic in loop.topics:
        merge.reached_end(topic, 0)
    merge.add(engine.door.admit(SNAPSHOT))
    return loop, merge


def released(merge: PartitionMerge) -> list[Admitted]:
    return merge.release(100)


def test_an_end_the_broker_has_moved_past_holds_the_merge() -> None:
    loop, merge = snapshot_waiting(Broker({REPAYMENTS: (1, 1)}))  # a repayment not read yet
    assert loop._check_ends()
    assert released(merge) == []
    assert merge.waiting_on() == [CAT.repayments.name]


def test_an_end_with_a_transaction_still_open_holds_the_merge() -> None:
    loop, merge = snapshot_waiting(Broker({REPAYMENTS: (0, 1)}))  # written, not committed
    assert loop._check_ends()
    assert released(merge) == []


def test_ends_the_broker_confirms_let_the_merge_go_on() -> None:
    broker = Broker({})
    loop, merge = snapshot_waiting(broker)
    assert loop._check_ends()
    assert [a.msg.offset for a in released(merge)] == [7]
    # every empty topic of the partition was asked about, the snapshot's own was not
    assert broker.asked == [sorted((t, P) for t in loop.topics if t != CAT.aging.name)]


def test_the_broker_is_asked_again_only_after_something_new_was_read() -> None:
    broker = Broker({})
    loop, _merge = snapshot_waiting(broker)
    assert loop._check_ends() and loop._check_ends()
    assert len(broker.asked) == 1


def test_without_an_answer_nothing_is_released() -> None:
    loop, _merge = snapshot_waiting(Broker(None))
    assert not loop._check_ends()
    assert not loop.owned[P].ends_checked  # asked again next turn
