"""Per-channel configuration: which adapter serves a channel, and where it delivers.

A mapping such as ``{"sms": {"adapter": "webhook", "url": "http://sms-gw/contacts"},
"ivr": {"adapter": "file", "path": "-"}}`` becomes ``{Channel.SMS: WebhookGateway(...)}``.
Webhook options: ``url`` (required), ``timeout_seconds``, ``max_attempts``,
``breaker_failures``, ``breaker_reset_seconds``. File options: ``path`` (``"-"`` = stdout).
The CLI spells the same thing as ``--channel sms=webhook:http://...`` or ``ivr=file:-``.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Gateway
from connectors.breaker import CircuitBreaker
from connectors.filesink import FileSinkGateway
from connectors.webhook import WebhookGateway
from streams.core.model import Channel

ChannelConfig = Mapping[str, Mapping[str, object]]


class ChannelConfigError(ValueError):
    """A channel mapping names an unknown channel or adapter, or lacks an option."""


def build_gateways(config: ChannelConfig) -> dict[Channel, Gateway]:
    gateways: dict[Channel, Gateway] = {}
    for name, options in config.items():
        try:
            channel = Channel(name)
        except ValueError:
            known = ", ".join(c.value for c in Channel)
            raise ChannelConfigError(f"unknown channel {name!r} (known: {known})") from None
        gateways[channel] = build_gateway(channel, options)
    return gateways


def build_gateway(channel: Channel, options: Mapping[str, object]) -> Gateway:
    adapter = options.get("adapter")
    if adapter == "webhook":
        url = options.get("url")
        if not isinstance(url, str) or not url:
            raise ChannelConfigError(f"{channel.value}: webhook adapter needs a 'url'")
        breaker = CircuitBreaker(
            failure_threshold=int(str(options.get("breaker_failures", 5))),
            reset_seconds=float(str(options.get("breaker_reset_seconds", 10.0))),
        )
        return WebhookGateway(
            url,
            timeout_seconds=float(str(options.get("timeout_seconds", 5.0))),
            max_attempts=int(str(options.get("max_attempts", 3))),
            breaker=breaker,
        )
    if adapter == "file":
        path = options.get("path", "-")
        return FileSinkGateway(str(path))
    raise ChannelConfigError(f"{channel.value}: unknown adapter {adapter!r} (webhook, file)")


def parse_channel_option(text: str) -> tuple[str, dict[str, object]]:
    """``"sms=webhook:http://gw/sms"`` -> ``("sms", {"adapter": "webhook", "url": ...})``."""
    name, sep, spec = text.partition("=")
    adapter, colon, target = spec.partition(":")
    if not sep or not colon or not name:
        raise ChannelConfigError(f"{text!r}: expected CHANNEL=webhook:URL or CHANNEL=file:PATH")
    if adapter == "webhook":
        return name, {"adapter": adapter, "url": target}
    return name, {"adapter": adapter, "path": target}
