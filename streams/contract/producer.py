"""Producer settings every producer into the pipeline's topics must share.

Co-partitioning only holds if every producer maps a key to the same partition. The Java
clients (and aiokafka) hash keys with murmur2; librdkafka's default partitioner is
CRC32-based, so confluent-kafka producers must say ``murmur2_random`` explicitly. The worker
dead-letters a record whose key hashes to another partition than the one it arrived on.
"""

from __future__ import annotations

PARTITIONER = "murmur2_random"


def producer_config(bootstrap: str, **extra: object) -> dict[str, object]:
    """An idempotent, fully acknowledged producer that partitions like Faust and Java."""
    config: dict[str, object] = {
        "bootstrap.servers": bootstrap,
        "partitioner": PARTITIONER,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
    }
    config.update(extra)
    return config
