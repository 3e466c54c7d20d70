"""Producer settings every producer into the pipeline's topics must share.

Co-partitioning only holds if every producer maps a key to the same partition. The Java
clients (and aiokafka) hash keys with murmur2; librdkafka's default partitioner is
CRC32-based, so confluent-kafka producers must say ``murmur2_random`` explicitly. The worker
dead-letters a record whose key hashes to another partition than the one it arrived on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

PARTITIONER = "murmur2_random"
# librdkafka writes its log lines straight to stderr unless it is given a logger: in the
# middle of a progress line or a screen, without a time or a level. Through this logger
# they become ordinary log records that the command's log settings place and filter.
CLIENT_LOG = logging.getLogger("librdkafka")


def producer_config(client: str | Mapping[str, object], **extra: object) -> dict[str, object]:
    """An idempotent, fully acknowledged producer that partitions like the Java clients.

    ``client`` is ``streams.kafka_clients.kafka_config(settings)`` (bootstrap and security),
    or a bare bootstrap address for a plaintext broker.
    """
    config: dict[str, object] = (
        {"bootstrap.servers": client} if isinstance(client, str) else dict(client)
    )
    config |= {
        "partitioner": PARTITIONER,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "logger": CLIENT_LOG,
    }
    config.update(extra)
    return config
