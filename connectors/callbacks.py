"""HTTP endpoint where gateways report what happened: ``POST /v1/callbacks/{channel}``.

The JSON body (``contact_id``, ``customer_id``, ``outcome``; optional ``account_id``,
``promise_amount``, ``promise_date``, ``currency``, ``instalments``, ``occurred_at``,
``event_id``) becomes a ``ContactOutcome`` on the contact-outcomes topic, keyed by customer
id. A promise needs a date; without an amount (an IVR key press) it is for the whole overdue
amount; with ``instalments`` (``[{"due_on": ..., "amount": ...}]``) it is an agreed repayment
plan and the promise fields default to its first instalment. The answer is 202
with the event id once the broker has the record, 400 with a message for bad input, 503 if
the broker did not take it. ``event_id`` defaults to a hash of the channel and the body, so
a gateway that retries the same callback produces the same event (the pipeline dedupes).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime

from aiohttp import web

from connectors import fields
from connectors.contact_handler import Emitter
from connectors.kafka_io import DeliveryError
from connectors.metrics import GatewayMetrics
from streams.contract.catalogue import Catalogue
from streams.contract.codec import encode
from streams.core.model import Channel, ContactOutcome, Instalment, Outcome

log = logging.getLogger(__name__)
ALLOWED_FIELDS = frozenset(
    {
        "contact_id",
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


def parse_callback(channel: Channel, body: Mapping[str, object], now: datetime) -> ContactOutcome:
    """Validate a callback body; raises ``fields.FieldError`` with the first problem."""
    unknown = sorted(set(body) - ALLOWED_FIELDS)
    if unknown:
        raise fields.FieldError(unknown[0], "unknown field")
    outcome_text = fields.required_str(body, "outcome")
    try:
        outcome = Outcome(outcome_text)
    except ValueError:
        known = ", ".join(o.value for o in Outcome)
        raise fields.FieldError("outcome", f"unknown outcome {outcome_text!r} ({known})") from None
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
    occurred_at = fields.optional_iso_datetime(body, "occurred_at") or now
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


def create_app(
    *,
    emitter: Emitter,
    catalogue: Catalogue,
    now: Callable[[], datetime],
    metrics: GatewayMetrics | None = None,
) -> web.Application:
    recent: OrderedDict[str, None] = OrderedDict()

    async def post_callback(request: web.Request) -> web.Response:
        try:
            channel = Channel(request.match_info["channel"])
        except ValueError:
            return _error(404, f"unknown channel {request.match_info['channel']!r}")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "body must be a JSON object")
        if not isinstance(body, dict):
            return _error(400, "body must be a JSON object")
        try:
            event = parse_callback(channel, body, now())
        except fields.FieldError as exc:
            return _error(400, str(exc))
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
        if metrics is not None:
            metrics.outcomes.labels(channel.value, event.outcome.value).inc()
        return web.json_response({"event_id": event.event_id, "duplicate": False}, status=202)

    app = web.Application()
    app.router.add_post("/v1/callbacks/{channel}", post_callback)
    return app


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
