"""Session-wide fixtures: one real Kafka broker per test run, unique names per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings

from tests.kafka_broker import Broker, SecuredBroker, start_broker, start_secured_broker
from tests.schema_registry import Registry, start_registry

# Property tests are deterministic by default (fixed examples, no example database), so a
# fresh clone is never red by chance; a counterexample found while exploring becomes an
# explicit example test. `HYPOTHESIS_PROFILE=explore` runs a longer randomised search.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", max_examples=2000, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_broker: Broker | None = None
_secured: SecuredBroker | None = None
_registry: Registry | None = None


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a real broker: $KAFKA_BOOTSTRAP, or a local one started here."""
    global _broker
    _broker = start_broker(tmp_path_factory.mktemp("kafka"))
    try:
        yield _broker.bootstrap
    finally:
        _broker.stop()


@pytest.fixture(scope="session")
def secured_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    """A second, SASL_SSL broker with ACLs enforced, started once for the tests that need it."""
    global _secured
    _secured = start_secured_broker(tmp_path_factory.mktemp("kafka-secured"))
    try:
        yield _secured
    finally:
        _secured.stop()


@pytest.fixture(scope="session")
def schema_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A real schema registry (Apicurio, Confluent-compatible API): $SCHEMA_REGISTRY_URL, or a
    local one built from Maven Central jars and started here (deploy/local/registry.sh)."""
    global _registry
    _registry = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield _registry
    finally:
        _registry.stop()


@pytest.fixture
def unique_name() -> Callable[[], str]:
    """Factory of short unique names (topic prefixes, group and app ids) for one test."""

    def make() -> str:
        return "t" + uuid.uuid4().hex[:10]

    return make


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _secured is not None:
        terminalreporter.write_line(
            f"kafka: secured broker {_secured.bootstrap} start-up took "
            f"{_secured.startup_seconds:.1f}s"
        )
    if _registry is not None and _registry.started_here:
        terminalreporter.write_line(
            f"schema registry: local {_registry.url} start-up took {_registry.startup_seconds:.1f}s"
        )
    if _broker is None:
        return
    if _broker.started_here:
        terminalreporter.write_line(
            f"kafka: local broker {_broker.bootstrap} start-up took {_broker.startup_seconds:.1f}s"
        )
    else:
        terminalreporter.write_line(f"kafka: used KAFKA_BOOTSTRAP={_broker.bootstrap}")
