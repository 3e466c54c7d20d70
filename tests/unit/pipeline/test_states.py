"""Hot states: the LRU of decoded states in front of the stores holds only what they hold."""

from __future__ import annotations

from streams.contract.partitioner import partition_of
from streams.core.state import CustomerState
from streams.pipeline.state_codec import encode_state
from streams.pipeline.states import HotStates
from streams.pipeline.store import MemoryStore, PartitionStore

PARTITIONS = 3


def customers_on(partition: int, n: int) -> list[str]:
    found: list[str] = []
    i = 0
    while len(found) < n:
        name = f"C-{i}"
        if partition_of(name.encode(), PARTITIONS) == partition:
            found.append(name)
        i += 1
    return found


def stored(stores: dict[int, MemoryStore], *states: CustomerState) -> None:
    for state in states:
        p = partition_of(state.customer_id.encode(), PARTITIONS)
        stores[p].write({state.customer_id.encode(): encode_state(p, state)}, 0)


def owned(stores: dict[int, MemoryStore]) -> HotStates:
    def store_of(partition: int) -> PartitionStore | None:
        return stores.get(partition)

    return HotStates(store_of, PARTITIONS, capacity=2)


def test_a_miss_decodes_from_the_store_and_the_next_read_is_the_same_object() -> None:
    stores = {p: MemoryStore() for p in range(PARTITIONS)}
    (cid,) = customers_on(0, 1)
    stored(stores, CustomerState(cid, time_zone="Europe/Berlin"))
    hot = owned(stores)
    first = hot.get(cid)
    assert first == CustomerState(cid, time_zone="Europe/Berlin")
    assert hot.get(cid) is first
    assert (hot.misses, hot.hits) == (1, 1)


def test_unknown_customers_and_customers_of_partitions_not_owned_have_no_state() -> None:
    stores = {0: MemoryStore()}
    (elsewhere,) = customers_on(1, 1)
    hot = owned(stores)
    assert hot.get(customers_on(0, 1)[0]) is None
    assert hot.get(elsewhere) is None


def test_committed_states_are_served_without_reading_the_store() -> None:
    stores = {p: MemoryStore() for p in range(PARTITIONS)}
    (cid,) = customers_on(2, 1)
    hot = owned(stores)
    state = CustomerState(cid, wilful_flag=True)
    hot.committed([(cid, 2, state)])
    assert hot.get(cid) is state  # the store is empty: only the LRU could answer
    hot.committed([(cid, 2, None)])  # erased
    assert hot.get(cid) is None


def test_the_least_recently_used_state_leaves_first() -> None:
    stores = {p: MemoryStore() for p in range(PARTITIONS)}
    a, b, c = customers_on(0, 3)
    hot = owned(stores)
    states = {x: CustomerState(x) for x in (a, b, c)}
    hot.committed([(a, 0, states[a]), (b, 0, states[b])])
    hot.get(a)  # a is now more recent than b
    hot.committed([(c, 0, states[c])])
    assert len(hot) == 2
    assert hot.get(a) is states[a] and hot.get(c) is states[c]
    assert hot.get(b) is None  # gone from the LRU, and never stored


def test_a_revoked_partition_and_a_rollback_leave_nothing_behind() -> None:
    stores = {p: MemoryStore() for p in range(PARTITIONS)}
    (x,) = customers_on(0, 1)
    (y,) = customers_on(1, 1)
    hot = owned(stores)
    hot.committed([(x, 0, CustomerState(x)), (y, 1, CustomerState(y))])
    hot.drop(0)
    assert hot.get(x) is None and hot.get(y) == CustomerState(y)
    hot.drop()
    assert len(hot) == 0


def test_a_capacity_of_zero_keeps_nothing_decoded() -> None:
    stores = {p: MemoryStore() for p in range(PARTITIONS)}
    (cid,) = customers_on(0, 1)
    stored(stores, CustomerState(cid))
    hot = HotStates(stores.get, PARTITIONS, capacity=0)
    assert hot.get(cid) is not hot.get(cid)
    assert len(hot) == 0
