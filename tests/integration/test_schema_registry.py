"""Wire-format and single-object messages share a real topic while producers switch over.

The registry is ``FakeSchemaRegistry`` (the real one cannot run on this machine).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from streams.contract.codec import decode_any, encode
from streams.contract.examples import EXAMPLES
from streams.contract.registry import use_registry
from tests.integration.kafka_tools import consume, create_topics, produce
from tests.unit.contract.fake_schema_registry import FakeSchemaRegistry

pytestmark = pytest.mark.kafka


def test_a_topic_carrying_both_framings_decodes_every_message(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    topic = f"{unique_name()}.mixed"
    create_topics(kafka_bootstrap, [topic], partitions=1)
    records = list(EXAMPLES.values())
    single = [encode(record) for record in records]
    with FakeSchemaRegistry() as fake:
        use_registry(fake.client())
        try:
            wire = [encode(record) for record in records]
            sent = [*single, *wire]
            produce(kafka_bootstrap, topic, [(b"C-1", value, None) for value in sent])
            got = consume(kafka_bootstrap, [topic], until=lambda ms: len(ms) >= len(sent))
            decoded = [decode_any(m.value() or b"") for m in got]
        finally:
            use_registry(None)
    assert {m.value()[:1] for m in got} == {b"\xc3", b"\x00"}
    assert decoded == [*records, *records]
