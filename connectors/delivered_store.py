"""Durable record of delivered contact ids (SQLite, WAL), so no contact is sent twice.

The runner checks :meth:`DeliveredStore.get` before delivering, calls
:meth:`record_delivered` right after the gateway accepted a contact, and
:meth:`mark_reported` once the DELIVERED outcome event is on Kafka. A row that is delivered
but not reported (a crash in between) lets a restarted runner publish the outcome without
delivering again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS delivered (
    contact_id   TEXT PRIMARY KEY,
    channel      TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    reported     INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True, slots=True)
class DeliveredRecord:
    contact_id: str
    channel: str
    delivered_at: datetime
    reported: bool


class DeliveredStore:
    """One SQLite file; ``":memory:"`` for throwaway use. Not shared between processes."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def get(self, contact_id: str) -> DeliveredRecord | None:
        row = self._db.execute(
            "SELECT contact_id, channel, delivered_at, reported FROM delivered"
            " WHERE contact_id = ?",
            (contact_id,),
        ).fetchone()
        if row is None:
            return None
        return DeliveredRecord(row[0], row[1], datetime.fromisoformat(row[2]), bool(row[3]))

    def __contains__(self, contact_id: object) -> bool:
        return isinstance(contact_id, str) and self.get(contact_id) is not None

    def record_delivered(self, contact_id: str, channel: str, delivered_at: datetime) -> None:
        """Remember a delivery (idempotent: the first delivery time is kept)."""
        if delivered_at.tzinfo is None:
            raise ValueError("delivered_at must be timezone-aware")
        self._db.execute(
            "INSERT OR IGNORE INTO delivered (contact_id, channel, delivered_at) VALUES (?, ?, ?)",
            (contact_id, channel, delivered_at.isoformat()),
        )

    def mark_reported(self, contact_id: str) -> None:
        self._db.execute("UPDATE delivered SET reported = 1 WHERE contact_id = ?", (contact_id,))

    def count(self) -> int:
        (n,) = self._db.execute("SELECT COUNT(*) FROM delivered").fetchone()
        return int(n)

    def close(self) -> None:
        self._db.close()
