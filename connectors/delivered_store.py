"""Durable record of delivered contact ids (SQLite, WAL), so no contact is sent twice.

The runner checks :meth:`DeliveredStore.get` before delivering, calls
:meth:`record_delivered` right after the gateway accepted a contact, and
:meth:`mark_reported` once the DELIVERED outcome event is on Kafka. A row that is delivered
but not reported (a crash in between) lets a restarted runner publish the outcome without
delivering again.

Personal data: each row links a contact id to a (pseudonymous) customer id. Rows older
than the retention (``purge_older_than``, run by the runner) are deleted: they only need to
outlive the contact-due topic's retention, after which no duplicate can arrive. An erasure
(:meth:`forget`) deletes a customer's rows at once and keeps a hash of the customer id for
``ERASED_DAYS`` so that a contact still on the topic is not delivered to them afterwards.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS delivered (
    contact_id   TEXT PRIMARY KEY,
    channel      TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    reported     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS erased (
    customer_hash TEXT PRIMARY KEY,
    erased_at     TEXT NOT NULL
);
"""
ERASED_DAYS = 8  # longer than the contact-due topics' retention (7 days)


@dataclass(frozen=True, slots=True)
class DeliveredRecord:
    contact_id: str
    channel: str
    delivered_at: datetime
    reported: bool


def customer_hash(customer_id: str) -> str:
    return hashlib.sha256(f"erased|{customer_id}".encode()).hexdigest()


class DeliveredStore:
    """One SQLite file; ``":memory:"`` for throwaway use. Not shared between processes."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten, not kept
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(delivered)")}
        if "customer_id" not in columns:  # files from before erasure support
            self._db.execute("ALTER TABLE delivered ADD COLUMN customer_id TEXT")
        self._db.execute("CREATE INDEX IF NOT EXISTS delivered_customer ON delivered (customer_id)")

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

    def record_delivered(
        self, contact_id: str, channel: str, delivered_at: datetime, customer_id: str | None = None
    ) -> None:
        """Remember a delivery (idempotent: the first delivery time is kept)."""
        if delivered_at.tzinfo is None:
            raise ValueError("delivered_at must be timezone-aware")
        self._db.execute(
            "INSERT OR IGNORE INTO delivered (contact_id, channel, delivered_at, customer_id)"
            " VALUES (?, ?, ?, ?)",
            (contact_id, channel, _utc(delivered_at), customer_id),
        )

    def mark_reported(self, contact_id: str) -> None:
        self._db.execute("UPDATE delivered SET reported = 1 WHERE contact_id = ?", (contact_id,))

    def count(self) -> int:
        (n,) = self._db.execute("SELECT COUNT(*) FROM delivered").fetchone()
        return int(n)

    def forget(self, customer_id: str, now: datetime) -> int:
        """Delete the customer's rows and remember the erasure; returns the rows deleted."""
        with self._db:
            self._db.execute("BEGIN")
            deleted = self._db.execute(
                "DELETE FROM delivered WHERE customer_id = ?", (customer_id,)
            ).rowcount
            self._db.execute(
                "INSERT OR REPLACE INTO erased (customer_hash, erased_at) VALUES (?, ?)",
                (customer_hash(customer_id), _utc(now)),
            )
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old pages leave the WAL too
        return int(deleted)

    def is_erased(self, customer_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM erased WHERE customer_hash = ?", (customer_hash(customer_id),)
        ).fetchone()
        return row is not None

    def purge(self, now: datetime, retention: timedelta) -> int:
        """Apply the retention: deliveries older than ``retention``, erasures past theirs."""
        deliveries = _utc(now - retention)
        erasures = _utc(now - timedelta(days=ERASED_DAYS))
        deleted = self._db.execute(
            "DELETE FROM delivered WHERE delivered_at < ?", (deliveries,)
        ).rowcount
        self._db.execute("DELETE FROM erased WHERE erased_at < ?", (erasures,))
        return int(deleted)

    def close(self) -> None:
        self._db.close()


def _utc(at: datetime) -> str:
    """ISO text in UTC, so that rows compare in time order as text."""
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return at.astimezone(UTC).isoformat()
