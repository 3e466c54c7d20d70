"""The erasure audit trail: one JSON line per erasure a component carried out.

It proves that a request was honoured without keeping what was erased: the line names the
request (``event_id``, ``source``, when it was asked and done), the component and how many
records each store dropped, never the customer id. The privacy office maps the event id to
the person in its own system. The file holds no personal data and is kept as long as the
audit policy says (SECURITY.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from streams.core.model import ErasureRequest


class ErasureAudit:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(
        self,
        request: ErasureRequest,
        component: str,
        purged: Mapping[str, int],
        at: datetime,
    ) -> None:
        entry = {
            "event_id": request.event_id,
            "requested_at": request.occurred_at.isoformat(),
            "source": request.source,
            "processed_at": at.isoformat(),
            "component": component,
            "purged": dict(purged),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, sort_keys=True) + "\n")
            out.flush()
