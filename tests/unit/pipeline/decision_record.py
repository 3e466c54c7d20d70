"""The decisions taken on a fixed input, as lines of text: what a speed-up must not change.

Two inputs, both seeded:

* the chaos suite's stream (poison, ticks, re-sent repayments, outcomes at the gateways'
  times) admitted, merged per partition and applied in batches the way the worker's loop
  does it, each customer's state stored as bytes between batches: every output record
  (topic, key, decoded value, headers) in order, the customers each batch writes, then every
  final state and partition meta;
* the offline replay of the simulator (event time, with the customers' reactions): every
  output of the core in order, then the final states.

``python -m tests.unit.pipeline.decision_record OUT [ACCOUNTS DAYS [HOT]]`` writes the lines of
both (for a field-by-field ``diff`` before and after a change); the unit test compares
their digest with the one recorded.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator

from streams.contract.catalogue import catalogue
from streams.contract.codec import DecodeError, decode_unvalidated
from streams.core.config import load_policy
from streams.core.state import CustomerState, customer_to_dict
from streams.pipeline.changelog import decode_meta, encode_meta
from streams.pipeline.clock import EventClock
from streams.pipeline.emitter import Incoming
from streams.pipeline.engine import Batch, Engine
from streams.pipeline.merge import PartitionMerge
from streams.pipeline.state_codec import decode_state, encode_state
from streams.pipeline.states import HotStates
from streams.pipeline.store import META_KEY, MemoryStore
from streams.replay import replay
from streams.sim import SimConfig
from tests.chaos.stream import chaos_stream

PARTITIONS = 3
BATCH = 500  # records per unit of work: several batches per partition


def chaos_lines(accounts: int, days: int, seed: int = 5, hot: int = 0) -> Iterator[str]:
    """The chaos stream through door, merge and engine, in batches, states kept as bytes
    (and up to ``hot`` of them decoded, as the worker keeps them)."""
    cat = catalogue("", PARTITIONS)
    engine = Engine(load_policy(), cat, EventClock(), partitions=PARTITIONS)
    stream = chaos_stream(accounts, days, PARTITIONS, seed)
    topics = [*engine.input_topics, engine.tick_topic]
    merges = {p: PartitionMerge(topics) for p in range(PARTITIONS)}
    offsets: dict[tuple[str, int], int] = defaultdict(int)
    for r in stream.records:
        topic = getattr(cat, r.topic).name
        offset = offsets[(topic, r.partition)]
        offsets[(topic, r.partition)] += 1
        msg = Incoming(topic, r.partition, offset, r.key, r.value, None)
        merges[r.partition].add(engine.door.admit(msg))
    stores = {p: MemoryStore() for p in range(PARTITIONS)}
    states = HotStates(stores.get, PARTITIONS, hot)
    for p, merge in merges.items():
        engine.open(p, decode_meta(None), [])
        for topic in topics:
            merge.reached_end(topic)
    batch_no = 0
    for merge in merges.values():
        while items := merge.release(BATCH):
            work = engine.batch(states.get)
            for item in items:
                engine.apply(work, item)
            yield from _batch_lines(batch_no, work)
            _commit(stores, engine, work)
            states.committed((c, p, state) for c, (p, state) in work.writes.items())
            batch_no += 1
    for p in range(PARTITIONS):
        yield f"meta {p} {encode_meta(engine.partition_meta(p)).decode()}"
        for _key, raw in sorted(stores[p].items()):
            yield f"state {p} {_plain(decode_state(raw)[1])}"


def _commit(stores: dict[int, MemoryStore], engine: Engine, work: Batch) -> None:
    by_partition: dict[int, dict[bytes, bytes | None]] = defaultdict(dict)
    for customer_id, (partition, state) in work.writes.items():
        value = None if state is None else encode_state(partition, state)
        by_partition[partition][customer_id.encode()] = value
    for partition in work.partitions:
        meta = encode_meta(engine.partition_meta(partition))
        by_partition[partition][META_KEY] = meta
    for partition, records in by_partition.items():
        stores[partition].write(records, stores[partition].checkpoint + len(records))


def _batch_lines(number: int, work: Batch) -> Iterator[str]:
    for emit in work.emits:
        try:
            value = repr(decode_unvalidated(emit.value or b""))
        except DecodeError:  # a dead letter carries the refused bytes as they came
            value = (emit.value or b"").hex()
        headers = [(k, v.decode(errors="replace")) for k, v in emit.headers or []]
        key = (emit.key or b"").decode(errors="replace")
        yield f"emit {number} {emit.topic} {key} {value} {headers}"
    yield f"writes {number} {sorted(work.writes)}"


def replay_lines(accounts: int, days: int, seed: int = 11) -> Iterator[str]:
    """The offline replay: every output in order, then the final portfolio and states."""
    lines: list[str] = []
    states: dict[str, CustomerState | None] = {}

    def observe(work: Batch) -> None:
        lines.extend(f"out {out!r}" for out in work.outputs)
        for customer_id, (_p, state) in work.writes.items():
            states[customer_id] = state

    report = replay(SimConfig(accounts=accounts, seed=seed), days, load_policy(), observe=observe)
    yield from lines
    yield f"events {report.events}"
    for customer_id in sorted(states):
        state = states[customer_id]
        yield f"final {customer_id} {None if state is None else _plain(state)}"


def _plain(state: CustomerState) -> str:
    return json.dumps(customer_to_dict(state), sort_keys=True, separators=(",", ":"))


def digest(lines: Iterable[str]) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
        n += 1
    return h.hexdigest(), n


def main(argv: list[str]) -> int:
    out = argv[0]
    accounts, days = (int(argv[1]), int(argv[2])) if len(argv) > 2 else (1500, 20)
    hot = int(argv[3]) if len(argv) > 3 else 0
    with open(out, "w") as f:
        for line in chaos_lines(accounts, days, hot=hot):
            f.write(line + "\n")
        for line in replay_lines(accounts, days + 10):
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
