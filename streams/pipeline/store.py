"""Local state of the partitions a worker owns: customer states and the partition's meta.

The changelog topic is the source of truth; a local store is a copy of one changelog
partition up to ``checkpoint`` (the offset of the last changelog record it holds). It is
written only with what a committed transaction wrote, so it can never be ahead of Kafka:
after a crash, reading the changelog from ``checkpoint + 1`` brings it up to date.

* ``MemoryStore``: a dict; restored from the changelog on every start.
* ``RocksStore``: RocksDB (rocksdict) under ``<data dir>/<app id>/customers-<partition>``,
  the checkpoint stored in the same database and written in the same batch as the data, so
  a restart reads only what other workers wrote meanwhile. The app id in the path keeps two
  apps from ever reading each other's state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

META_KEY = b"\x00partition-meta"  # the partition's own record (never a customer id)
CHECKPOINT_KEY = b"\x00checkpoint"  # RocksStore only: not a changelog key


class PartitionStore(Protocol):
    checkpoint: int  # offset of the last changelog record applied; -1 = none

    def get(self, key: bytes) -> bytes | None: ...

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every customer record (the meta record excluded)."""
        ...

    def write(self, records: Mapping[bytes, bytes | None], checkpoint: int) -> None:
        """Apply ``records`` (None = delete) and move the checkpoint, as one step."""
        ...

    def close(self) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.checkpoint = -1

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return ((k, v) for k, v in self.data.items() if k != META_KEY)

    def write(self, records: Mapping[bytes, bytes | None], checkpoint: int) -> None:
        for key, value in records.items():
            if value is None:
                self.data.pop(key, None)
            else:
                self.data[key] = value
        self.checkpoint = max(self.checkpoint, checkpoint)

    def close(self) -> None:
        self.data.clear()


class RocksStore:
    def __init__(self, path: Path) -> None:
        from rocksdict import Options, Rdict, WriteBatch  # only a RocksDB worker loads it

        path.parent.mkdir(parents=True, exist_ok=True)
        self._batch = WriteBatch
        self._db = Rdict(str(path), options=Options(raw_mode=True))
        raw = self._db.get(CHECKPOINT_KEY)
        self.checkpoint = int(raw) if raw is not None else -1

    def get(self, key: bytes) -> bytes | None:
        value: bytes | None = self._db.get(key)
        return value

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        for key, value in self._db.items():
            if key not in (META_KEY, CHECKPOINT_KEY):
                yield key, value

    def write(self, records: Mapping[bytes, bytes | None], checkpoint: int) -> None:
        batch = self._batch(raw_mode=True)
        for key, value in records.items():
            if value is None:
                batch.delete(key)
            else:
                batch.put(key, value)
        self.checkpoint = max(self.checkpoint, checkpoint)
        batch.put(CHECKPOINT_KEY, str(self.checkpoint).encode())
        self._db.write(batch)

    def close(self) -> None:
        self._db.close()


def open_store(kind: str, data_dir: Path, app_id: str, partition: int) -> PartitionStore:
    """``kind``: ``memory`` or ``rocksdb`` (``rocksdb://`` and ``memory://`` also accepted)."""
    name = kind.split(":", 1)[0]
    if name == "memory":
        return MemoryStore()
    if name == "rocksdb":
        return RocksStore(data_dir / app_id / f"customers-{partition}")
    raise ValueError(f"unknown store {kind!r}: expected memory or rocksdb")
