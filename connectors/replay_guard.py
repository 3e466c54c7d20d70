"""Durable memory of accepted request nonces, so a replay is refused even after a restart.

A signed request is valid for the tolerance window around its timestamp; its nonce (the
signature) is kept a little longer than that window in SQLite (WAL, synchronous), so a
replay inside the window is refused by any later process using the same file. Older nonces
are purged on insert, which bounds the table by the accepted request rate times the window;
``max_rows`` is a hard cap beyond which new requests are refused (503) rather than letting
the table grow or forgetting nonces that are still valid.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nonces (
    nonce   TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS nonces_seen_at ON nonces (seen_at);
"""


class ReplayGuardFullError(Exception):
    """Too many live nonces: the endpoint refuses new requests until some expire."""


class ReplayGuard:
    def __init__(self, path: str | Path, keep_seconds: float, max_rows: int = 1_000_000) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._keep = keep_seconds
        self._max_rows = max_rows

    def first_use(self, nonce: str, now: float) -> bool:
        """Record ``nonce``; False if it was already recorded (a replay)."""
        self._db.execute("DELETE FROM nonces WHERE seen_at < ?", (now - self._keep,))
        (rows,) = self._db.execute("SELECT COUNT(*) FROM nonces").fetchone()
        if rows >= self._max_rows:
            raise ReplayGuardFullError(f"{rows} live nonces")
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO nonces (nonce, seen_at) VALUES (?, ?)", (nonce, now)
        )
        return cursor.rowcount == 1

    def count(self) -> int:
        (rows,) = self._db.execute("SELECT COUNT(*) FROM nonces").fetchone()
        return int(rows)

    def close(self) -> None:
        self._db.close()
