"""When a simulated day is over: the pipeline has done everything the published events caused.

The demo plays the customers and the calendar in lock step with the pipeline, so that the
same seed gives the same run. A day ends (and the customers answer its contacts, and the
next day is published) only once, by Kafka's offsets rather than scraped counters:

1. the worker has committed every input message published so far (``CommittedLag``);
2. the simulated customers have read every contact it committed (the reader is at the
   committed end of every contact-due partition, and no transaction is half visible);
3. the gateway has handled each of those contacts: its consumer group committed past them,
   which it does after its ``delivered`` outcome is acknowledged by the broker;
4. the worker has committed those outcomes too, and they made no new contact fall due
   (1 and 2 again).

Without 3 and 4 the gateway's outcomes would reach the worker whenever the gateway gets to
them, sometimes after the next day's first events, and change what the worker decides then.
"""

from __future__ import annotations

from collections.abc import Callable

from confluent_kafka import KafkaException

from streams.demo.kafka_io import ContactReader, GroupOffsets, TopicEnds


class Settled:
    def __init__(
        self,
        lag: Callable[[], int],
        reader: ContactReader,
        ends: TopicEnds,
        gateway: GroupOffsets,
    ) -> None:
        """``lag``: input messages the worker has not committed; ``gateway``: the offsets
        the gateway's consumer group committed."""
        self.lag = lag
        self.reader = reader
        self.ends = ends
        self.gateway = gateway

    def __call__(self) -> bool:
        """False while any step is not done, or the broker does not answer (asked again)."""
        try:
            if not self._worker_done():
                return False
            handled = self.gateway(self.reader.last)
            if any(handled.get(tp, -1) <= offset for tp, offset in self.reader.last.items()):
                return False
            return self._worker_done()
        except KafkaException:
            return False

    def _worker_done(self) -> bool:
        """The worker applied every input so far and the reader has every contact it sent."""
        if self.lag() != 0:
            return False
        return self.reader.caught_up(self.ends(self.reader.partitions))
