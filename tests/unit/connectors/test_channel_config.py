import json
from pathlib import Path

import pytest

from connectors.channels import ChannelConfigError, build_gateways, parse_channel_option
from connectors.filesink import FileSinkGateway
from connectors.webhook import WebhookGateway
from streams.core.model import Channel
from tests.unit.connectors.factories import contact_due


def test_a_mapping_builds_one_adapter_per_channel() -> None:
    gateways = build_gateways(
        {
            "sms": {"adapter": "webhook", "url": "https://sms-gw/contacts", "max_attempts": 2},
            "legal_letter": {"adapter": "file", "path": "-"},
        }
    )
    assert isinstance(gateways[Channel.SMS], WebhookGateway)
    assert isinstance(gateways[Channel.LEGAL_LETTER], FileSinkGateway)
    assert set(gateways) == {Channel.SMS, Channel.LEGAL_LETTER}


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"fax": {"adapter": "file"}}, "unknown channel"),
        ({"sms": {"adapter": "carrier_pigeon"}}, "unknown adapter"),
        ({"sms": {"adapter": "webhook"}}, "needs a 'url'"),
    ],
)
def test_bad_channel_mappings_are_refused(
    config: dict[str, dict[str, object]], problem: str
) -> None:
    with pytest.raises(ChannelConfigError, match=problem):
        build_gateways(config)


def test_cli_channel_options_split_into_channel_and_adapter_settings() -> None:
    assert parse_channel_option("sms=webhook:http://gw:8080/sms") == (
        "sms",
        {"adapter": "webhook", "url": "http://gw:8080/sms"},
    )
    assert parse_channel_option("ivr=file:-") == ("ivr", {"adapter": "file", "path": "-"})


def test_cli_channel_options_without_an_adapter_are_refused() -> None:
    with pytest.raises(ChannelConfigError, match="CHANNEL=webhook:URL"):
        parse_channel_option("sms")


def test_plain_http_needs_an_explicit_allow_http() -> None:
    with pytest.raises(ChannelConfigError, match="allow_http"):
        build_gateways({"sms": {"adapter": "webhook", "url": "http://sms-gw/contacts"}})
    gateways = build_gateways(
        {"sms": {"adapter": "webhook", "url": "http://sms-gw/contacts", "allow_http": True}}
    )
    assert isinstance(gateways[Channel.SMS], WebhookGateway)


def test_webhook_auth_and_tag_keys_come_from_files(tmp_path: Path) -> None:
    token = tmp_path / "sms.token"
    token.write_text("a-bearer-token-from-the-vendor\n")
    tag = tmp_path / "contact-tag-sms.key"
    tag.write_text("internal-tag-key-0123456789\n")
    options = {
        "adapter": "webhook",
        "url": "https://sms-gw/contacts",
        "auth": "bearer",
        "token_file": str(token),
        "contact_tag_key_file": str(tag),
    }
    gateway = build_gateways({"sms": options})[Channel.SMS]
    assert isinstance(gateway, WebhookGateway)
    body = json.loads(gateway.body(contact_due("c-1")))
    assert len(body["contact_tag"]) == 64


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"auth": "bearer"}, "token_file"),
        ({"auth": "hmac", "secret_file": "/no/such/file"}, "No such file"),
        ({"auth": "basic"}, "unknown auth"),
    ],
)
def test_bad_webhook_auth_is_refused_at_start(options: dict[str, object], problem: str) -> None:
    config = {"adapter": "webhook", "url": "https://sms-gw/contacts", **options}
    with pytest.raises(ChannelConfigError, match=problem):
        build_gateways({"sms": config})
