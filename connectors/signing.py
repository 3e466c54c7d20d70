"""HMAC-SHA256 request signatures, the scheme payment webhooks use, both directions.

The sender computes ``HMAC-SHA256(secret, f"{timestamp}.".encode() + body)`` over the exact
body bytes and sends ``Collections-Signature: t=<unix seconds>,v1=<hex digest>``. The
receiver recomputes it with each of its current secrets (a key file may hold several, one
per line, while a secret is rotated: the first line signs, every line verifies), compares in
constant time, and refuses a timestamp outside its tolerance window. The signature itself
serves as the request's nonce (``Verified.nonce``): replaying the same signed request is
detected by remembering it for the window; a sender that retries signs again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = "Collections-Signature"
VERSION = "v1"


class SignatureError(Exception):
    """Why a request's signature is refused: ``missing``, ``malformed``, ``stale``, ``bad``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Verified:
    timestamp: int
    nonce: str  # the verified signature's hex digest: unique per (timestamp, body)


def digest(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},{VERSION}={digest(secret, timestamp, body)}"


def verify(
    secrets: Sequence[bytes], header: str | None, body: bytes, now: float, tolerance: float
) -> Verified:
    """Check ``header`` against ``body``; raises ``SignatureError`` naming the problem."""
    if not header:
        raise SignatureError("missing", f"the {HEADER} header is required")
    timestamp, candidates = _parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError("stale", f"timestamp outside the {tolerance:.0f}s tolerance")
    for secret in secrets:
        expected = digest(secret, timestamp, body)
        for candidate in candidates:
            if hmac.compare_digest(expected, candidate):
                return Verified(timestamp, expected)
    raise SignatureError("bad", "signature does not match")


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(",")[:8]:
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == VERSION and len(value) == 64:
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureError("malformed", f"expected {HEADER}: t=<unix seconds>,v1=<hex>")
    return timestamp, signatures


def load_keys(path: Path) -> tuple[bytes, ...]:
    """The secrets of a key file, one per non-empty line (the first signs)."""
    keys = tuple(line.strip().encode() for line in path.read_text(encoding="utf-8").splitlines())
    keys = tuple(k for k in keys if k)
    if not keys:
        raise ValueError(f"key file {path} holds no key")
    if any(len(k) < 16 for k in keys):
        raise ValueError(f"key file {path}: every key must be at least 16 characters")
    return keys
