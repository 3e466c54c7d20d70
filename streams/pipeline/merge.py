"""One ordered stream per partition: the input topics merged by event time.

Kafka orders records within a topic partition, not across topics, and how a consumer
interleaves its fetches depends on timing. Decisions depend on order (a repayment before or
after the snapshot that would have moved the account a tier; the event clock that makes
contacts fall due), so the worker never applies records in fetch order. Per partition it
keeps the records of each input topic in a queue and releases the one with the earliest
event time, ties broken by topic rank and offset, but only once every input topic of that
partition is *known*: it has a record waiting, or the consumer has reported reaching its
end. The result is a pure function of the topics' contents, whatever the timing: a restart,
a rebalance or a slow fetch gives the same order, hence the same outputs.

An end is a moment's fact: the consumer reports it once, and records published after it are
not known until they are fetched. A topic fetched to its end before new records arrived on it
would let a later record of another topic go first (a nightly snapshot at 23:00 before a
repayment at 13:47 published in the same batch). So the merge remembers *where* each end was
reported, and the worker can ``doubt`` an end the broker no longer agrees with (on the event
clock it asks the broker before trusting one; see ``PipelineLoop``).

Records without an event time (refused records, empty ticks) carry nothing to order by and
are released as soon as they reach the head of their topic's queue.

The cost of waiting is bounded by the consumer: an input it has not fetched yet holds the
partition back. On the wall clock the worker may force the release after a short wait (a
live system cannot wait forever for a quiet topic); on the event clock it waits, and shows
the partition as stalled in its metrics and readiness instead of deciding on a guess.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime

from streams.pipeline.admission import Admitted

EARLIEST = datetime.min.replace(tzinfo=UTC)


class PartitionMerge:
    def __init__(self, topics: Sequence[str]) -> None:
        self.rank = {topic: i for i, topic in enumerate(topics)}
        self.queues: dict[str, deque[Admitted]] = {topic: deque() for topic in topics}
        # topic -> the offset its end was reported at (-1: not said); absent: not at its end
        self.ends: dict[str, int] = {}

    def add(self, item: Admitted) -> None:
        self.queues[item.msg.topic].append(item)
        self.ends.pop(item.msg.topic, None)

    def reached_end(self, topic: str, offset: int = -1) -> None:
        """The consumer has handed over everything there is on ``topic`` (for now, up to
        ``offset``): once its queue is empty, nothing earlier can still arrive from it."""
        self.ends[topic] = offset

    def doubt(self, topic: str) -> None:
        """``topic`` has more than when its end was reported: wait for it again."""
        self.ends.pop(topic, None)

    def trusted_ends(self) -> dict[str, int]:
        """The ends a release would rely on: topic -> offset, for the empty topics at their end."""
        return {t: self.ends[t] for t, q in self.queues.items() if not q and t in self.ends}

    def waiting_on(self) -> list[str]:
        """Topics neither buffered nor known to be at their end."""
        return [t for t, q in self.queues.items() if not q and t not in self.ends]

    def buffered(self, topic: str | None = None) -> int:
        if topic is not None:
            return len(self.queues[topic])
        return sum(len(q) for q in self.queues.values())

    def release(self, limit: int, *, force: bool = False) -> list[Admitted]:
        """Up to ``limit`` records in merged order; ``force`` ignores unknown topics."""
        out: list[Admitted] = []
        while len(out) < limit:
            head = self._next(force)
            if head is None:
                break
            out.append(self.queues[head].popleft())
        return out

    def rewind(self, topic: str) -> None:
        """Drop what is buffered of ``topic``: it will be read again from an earlier offset
        (and the consumer will report its end again when it gets there)."""
        self.queues[topic].clear()
        self.ends.pop(topic, None)

    def _next(self, force: bool) -> str | None:
        best: tuple[datetime, int, int] | None = None
        best_topic = None
        waiting = False  # a topic neither buffered nor known to be at its end (waiting_on)
        for topic, queue in self.queues.items():
            if not queue:
                waiting = waiting or topic not in self.ends
                continue
            item = queue[0]
            at = item.at
            if at is None:
                return topic  # nothing to order by: it goes as soon as it is at the head
            key = (at, self.rank[topic], item.msg.offset)
            if best is None or key < best:
                best, best_topic = key, topic
        if best_topic is None or (waiting and not force):
            return None
        return best_topic
