"""Reading upstream files: CSV with a header row, or JSON Lines (one object a line).

Each yields ``(line, event)`` or ``(line, RowRejected)``; ``line`` is the 1-based line of
the file where the row ends (the CSV header is line 1). Blank lines are not rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from connectors.base import RecordSource, RowRejected, UpstreamEvent
from connectors.rows import PARSERS, InvalidRowError, Kind, Row

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})


def _validate(kind: Kind, row: Row) -> UpstreamEvent | RowRejected:
    try:
        return PARSERS[kind](row)
    except InvalidRowError as exc:
        return RowRejected(str(exc), dict(row), tuple(str(p) for p in exc.problems))


class CsvSource(RecordSource):
    def __init__(self, path: Path, kind: Kind) -> None:
        self._path = path
        self._kind = kind

    def rows(self) -> Iterator[tuple[int, UpstreamEvent | RowRejected]]:
        with self._path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return
            names = [name.strip() for name in header]
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(names):
                    problem = f"expected {len(names)} columns, got {len(cells)}"
                    yield reader.line_num, RowRejected(problem, cells)
                    continue
                yield reader.line_num, _validate(self._kind, dict(zip(names, cells, strict=True)))


class JsonLinesSource(RecordSource):
    def __init__(self, path: Path, kind: Kind) -> None:
        self._path = path
        self._kind = kind

    def rows(self) -> Iterator[tuple[int, UpstreamEvent | RowRejected]]:
        with self._path.open(encoding="utf-8-sig") as handle:
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield line, RowRejected(f"invalid JSON: {exc.msg}", text.rstrip("\n"))
                    continue
                if not isinstance(row, dict):
                    yield line, RowRejected("expected a JSON object", row)
                    continue
                yield line, _validate(self._kind, row)


def open_source(path: Path, kind: Kind) -> RecordSource:
    """CSV unless the file name ends in .jsonl, .ndjson or .json."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        return JsonLinesSource(path, kind)
    return CsvSource(path, kind)
