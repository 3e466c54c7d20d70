"""One translation of the settings into librdkafka and schema-registry client configs."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from streams.kafka_clients import (
    add_arguments,
    kafka_config,
    registry_config,
    with_arguments,
)
from streams.settings import Settings, SettingsError


def secret(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_plaintext_broker_gets_only_its_bootstrap() -> None:
    assert kafka_config(Settings(kafka_bootstrap="b:1")) == {"bootstrap.servers": "b:1"}


def test_sasl_ssl_gives_scram_credentials_from_a_file_and_verified_tls(tmp_path: Path) -> None:
    ca = secret(tmp_path, "ca.pem", "-----BEGIN CERTIFICATE-----\n")
    settings = Settings(
        kafka_bootstrap="kafka:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_username="publisher",
        kafka_password_file=secret(tmp_path, "pw", "correct horse\n"),
        kafka_ca_file=ca,
    )
    assert kafka_config(settings) == {
        "bootstrap.servers": "kafka:9093",
        "security.protocol": "sasl_ssl",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "publisher",
        "sasl.password": "correct horse",
        "ssl.ca.location": str(ca),
        "ssl.endpoint.identification.algorithm": "https",
    }


def test_mutual_tls_passes_the_client_certificate_and_key(tmp_path: Path) -> None:
    cert, key = secret(tmp_path, "c.pem", "c"), secret(tmp_path, "k.pem", "k")
    config = kafka_config(
        Settings(kafka_security_protocol="SSL", kafka_cert_file=cert, kafka_key_file=key)
    )
    assert (config["security.protocol"], config["ssl.certificate.location"]) == ("ssl", str(cert))
    assert config["ssl.key.location"] == str(key)
    assert "sasl.username" not in config


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        (Settings(kafka_security_protocol="SASL_SSL"), "USERNAME"),
        (Settings(kafka_security_protocol="SASL_SSL", kafka_username="u"), "PASSWORD"),
        (
            Settings(kafka_security_protocol="SASL_SSL", kafka_username="u", kafka_password="p",
                     kafka_sasl_mechanism="GSSAPI"),
            "GSSAPI",
        ),
        (Settings(kafka_security_protocol="SSL", kafka_cert_file=Path("/c.pem")), "KEY_FILE"),
        (Settings(kafka_security_protocol="SSL", kafka_ca_file=Path("/missing.pem")), "missing"),
        (
            Settings(kafka_security_protocol="SASL_SSL", kafka_username="u",
                     kafka_password_file=Path("/no/such/file")),
            "/no/such/file",
        ),
    ],
)  # fmt: skip
def test_incomplete_security_settings_fail_at_start_naming_the_problem(
    settings: Settings, complaint: str
) -> None:
    with pytest.raises(SettingsError, match=complaint):
        kafka_config(settings)


def test_the_password_is_never_shown_in_the_settings_repr() -> None:
    assert "hunter2" not in repr(Settings(kafka_password="hunter2"))


def test_the_environment_selects_the_security_block(tmp_path: Path) -> None:
    env = {
        "KAFKA_BOOTSTRAP": "k:9093",
        "COLLECTIONS_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "COLLECTIONS_KAFKA_USERNAME": "worker",
        "COLLECTIONS_KAFKA_PASSWORD_FILE": str(secret(tmp_path, "pw", "s")),
    }
    settings = Settings.from_env(env)
    assert (settings.kafka_security_protocol, settings.kafka_username) == ("SASL_SSL", "worker")
    assert Settings.from_env(settings.to_env()) == settings
    assert kafka_config(settings)["sasl.password"] == "s"


def test_an_unknown_protocol_in_the_environment_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="COLLECTIONS_KAFKA_SECURITY_PROTOCOL"):
        Settings.from_env({"COLLECTIONS_KAFKA_SECURITY_PROTOCOL": "TLS1.3"})


def test_flags_override_the_environment(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    pw = secret(tmp_path, "pw", "from-flag")
    args = parser.parse_args(
        ["--bootstrap", "f:1", "--security-protocol", "sasl_plaintext", "--sasl-username", "ops",
         "--sasl-password-file", str(pw)]
    )  # fmt: skip
    base = Settings(kafka_bootstrap="env:1", kafka_username="env-user", kafka_password="env")
    config = kafka_config(with_arguments(base, args))
    assert (config["bootstrap.servers"], config["sasl.username"]) == ("f:1", "ops")
    assert config["sasl.password"] == "from-flag"
    assert with_arguments(base, parser.parse_args([])) == base


def test_no_registry_gives_an_empty_config() -> None:
    assert registry_config(Settings()) == {}


def test_the_registry_gets_basic_auth_from_a_file_and_a_ca(tmp_path: Path) -> None:
    ca = secret(tmp_path, "ca.pem", "x")
    settings = Settings(
        schema_registry_url="https://registry:8081",
        schema_registry_username="pipeline",
        schema_registry_password_file=secret(tmp_path, "pw", "reg-pw\n"),
        schema_registry_ca_file=ca,
    )
    assert registry_config(settings) == {
        "url": "https://registry:8081",
        "basic.auth.credentials.source": "USER_INFO",
        "basic.auth.user.info": "pipeline:reg-pw",
        "ssl.ca.location": str(ca),
    }
