"""Settings: the one place that reads the environment.

Every other module takes values as arguments. ``Settings.from_env()`` is called by entry
points (CLI, worker, demo); tests build ``Settings(...)`` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

ClockMode = Literal["wall", "event"]

PREFIX = "COLLECTIONS_"
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
_PATHS = frozenset(
    {
        "strategy_file",
        "data_dir",
        "secrets_dir",
        "kafka_password_file",
        "kafka_ca_file",
        "kafka_cert_file",
        "kafka_key_file",
        "schema_registry_password_file",
        "schema_registry_ca_file",
    }
)
_OPTIONAL_TEXT = frozenset(
    {"schema_registry_url", "kafka_username", "kafka_password", "schema_registry_username"}
)


class SettingsError(ValueError):
    """A setting from the environment is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Settings:
    kafka_bootstrap: str = "127.0.0.1:19092"
    app_id: str = "collections-pipeline"
    # local state store: "rocksdb://" (kept across restarts) or "memory://" (restored from
    # the changelog at every start)
    store: str = "rocksdb://"
    data_dir: Path = Path(".state")
    clock: ClockMode = "wall"
    strategy_file: Path | None = None  # None = the shipped default strategy
    compliance_preset: str = "china"
    partitions: int = 6
    # production: 3 copies of every topic and changelog, min.insync.replicas=2 (a write is
    # acknowledged by two); a single local broker needs COLLECTIONS_REPLICATION_FACTOR=1
    replication_factor: int = 3
    metrics_port: int = 9464
    web_port: int = 6066
    schema_registry_url: str | None = None  # None = Avro single-object encoding
    tick_seconds: float = 1.0  # wall clock: how often due contacts are looked for
    lag_seconds: float = 5.0  # how often the consumer lag gauge is refreshed
    batch_max: int = 5000  # input records per transaction at most (fixed costs ~40 ms each)
    batch_within: float = 0.05  # seconds a poll waits for records when nothing is buffered
    hot_states: int = 50_000  # customer states kept decoded in memory (~2 KiB each)
    # the worker's identity: its Kafka transactional id is <app_id>-<instance_id>. Stable
    # across restarts (a restart then aborts what its previous life left open at once).
    # Empty: derived from the host name and the data dir (one worker per data dir).
    instance_id: str = ""
    transaction_timeout_ms: int = 10_000  # an abandoned transaction is aborted after this
    session_timeout_ms: int = 10_000  # a worker that stops heartbeating leaves the group
    max_poll_interval_ms: int = 300_000
    reorder_wait_seconds: float = 2.0  # wall clock: longest wait for an unread input topic
    stall_seconds: float = 60.0  # a partition waiting this long makes /ready answer 503
    # events dated further ahead of the clock are refused (0: 1 day on the wall clock,
    # 7 days on the event clock, where quiet partitions jump further)
    max_event_skew_seconds: float = 0.0
    # a commit that has not returned after this long is taken as a wedged client: the
    # worker exits without committing and its restart redoes the work
    commit_deadline_seconds: float = 60.0
    # extra librdkafka settings for the worker's clients, "key=value,key=value" (e.g.
    # "request.timeout.ms=10000"); they win over the worker's own choices
    kafka_options: str = ""
    topic_prefix: str = ""  # tests prepend a unique prefix; production leaves it empty
    currencies: tuple[str, ...] = ("CNY",)  # currency label values exported up front
    # HTTP endpoints (gateway metrics, callbacks) listen here: loopback unless told otherwise
    bind_host: str = "127.0.0.1"
    # per-channel secrets as files (callback signing and contact-tag keys); see SECURITY.md
    secrets_dir: Path | None = None

    # Kafka security, one block. streams.kafka_clients.kafka_config turns it into the
    # librdkafka settings every client uses. Secrets preferably as files (mounted secrets).
    kafka_security_protocol: str = "PLAINTEXT"  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"  # or SCRAM-SHA-256, PLAIN
    kafka_username: str | None = None
    kafka_password: str | None = field(default=None, repr=False)  # prefer the file
    kafka_password_file: Path | None = None
    kafka_ca_file: Path | None = None  # PEM CA bundle that signed the brokers' certificates
    kafka_cert_file: Path | None = None  # PEM client certificate (mutual TLS), optional
    kafka_key_file: Path | None = None  # its PEM private key
    schema_registry_username: str | None = None  # HTTP basic auth, optional
    schema_registry_password_file: Path | None = None
    schema_registry_ca_file: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``KAFKA_BOOTSTRAP`` and ``COLLECTIONS_*`` variables over the defaults."""
        env = os.environ if env is None else env
        s = cls()
        values: dict[str, object] = {}
        if "KAFKA_BOOTSTRAP" in env:
            values["kafka_bootstrap"] = env["KAFKA_BOOTSTRAP"]
        for name in cls.__dataclass_fields__:
            raw = env.get(PREFIX + name.upper())
            if raw is None:
                continue
            values[name] = _parse(name, raw, getattr(s, name))
        return replace(s, **values)  # type: ignore[arg-type]

    def kafka_overrides(self) -> dict[str, str]:
        """``kafka_options`` as a dict (``SettingsError`` when an item is not key=value)."""
        found: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in self.kafka_options.split(","))):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise SettingsError(f"COLLECTIONS_KAFKA_OPTIONS: {item!r} is not key=value")
            found[key.strip()] = value.strip()
        return found

    def to_env(self) -> dict[str, str]:
        """The environment that makes ``from_env`` give these settings (for child processes)."""
        env = {"KAFKA_BOOTSTRAP": self.kafka_bootstrap}
        for name in self.__dataclass_fields__:
            if name == "kafka_bootstrap":
                continue
            value = getattr(self, name)
            if isinstance(value, tuple):
                text = ",".join(value)
            elif value is None:
                text = ""
            else:
                text = str(value)
            env[PREFIX + name.upper()] = text
        return env


def _parse(name: str, raw: str, default: object) -> object:
    key = PREFIX + name.upper()
    if name == "clock":
        if raw not in ("wall", "event"):
            raise SettingsError(f"{key}={raw!r}: expected 'wall' or 'event'")
        return raw
    if name in _PATHS:
        return Path(raw) if raw else None
    if name in _OPTIONAL_TEXT:
        return raw or None
    if name == "kafka_security_protocol":
        return _one_of(key, raw.upper(), SECURITY_PROTOCOLS)
    if name == "kafka_sasl_mechanism":
        return _one_of(key, raw.upper(), SASL_MECHANISMS)
    if name == "currencies":
        return tuple(c.strip().upper() for c in raw.split(",") if c.strip())
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{key}={raw!r}: expected an integer") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{key}={raw!r}: expected a number") from None
    return raw


def _one_of(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(f"{key}={value!r}: expected one of {', '.join(allowed)}")
    return value
