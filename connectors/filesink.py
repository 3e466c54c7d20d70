"""File / stdout adapter for the demo: one JSON line per delivered contact."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from connectors.base import DeliveryResult, Gateway
from streams.contract.codec import record_to_json
from streams.core.model import ContactDue


class FileSinkGateway(Gateway):
    """Append each contact as JSON Lines to ``path`` (``None`` or ``"-"`` = stdout)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._path = None if path in (None, "-") else Path(str(path))
        self._file: TextIO | None = None

    async def start(self) -> None:
        if self._file is not None:
            return
        if self._path is None:
            self._file = sys.stdout
        else:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self._path.open("a", encoding="utf-8")

    async def close(self) -> None:
        if self._file is not None and self._file is not sys.stdout:
            self._file.close()
        self._file = None

    async def forget(self, customer_id: str) -> int:
        """Rewrite the file without the customer's lines (stdout cannot be rewritten)."""
        if self._path is None or not self._path.exists():
            return 0
        await self.close()
        kept, removed = [], 0
        for line in self._path.read_text(encoding="utf-8").splitlines(keepends=True):
            try:
                mine = json.loads(line).get("customer_id") == customer_id
            except (ValueError, AttributeError):
                mine = False
            removed += mine
            if not mine:
                kept.append(line)
        scratch = self._path.with_name(self._path.name + ".erasing")
        scratch.write_text("".join(kept), encoding="utf-8")
        scratch.replace(self._path)
        return removed

    async def deliver(self, contact: ContactDue) -> DeliveryResult:
        await self.start()
        assert self._file is not None
        try:
            self._file.write(json.dumps(record_to_json(contact), ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as exc:
            return DeliveryResult.retryable("io_error", str(exc))
        return DeliveryResult.delivered()
