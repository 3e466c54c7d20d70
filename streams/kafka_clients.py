"""The one translation of ``Settings`` into client configs: Kafka (librdkafka) and the registry.

Every confluent-kafka producer, consumer and admin client of the project starts from
``kafka_config(settings)`` (bootstrap servers and security) and adds its own keys on top,
so TLS and SASL are configured in one place and no client can be left on plaintext by
accident. ``registry_config`` does the same for the schema-registry client.

Secrets are read from their files here, when a client is built, so a rotated password
file takes effect at the next start without a settings change. ``add_arguments`` and
``with_arguments`` give every command the same flags to override the environment.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from streams.settings import SASL_MECHANISMS, SECURITY_PROTOCOLS, Settings, SettingsError


def kafka_config(settings: Settings) -> dict[str, object]:
    """librdkafka settings for ``settings``: bootstrap plus security; callers add the rest."""
    config: dict[str, object] = {"bootstrap.servers": settings.kafka_bootstrap}
    protocol = settings.kafka_security_protocol.upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise SettingsError(f"unknown Kafka security protocol {protocol!r}")
    if protocol == "PLAINTEXT":
        return config
    config["security.protocol"] = protocol.lower()
    if protocol.startswith("SASL_"):
        config.update(_sasl(settings))
    if protocol.endswith("SSL"):
        config.update(_tls(settings))
    return config


def _sasl(settings: Settings) -> dict[str, object]:
    mechanism = settings.kafka_sasl_mechanism.upper()
    if mechanism not in SASL_MECHANISMS:
        raise SettingsError(f"unknown SASL mechanism {mechanism!r}")
    if not settings.kafka_username:
        raise SettingsError("SASL needs COLLECTIONS_KAFKA_USERNAME")
    password = _secret(
        settings.kafka_password, settings.kafka_password_file, "COLLECTIONS_KAFKA_PASSWORD_FILE"
    )
    return {"sasl.mechanism": mechanism, "sasl.username": settings.kafka_username,
            "sasl.password": password}  # fmt: skip


def _tls(settings: Settings) -> dict[str, object]:
    config: dict[str, object] = {"ssl.endpoint.identification.algorithm": "https"}
    if settings.kafka_ca_file is not None:
        config["ssl.ca.location"] = str(_readable(settings.kafka_ca_file))
    if (settings.kafka_cert_file is None) != (settings.kafka_key_file is None):
        raise SettingsError("a client certificate needs both KAFKA_CERT_FILE and KAFKA_KEY_FILE")
    if settings.kafka_cert_file is not None and settings.kafka_key_file is not None:
        config["ssl.certificate.location"] = str(_readable(settings.kafka_cert_file))
        config["ssl.key.location"] = str(_readable(settings.kafka_key_file))
    return config


def registry_config(settings: Settings) -> dict[str, object]:
    """``SchemaRegistryClient`` settings; ``{}`` when no registry is configured."""
    if settings.schema_registry_url is None:
        return {}
    config: dict[str, object] = {"url": settings.schema_registry_url}
    if settings.schema_registry_username:
        password = _secret(
            None, settings.schema_registry_password_file, "SCHEMA_REGISTRY_PASSWORD_FILE"
        )
        config["basic.auth.credentials.source"] = "USER_INFO"
        config["basic.auth.user.info"] = f"{settings.schema_registry_username}:{password}"
    if settings.schema_registry_ca_file is not None:
        config["ssl.ca.location"] = str(_readable(settings.schema_registry_ca_file))
    return config


def read_secret(path: Path) -> str:
    """A secret file's text without the trailing newline; ``SettingsError`` if unreadable."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"cannot read secret file {path}: {exc.strerror}") from None
    if not text:
        raise SettingsError(f"secret file {path} is empty")
    return text


def _secret(value: str | None, path: Path | None, name: str) -> str:
    if path is not None:
        return read_secret(path)
    if value:
        return value
    raise SettingsError(f"a password is needed: set {name} (or the password variable)")


def _readable(path: Path) -> Path:
    if not path.is_file():
        raise SettingsError(f"TLS file {path} does not exist")
    return path


# ------------------------------------------------------------------------------ flags

_FLAGS = (  # flag, settings field, help
    ("--bootstrap", "kafka_bootstrap", "Kafka bootstrap servers (KAFKA_BOOTSTRAP)"),
    ("--security-protocol", "kafka_security_protocol", "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
    ("--sasl-mechanism", "kafka_sasl_mechanism", "SCRAM-SHA-512 (default), SCRAM-SHA-256, PLAIN"),
    ("--sasl-username", "kafka_username", "Kafka principal (COLLECTIONS_KAFKA_USERNAME)"),
    ("--sasl-password-file", "kafka_password_file", "file holding the principal's password"),
    ("--ssl-ca-file", "kafka_ca_file", "PEM CA bundle of the brokers"),
    ("--ssl-cert-file", "kafka_cert_file", "PEM client certificate (mutual TLS)"),
    ("--ssl-key-file", "kafka_key_file", "PEM key of the client certificate"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Kafka connection flags; each overrides the matching environment setting."""
    group = parser.add_argument_group("Kafka connection (override the environment)")
    for flag, _field, text in _FLAGS:
        group.add_argument(flag, help=text)


def with_arguments(settings: Settings, args: argparse.Namespace) -> Settings:
    """``settings`` with the flags of ``add_arguments`` that were given applied on top."""
    values: dict[str, object] = {}
    for flag, name, _text in _FLAGS:
        raw = getattr(args, flag.removeprefix("--").replace("-", "_"), None)
        if raw is None:
            continue
        if name.endswith("_file"):
            values[name] = Path(raw)
        elif name in ("kafka_security_protocol", "kafka_sasl_mechanism"):
            values[name] = str(raw).upper()
        else:
            values[name] = raw
    return replace(settings, **values)  # type: ignore[arg-type]
