"""Per-channel configuration: which adapter serves a channel, and where it delivers.

A mapping such as ``{"sms": {"adapter": "webhook", "url": "https://sms-gw/contacts"},
"ivr": {"adapter": "file", "path": "-"}}`` becomes ``{Channel.SMS: WebhookGateway(...)}``.
Webhook options: ``url`` (required, https unless ``allow_http: true``), ``timeout_seconds``,
``max_attempts``, ``breaker_failures``, ``breaker_reset_seconds``; TLS: ``ca_file``,
``cert_file``, ``key_file``; authentication: ``auth: bearer`` with ``token_file``, or
``auth: hmac`` with ``secret_file`` (secrets only ever from files); ``contact_tag_key_file``
(the contact tags callbacks must echo, see ``connectors.contact_tags``). File options:
``path`` (``"-"`` = stdout). The CLI spells simple cases as ``--channel
sms=webhook:https://...`` or ``ivr=file:-``, and takes the full form from a YAML file
(``--channels FILE``, one mapping per channel as above).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connectors.base import Gateway
from connectors.breaker import CircuitBreaker
from connectors.filesink import FileSinkGateway
from connectors.signing import load_keys
from connectors.webhook import Auth, BearerAuth, HmacAuth, WebhookGateway, tls_context
from streams.core.model import Channel

ChannelConfig = Mapping[str, Mapping[str, object]]


class ChannelConfigError(ValueError):
    """A channel mapping names an unknown channel or adapter, or lacks an option."""


def build_gateways(
    config: ChannelConfig, tag_keys: Mapping[Channel, bytes] | None = None
) -> dict[Channel, Gateway]:
    """Adapters of ``config``; ``tag_keys`` are default tag keys (a channel's own file wins)."""
    gateways: dict[Channel, Gateway] = {}
    for name, options in config.items():
        try:
            channel = Channel(name)
        except ValueError:
            known = ", ".join(c.value for c in Channel)
            raise ChannelConfigError(f"unknown channel {name!r} (known: {known})") from None
        try:
            gateways[channel] = build_gateway(channel, options, (tag_keys or {}).get(channel))
        except ChannelConfigError:
            raise
        except (ValueError, OSError) as exc:
            raise ChannelConfigError(f"{channel.value}: {exc}") from None
    return gateways


def build_gateway(
    channel: Channel, options: Mapping[str, object], tag_key: bytes | None = None
) -> Gateway:
    adapter = options.get("adapter")
    if adapter == "webhook":
        url = options.get("url")
        if not isinstance(url, str) or not url:
            raise ChannelConfigError(f"{channel.value}: webhook adapter needs a 'url'")
        breaker = CircuitBreaker(
            failure_threshold=int(str(options.get("breaker_failures", 5))),
            reset_seconds=float(str(options.get("breaker_reset_seconds", 10.0))),
        )
        tag_file = _path(options, "contact_tag_key_file")
        tls_files = [_path(options, name) for name in ("ca_file", "cert_file", "key_file")]
        return WebhookGateway(
            url,
            timeout_seconds=float(str(options.get("timeout_seconds", 5.0))),
            max_attempts=int(str(options.get("max_attempts", 3))),
            breaker=breaker,
            allow_http=options.get("allow_http") is True,
            auth=_auth(options),
            tls=tls_context(*tls_files) if any(tls_files) else None,
            tag_key=load_keys(tag_file)[0] if tag_file else tag_key,
        )
    if adapter == "file":
        path = options.get("path", "-")
        return FileSinkGateway(str(path))
    raise ChannelConfigError(f"{channel.value}: unknown adapter {adapter!r} (webhook, file)")


def _path(options: Mapping[str, object], name: str) -> Path | None:
    value = options.get(name)
    return Path(str(value)) if value else None


def _auth(options: Mapping[str, object]) -> Auth | None:
    kind = options.get("auth")
    if kind is None:
        return None
    if kind == "bearer":
        token = _path(options, "token_file")
        if token is None:
            raise ValueError("auth: bearer needs a token_file")
        return BearerAuth(load_keys(token)[0].decode())
    if kind == "hmac":
        secret = _path(options, "secret_file")
        if secret is None:
            raise ValueError("auth: hmac needs a secret_file")
        return HmacAuth(load_keys(secret)[0])
    raise ValueError(f"unknown auth {kind!r} (bearer, hmac)")


def parse_channel_option(text: str) -> tuple[str, dict[str, object]]:
    """``"sms=webhook:https://gw/sms"`` -> ``("sms", {"adapter": "webhook", "url": ...})``."""
    name, sep, spec = text.partition("=")
    adapter, colon, target = spec.partition(":")
    if not sep or not colon or not name:
        raise ChannelConfigError(f"{text!r}: expected CHANNEL=webhook:URL or CHANNEL=file:PATH")
    if adapter == "webhook":
        return name, {"adapter": adapter, "url": target}
    return name, {"adapter": adapter, "path": target}
