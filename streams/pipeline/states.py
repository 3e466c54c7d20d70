"""Customer states of the owned partitions: the local stores, with recent states kept decoded.

Decoding a stored state (JSON to frozen dataclasses) costs more than most decisions, and a
customer's events come in runs (accounts of one person, a repayment after a snapshot, the
contacts that fall due after an event), so the states written or read last are kept decoded
in a bounded LRU in front of the stores. The LRU only ever holds what the store holds: a
state enters it when it is read from the store or when a *committed* transaction wrote it
(the very object that was encoded for the changelog and the store), never before the
commit. States are frozen values, so sharing one between the LRU and a batch is safe.

Its entries go with their partition on a revocation, and all of them on a rollback (the
store has not changed then, but a rollback is rare and the cost of starting cold is small).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable

from streams.contract.partitioner import partition_of
from streams.core.state import CustomerState
from streams.pipeline.state_codec import decode_state
from streams.pipeline.store import PartitionStore

DEFAULT_HOT = 50_000  # decoded states kept per worker (~2 KiB each)


class HotStates:
    def __init__(
        self,
        store_of: Callable[[int], PartitionStore | None],
        partitions: int,
        capacity: int,
    ) -> None:
        self.store_of = store_of  # an owned partition's store; None for any other
        self.partitions = partitions
        self.capacity = capacity
        self._hot: OrderedDict[str, tuple[int, CustomerState]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, customer_id: str) -> CustomerState | None:
        """The committed state of a customer of an owned partition (None: none stored)."""
        found = self._hot.get(customer_id)
        if found is not None:
            self._hot.move_to_end(customer_id)
            self.hits += 1
            return found[1]
        key = customer_id.encode()
        partition = partition_of(key, self.partitions)
        store = self.store_of(partition)
        if store is None:
            return None
        raw = store.get(key)
        if raw is None:
            return None
        self.misses += 1
        state = decode_state(raw)[1]
        self._keep(customer_id, partition, state)
        return state

    def committed(self, writes: Iterable[tuple[str, int, CustomerState | None]]) -> None:
        """States a committed transaction wrote (and the store now holds); None: erased."""
        for customer_id, partition, state in writes:
            if state is None:
                self._hot.pop(customer_id, None)
            else:
                self._keep(customer_id, partition, state)

    def drop(self, partition: int | None = None) -> None:
        """Forget the states of ``partition`` (revoked), or all of them (a rollback)."""
        if partition is None:
            self._hot.clear()
            return
        for customer_id in [c for c, (p, _s) in self._hot.items() if p == partition]:
            del self._hot[customer_id]

    def __len__(self) -> int:
        return len(self._hot)

    def _keep(self, customer_id: str, partition: int, state: CustomerState) -> None:
        if self.capacity <= 0:
            return
        self._hot[customer_id] = (partition, state)
        self._hot.move_to_end(customer_id)
        while len(self._hot) > self.capacity:
            self._hot.popitem(last=False)
