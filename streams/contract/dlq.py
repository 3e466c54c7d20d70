"""The dead-letter path: provenance headers for ``collections.dlq.v1``.

A dead letter keeps the original key and value bytes untouched; everything about where it
came from and why it was refused travels in ``dlq.*`` headers (UTF-8 strings), so the
partition it came from keeps flowing and the message can be inspected or replayed later.
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.contract.codec import REASONS as DECODE_REASONS

HEADER_TOPIC = "dlq.original.topic"
HEADER_PARTITION = "dlq.original.partition"
HEADER_OFFSET = "dlq.original.offset"
HEADER_STAGE = "dlq.stage"
HEADER_ERROR_CLASS = "dlq.error.class"
HEADER_ERROR_MESSAGE = "dlq.error.message"
HEADER_REASON = "dlq.reason"

MAX_MESSAGE_BYTES = 4096  # longer error messages are cut (headers are not for stack traces)

# Label values a dead-letter counter should initialise up front (the codec's reasons; the
# pipeline adds the reasons of its core, e.g. for records that decode but cannot apply).
KNOWN_REASONS: tuple[str, ...] = DECODE_REASONS


def dead_letter_headers(
    *,
    topic: str,
    partition: int,
    offset: int,
    stage: str,
    error_class: str,
    message: str,
    reason: str,
) -> list[tuple[str, bytes]]:
    """Headers naming the original topic, partition, offset, stage, error and reason."""
    return [
        (HEADER_TOPIC, topic.encode()),
        (HEADER_PARTITION, str(partition).encode()),
        (HEADER_OFFSET, str(offset).encode()),
        (HEADER_STAGE, stage.encode()),
        (HEADER_ERROR_CLASS, error_class.encode()),
        (HEADER_ERROR_MESSAGE, _cut(message.encode(errors="replace"))),
        (HEADER_REASON, reason.encode()),
    ]


def read_dead_letter_headers(
    headers: Iterable[tuple[str, bytes | None]] | None,
) -> dict[str, str]:
    """The ``dlq.*`` headers of a consumed message as a dict of strings (for tools, tests)."""
    return {
        name: (value or b"").decode(errors="replace")
        for name, value in headers or ()
        if name.startswith("dlq.")
    }


def _cut(raw: bytes) -> bytes:
    if len(raw) <= MAX_MESSAGE_BYTES:
        return raw
    return raw[: MAX_MESSAGE_BYTES - 3].decode(errors="ignore").encode() + b"..."
