"""HTTP endpoint where gateways report what happened: ``POST /v1/callbacks/{channel}``.

A callback can stop or pause the collection of a real debt (opt-out, dispute, promise to
pay), so nothing is taken on trust. In order, each request must:

1. come from a source within its rate limit (token bucket per peer address) - else 429;
2. fit the body limit (``max_body_bytes``) - else 413;
3. carry ``Collections-Signature: t=<unix>,v1=<HMAC-SHA256(channel secret, "t." + body)>``
   (``connectors.signing``) with a timestamp inside the tolerance window - else 401;
4. not repeat a signature already accepted (durable ``ReplayGuard``; a restart does not
   reopen the window) - else 409;
5. be one JSON object within the nesting limit (only `instalments` nests: a list of
   objects), of known fields with sane values - else
   400 (every malformed body is a 400, never a 500);
6. name a ``contact_id`` with the ``contact_tag`` the gateway runner gave that contact for
   that customer on this channel (``connectors.contact_tags``) - else 403.

Then the body (``contact_id``, ``contact_tag``, ``customer_id``, ``outcome``; optional
``account_id``, ``promise_amount``, ``promise_date``, ``currency``, ``instalments``,
``occurred_at``, ``event_id``) becomes a ``ContactOutcome`` on the contact-outcomes topic,
keyed by customer id: 202 with the event id once the broker has it, 503 if it did not. A
promise needs a date; without an amount (an IVR key press) it is for the whole overdue
amount; with ``instalments`` (``[{"due_on": ..., "amount": ...}]``) it is an agreed
repayment plan and the promise fields default to its first instalment. ``event_id`` defaults
to a hash of the channel and the body, so a re-signed retry of the same callback produces
the same event (the pipeline deduplicates).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from connectors import fields
from connectors.contact_handler import Emitter
from connectors.contact_tags import tag_matches
from connectors.json_body import BadBodyError, json_object
from connectors.kafka_io import DeliveryError
from connectors.metrics import GatewayMetrics
from connectors.rate_limit import RateLimiter
from connectors.replay_guard import ReplayGuard, ReplayGuardFullError
from connectors.signing import HEADER, SignatureError, verify
from streams.contract.catalogue import Catalogue
from streams.contract.codec import encode
from streams.core.model import Channel, ContactOutcome, Instalment, Outcome

log = logging.getLogger(__name__)
ALLOWED_FIELDS = frozenset(
    {
        "contact_id",
        "contact_tag",
        "customer_id",
        "outcome",
        "account_id",
        "promise_amount",
        "promise_date",
        "currency",
        "instalments",
        "occurred_at",
        "event_id",
    }
)
RECENT_EVENT_IDS = 10_000


@dataclass(frozen=True, slots=True)
class CallbackLimits:
    max_body_bytes: int = 16_384
    max_depth: int = 3  # one object; `instalments` is a list of objects, nothing deeper
    max_id_chars: int = 128
    tolerance_seconds: float = 300.0  # signature timestamp, either side of now
    max_age: timedelta = timedelta(days=30)  # oldest occurred_at accepted
    max_promise_days: int = 366  # promise dates further out are refused (the core caps more)


@dataclass(frozen=True, slots=True)
class CallbackSecurity:
    """Per-channel secrets (several per channel while one is rotated) and the guards."""

    signing_keys: Mapping[Channel, Sequence[bytes]]  # shared with the channel's vendor
    tag_keys: Mapping[Channel, Sequence[bytes]]  # internal: gateway runner and endpoint only
    replay_guard: ReplayGuard
    limits: CallbackLimits = CallbackLimits()
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(20.0, 40))  # per address


class RefusedError(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def parse_callback(
    channel: Channel,
    body: Mapping[str, object],
    now: datetime,
    limits: CallbackLimits = CallbackLimits(),  # frozen, shared safely
) -> ContactOutcome:
    """Validate a callback body; raises ``fields.FieldError`` with the first problem."""
    unknown = sorted(set(body) - ALLOWED_FIELDS)
    if unknown:
        raise fields.FieldError(unknown[0][: limits.max_id_chars], "unknown field")
    for name in ("contact_id", "customer_id", "account_id", "event_id", "contact_tag"):
        value = body.get(name)
        if isinstance(value, str) and len(value) > limits.max_id_chars:
            raise fields.FieldError(name, f"longer than {limits.max_id_chars} characters")
    outcome_text = fields.required_str(body, "outcome")
    try:
        outcome = Outcome(outcome_text)
    except ValueError:
        known = ", ".join(o.value for o in Outcome)
        shown = outcome_text[:40]
        raise fields.FieldError("outcome", f"unknown outcome {shown!r} ({known})") from None
    promise_amount = fields.optional_non_negative_int(body, "promise_amount")
    promise_date = fields.optional_iso_date(body, "promise_date")
    currency = fields.optional_currency(body)
    instalments = _instalments(body.get("instalments"))
    if instalments and outcome is not Outcome.PROMISE_TO_PAY:
        raise fields.FieldError("instalments", "only for outcome promise_to_pay")
    if instalments:
        promise_amount = instalments[0].amount if promise_amount is None else promise_amount
        promise_date = instalments[0].due_on if promise_date is None else promise_date
    if outcome is Outcome.PROMISE_TO_PAY:
        if promise_date is None:
            raise fields.FieldError("promise_date", "required for outcome promise_to_pay")
        if currency is None and promise_amount is not None:
            raise fields.FieldError("currency", "required with an amount")
    if promise_date is not None and promise_date > (now + _days(limits.max_promise_days)).date():
        raise fields.FieldError("promise_date", f"more than {limits.max_promise_days} days ahead")
    occurred_at = fields.optional_iso_datetime(body, "occurred_at") or now
    if not now - limits.max_age <= occurred_at <= now + _seconds(limits.tolerance_seconds):
        raise fields.FieldError("occurred_at", "in the future or too far in the past")
    return ContactOutcome(
        event_id=fields.optional_str(body, "event_id") or derived_event_id(channel, body),
        occurred_at=occurred_at,
        customer_id=fields.required_str(body, "customer_id"),
        channel=channel,
        outcome=outcome,
        contact_id=fields.required_str(body, "contact_id"),
        account_id=fields.optional_str(body, "account_id"),
        promise_amount=promise_amount,
        promise_date=promise_date,
        currency=currency,
        instalments=instalments,
    )


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def _instalments(raw: object) -> tuple[Instalment, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(i, Mapping) for i in raw):
        raise fields.FieldError("instalments", "expected a list of {due_on, amount}")
    parts = tuple(
        Instalment(fields.iso_date(i, "due_on"), fields.non_negative_int(i, "amount")) for i in raw
    )
    if not parts:
        raise fields.FieldError("instalments", "expected at least one instalment")
    return parts


def derived_event_id(channel: Channel, body: Mapping[str, object]) -> str:
    content = {k: v for k, v in body.items() if k != "event_id"}
    canonical = json.dumps([channel.value, content], sort_keys=True, separators=(",", ":"))
    return "cb-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


class _Endpoint:
    """The checks of the module docstring, in order; each refusal raises ``RefusedError``."""

    def __init__(
        self, security: CallbackSecurity, now: Callable[[], datetime], metrics: GatewayMetrics
    ) -> None:
        self.security = security
        self.limits = security.limits
        self.now = now
        self.metrics = metrics

    async def authentic_body(self, request: web.Request, channel: Channel) -> bytes:
        at = self.now().timestamp()
        if not self.security.limiter.allow(request.remote or "unknown", at):
            raise RefusedError(429, "rate_limited", "too many requests from this source")
        if (request.content_length or 0) > self.limits.max_body_bytes:
            raise RefusedError(413, "too_large", f"body over {self.limits.max_body_bytes} bytes")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise RefusedError(
                413, "too_large", f"body over {self.limits.max_body_bytes} bytes"
            ) from None
        keys = self.security.signing_keys.get(channel, ())
        try:
            signed = verify(
                keys, request.headers.get(HEADER), raw, at, self.limits.tolerance_seconds
            )
        except SignatureError as exc:
            raise RefusedError(401, f"signature_{exc.reason}", str(exc)) from None
        try:
            first = self.security.replay_guard.first_use(signed.nonce, at)
        except ReplayGuardFullError:
            raise RefusedError(503, "replay_guard_full", "too many requests; retry later") from None
        if not first:
            raise RefusedError(409, "replayed", "this signed request was already received")
        return raw

    def outcome(self, channel: Channel, raw: bytes) -> ContactOutcome:
        try:
            body = json_object(raw, self.limits.max_depth)
            event = parse_callback(channel, body, self.now(), self.limits)
        except (BadBodyError, fields.FieldError) as exc:
            raise RefusedError(400, "malformed", str(exc)) from None
        tag = body.get("contact_tag")
        keys = self.security.tag_keys.get(channel, ())
        assert event.contact_id is not None
        if not isinstance(tag, str) or not tag_matches(
            keys, tag, channel, event.customer_id, event.contact_id
        ):
            raise RefusedError(
                403,
                "unknown_contact",
                "contact_tag does not match: contact_id was not issued to this channel "
                "for this customer",
            )
        return event


def create_app(
    *,
    emitter: Emitter,
    catalogue: Catalogue,
    now: Callable[[], datetime],
    security: CallbackSecurity,
    metrics: GatewayMetrics,
) -> web.Application:
    endpoint = _Endpoint(security, now, metrics)
    recent: OrderedDict[str, None] = OrderedDict()

    async def post_callback(request: web.Request) -> web.Response:
        try:
            channel = Channel(request.match_info["channel"])
        except ValueError:
            return _error(404, "unknown channel")
        try:
            event = endpoint.outcome(channel, await endpoint.authentic_body(request, channel))
        except RefusedError as exc:  # logged without the body: it may hold personal data
            log.info("callback on %s refused (%d %s)", channel.value, exc.status, exc.reason)
            metrics.callbacks_refused.labels(channel.value, exc.reason).inc()
            response = _error(exc.status, str(exc))
            if exc.status == 429:
                response.headers["Retry-After"] = str(security.limiter.retry_after())
            return response
        if event.event_id in recent:
            return web.json_response({"event_id": event.event_id, "duplicate": True}, status=202)
        try:
            await emitter.send(
                catalogue.contact_outcomes.name, event.customer_id.encode(), encode(event)
            )
        except DeliveryError as exc:
            log.warning("callback %s not published: %s", event.event_id, exc)
            return _error(503, "could not publish the outcome; retry later")
        recent[event.event_id] = None
        if len(recent) > RECENT_EVENT_IDS:
            recent.popitem(last=False)
        metrics.outcomes.labels(channel.value, event.outcome.value).inc()
        return web.json_response({"event_id": event.event_id, "duplicate": False}, status=202)

    app = web.Application(client_max_size=security.limits.max_body_bytes)
    app.router.add_post("/v1/callbacks/{channel}", post_callback)
    return app


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
