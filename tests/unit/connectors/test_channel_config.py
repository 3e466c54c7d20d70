import pytest

from connectors.channels import ChannelConfigError, build_gateways, parse_channel_option
from connectors.filesink import FileSinkGateway
from connectors.webhook import WebhookGateway
from streams.core.model import Channel


def test_a_mapping_builds_one_adapter_per_channel() -> None:
    gateways = build_gateways(
        {
            "sms": {"adapter": "webhook", "url": "http://sms-gw/contacts", "max_attempts": 2},
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
