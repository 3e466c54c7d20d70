"""The demo's clean slate on the local broker: a previous run's topics and consumer groups go.

Groups must go with the topics: offsets committed on a topic that is then created again
point past its new, empty end, and the gateway of the next run would start from
"offset out of range".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from streams.demo.options import DemoOptions
from streams.demo.stack import clean_slate, create_topics
from tests.integration.kafka_tools import produce

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(120)]


def commit_offset(bootstrap: str, group: str, topic: str) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        [done] = consumer.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)
        assert done.error is None, done.error
    finally:
        consumer.close()


def wait_listed(bootstrap: str, wanted: set[str], timeout: float = 30.0) -> None:
    """Group listings lag commits a little (the coordinator writes, then lists)."""
    deadline = time.monotonic() + timeout
    while not wanted <= groups(bootstrap):
        assert time.monotonic() < deadline, f"groups {wanted - groups(bootstrap)} never listed"
        time.sleep(0.2)


def groups(bootstrap: str) -> set[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.list_topics(timeout=10)  # learn the brokers: ListGroups goes to those known
    listed = admin.list_consumer_groups(request_timeout=10).result()
    return {g.group_id for g in listed.valid}


def test_a_previous_runs_topics_and_groups_are_deleted_and_nothing_else(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    opts = DemoOptions(topic_prefix=f"{unique_name()}.", state_dir=tmp_path, partitions=1)
    create_topics(opts, kafka_bootstrap)
    topic = opts.catalogue().aging.name
    produce(kafka_bootstrap, topic, [(b"C-1", b"x", None)])
    ours = [opts.app_id, f"{opts.app_id}-gateway-sms", f"{opts.app_id}-customers"]
    other = f"{unique_name()}-someone-else"
    for group in [*ours, other]:
        commit_offset(kafka_bootstrap, group, topic)
    wait_listed(kafka_bootstrap, set(ours) | {other})

    clean_slate(opts, {"bootstrap.servers": kafka_bootstrap}, local=True)

    left = groups(kafka_bootstrap)
    assert not set(ours) & left
    assert other in left
    names = set(AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics().topics)
    assert not {t.name for t in opts.catalogue().all()} & names
