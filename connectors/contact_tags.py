"""Contact tags: proof, without shared state, that a contact was issued to a channel.

A channel's signing secret proves *which gateway* calls back, not that it may speak about
a given customer: a compromised or careless SMS vendor could still post an opt-out or a
promise for anyone. So the gateway runner, which reads contacts from the channel's own
ACL-protected topic, gives each delivered contact a tag

    HMAC-SHA256(tag_key[channel], "v1|<channel>|<customer_id>|<contact_id>")

and the vendor must echo it (``contact_tag``) with the ``contact_id`` in any callback. The
callback endpoint recomputes it with the same channel key: a tag cannot be made for a
contact the vendor was never sent, nor moved to another customer or channel. The tag key
is internal (gateway runner and callback endpoint only), never the vendor's signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from streams.core.model import Channel


def contact_tag(key: bytes, channel: Channel, customer_id: str, contact_id: str) -> str:
    message = f"v1|{channel.value}|{customer_id}|{contact_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def tag_matches(
    keys: Sequence[bytes], tag: str, channel: Channel, customer_id: str, contact_id: str
) -> bool:
    """True if ``tag`` was made by one of ``keys`` (rotation) for exactly this contact."""
    return any(
        hmac.compare_digest(contact_tag(key, channel, customer_id, contact_id), tag) for key in keys
    )
