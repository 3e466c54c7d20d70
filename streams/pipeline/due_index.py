"""Per-partition index of customers by their next due time.

A heap of (due time, customer) per owned partition, with lazy deletion: rescheduling pushes a
new entry and remembers the current time per customer; stale heap entries are skipped when
popped. A tick costs O(due items · log n), never a scan of every customer.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime


class DueIndex:
    def __init__(self) -> None:
        self._heaps: dict[int, list[tuple[datetime, str]]] = {}
        self._when: dict[int, dict[str, datetime]] = {}

    def schedule(self, partition: int, customer_id: str, when: datetime | None) -> None:
        """Set (or clear, with ``None``) the next due time of a customer."""
        current = self._when.setdefault(partition, {})
        if when is None:
            current.pop(customer_id, None)
            return
        if current.get(customer_id) == when:
            return
        current[customer_id] = when
        heapq.heappush(self._heaps.setdefault(partition, []), (when, customer_id))

    def pop_due(self, partition: int, now: datetime) -> list[str]:
        """Customers of ``partition`` due at or before ``now``; they leave the index."""
        heap = self._heaps.get(partition)
        if not heap:
            return []
        current = self._when[partition]
        due: list[str] = []
        while heap and heap[0][0] <= now:
            when, customer_id = heapq.heappop(heap)
            if current.get(customer_id) == when:
                del current[customer_id]
                due.append(customer_id)
        return due

    def pop_next(self, partition: int, now: datetime) -> tuple[datetime, str] | None:
        """The earliest (due time, customer) at or before ``now``, removed; None if none."""
        heap = self._heaps.get(partition)
        if not heap:
            return None
        current = self._when[partition]
        while heap and heap[0][0] <= now:
            when, customer_id = heapq.heappop(heap)
            if current.get(customer_id) == when:
                del current[customer_id]
                return when, customer_id
        return None

    def rebuild(self, partition: int, entries: Iterable[tuple[str, datetime]]) -> None:
        when = dict(entries)
        self._when[partition] = when
        heap = [(at, cid) for cid, at in when.items()]
        heapq.heapify(heap)
        self._heaps[partition] = heap

    def drop(self, partition: int) -> None:
        self._heaps.pop(partition, None)
        self._when.pop(partition, None)

    def next_due_of(self, partition: int, customer_id: str) -> datetime | None:
        return self._when.get(partition, {}).get(customer_id)

    def next_due(self, partition: int) -> datetime | None:
        heap = self._heaps.get(partition)
        current = self._when.get(partition, {})
        while heap and current.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def __len__(self) -> int:
        return sum(len(w) for w in self._when.values())

    def partitions(self) -> frozenset[int]:
        return frozenset(self._heaps)
