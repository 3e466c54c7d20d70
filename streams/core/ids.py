"""Deterministic ids: the same inputs always give the same id, so replays deduplicate."""

from __future__ import annotations

import hashlib
from datetime import date

from streams.core.model import Channel


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def contact_id(customer_id: str, channel: Channel, episode: date | None, attempt: int | str) -> str:
    """One id per customer, channel and cadence slot (episode start + attempt number)."""
    slot = f"{episode.isoformat() if episode else '-'}#{attempt}"
    return _digest(f"{customer_id}|{channel.value}|{slot}")


def segment_event_id(cause: str, account_id: str) -> str:
    """Id of a SegmentChanged: from the causing event id and the account."""
    return _digest(f"{cause}|{account_id}")


def suppression_event_id(contact: str, reason: str) -> str:
    return _digest(f"{contact}|{reason}")


def referral_id(customer_id: str, episode: date | None) -> str:
    """One litigation referral per customer and delinquency episode."""
    return _digest(f"{customer_id}|litigation|{episode.isoformat() if episode else '-'}")
