"""Bounds at every door of the worker, so that no input can stop a partition or grow without
limit: the size of what is read, of what is stored per customer, of what is dead-lettered,
and how far ahead of the partition's clock an event may claim to be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Limits:
    # a record larger than this is refused before decoding (ours are well under 2 KiB)
    max_input_bytes: int = 64 * 1024
    max_key_bytes: int = 128  # = the contract's id limit, in UTF-8 bytes of a plain id
    # a customer's stored state may not grow past this (the changelog record must fit in
    # the broker's 1 MiB default with room to spare); the event that would is refused
    max_state_bytes: int = 256 * 1024
    # a dead letter carries at most this much of the original value (and says so)
    max_dead_letter_value_bytes: int = 64 * 1024
    max_dead_letter_header_bytes: int = 16 * 1024
    # an event dated further ahead than this of the partition's clock (event time) or of the
    # wall clock is refused as implausible: one bad date must not fire a month of contacts
    max_event_skew: timedelta = timedelta(days=1)
