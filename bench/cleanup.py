"""Delete a run's topics (inputs, outputs, the table's changelog) so runs do not pile up."""

from __future__ import annotations

import contextlib

from confluent_kafka.admin import AdminClient, NewTopic

from bench.workload import client_config


def delete_topics(bootstrap: str, name: str) -> None:
    """Delete every topic whose name starts with the run's ``name`` (best effort)."""
    admin = AdminClient(client_config(bootstrap))
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(name)]
    if not topics:
        return
    for future in admin.delete_topics(topics, operation_timeout=30).values():
        with contextlib.suppress(Exception):  # cleanup only: the next run uses new names
            future.result()


def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    """A compacted topic (the baseline's hand-rolled changelog)."""
    admin = AdminClient(client_config(bootstrap))
    spec = NewTopic(name, partitions, 1, config={"cleanup.policy": "compact"})
    for future in admin.create_topics([spec]).values():
        future.result()
