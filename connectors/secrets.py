"""Per-channel key files in one secrets directory (e.g. a mounted Kubernetes secret).

``<dir>/callback-<channel>.key`` is shared with the channel's vendor: it signs the vendor's
callbacks. ``<dir>/contact-tag-<channel>.key`` stays inside (gateway runner and callback
endpoint): it tags the contacts sent on the channel. Each file holds one key per line; the
first signs, all verify, so a key is rotated by adding the new one, switching the signer,
then removing the old (SECURITY.md). A channel without a file has no key: its callbacks
are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from connectors.signing import load_keys
from streams.core.model import Channel

CALLBACK = "callback-{channel}.key"
CONTACT_TAG = "contact-tag-{channel}.key"


def channel_keys(
    secrets_dir: Path | None, pattern: str, channels: Iterable[Channel] = Channel
) -> dict[Channel, tuple[bytes, ...]]:
    """The keys of each channel that has a ``pattern`` file in ``secrets_dir``."""
    if secrets_dir is None:
        return {}
    found = {}
    for channel in channels:
        path = secrets_dir / pattern.format(channel=channel.value)
        if path.exists():
            found[channel] = load_keys(path)
    return found
