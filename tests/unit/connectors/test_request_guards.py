"""The pieces behind the callback endpoint: signatures, body parsing, replay guard, rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.json_body import BadBodyError, json_object, nesting_depth
from connectors.rate_limit import RateLimiter
from connectors.replay_guard import ReplayGuard, ReplayGuardFullError
from connectors.signing import SignatureError, load_keys, sign, verify

SECRET = b"a-channel-secret-of-some-length"


def test_a_signature_verifies_within_the_window_and_names_its_nonce() -> None:
    header = sign(SECRET, 1_700_000_000, b'{"a":1}')
    verified = verify([SECRET], header, b'{"a":1}', now=1_700_000_100, tolerance=300)
    assert verified.timestamp == 1_700_000_000
    assert verified.nonce == header.split("v1=")[1]


@pytest.mark.parametrize(
    ("header", "body", "now", "reason"),
    [
        (None, b"{}", 0, "missing"),
        ("v1=" + "0" * 64, b"{}", 0, "malformed"),
        (sign(SECRET, 1000, b"{}"), b"{}", 1301, "stale"),
        (sign(SECRET, 1000, b"{}"), b"{} ", 1000, "bad"),
        (sign(b"another-secret-entirely-here", 1000, b"{}"), b"{}", 1000, "bad"),
    ],
)
def test_signature_problems_are_named(
    header: str | None, body: bytes, now: float, reason: str
) -> None:
    with pytest.raises(SignatureError) as refused:
        verify([SECRET], header, body, now=now, tolerance=300)
    assert refused.value.reason == reason


def test_a_key_file_holds_one_key_per_line_and_refuses_short_keys(tmp_path: Path) -> None:
    path = tmp_path / "callback-sms.key"
    path.write_text("new-secret-0123456789\n\nold-secret-0123456789\n")
    assert load_keys(path) == (b"new-secret-0123456789", b"old-secret-0123456789")
    path.write_text("short\n")
    with pytest.raises(ValueError, match="at least 16"):
        load_keys(path)


def test_nesting_depth_ignores_brackets_inside_strings() -> None:
    assert nesting_depth('{"a": "[[[{{{", "b": [1, {"c": "\\"]"}]}') == 3


@given(st.text(max_size=200))
def test_any_text_is_a_flat_object_or_a_bad_body_never_another_error(text: str) -> None:
    try:
        value = json_object(text.encode("utf-8", "surrogatepass"), max_depth=2)
    except BadBodyError:
        return
    assert isinstance(value, dict)


@given(st.recursive(st.integers() | st.text(max_size=5), lambda inner: st.lists(inner, max_size=3)))
def test_nested_json_values_are_refused_or_accepted_by_depth(value: object) -> None:
    import json

    raw = json.dumps({"k": value}).encode()
    try:
        json_object(raw, max_depth=2)
    except BadBodyError:
        assert nesting_depth(raw.decode()) > 2


def test_the_replay_guard_forgets_only_nonces_older_than_its_horizon(tmp_path: Path) -> None:
    guard = ReplayGuard(tmp_path / "n.sqlite", keep_seconds=600)
    assert guard.first_use("a", now=1000) and not guard.first_use("a", now=1500)
    assert guard.first_use("b", now=1700)
    assert guard.count() == 1  # "a" (seen at 1000) is past the horizon at 1700
    guard.close()


def test_a_full_replay_guard_refuses_rather_than_forgetting(tmp_path: Path) -> None:
    guard = ReplayGuard(tmp_path / "n.sqlite", keep_seconds=600, max_rows=2)
    guard.first_use("a", 0)
    guard.first_use("b", 1)
    with pytest.raises(ReplayGuardFullError):
        guard.first_use("c", 2)
    assert guard.first_use("c", 700)  # once "a" and "b" expire
    guard.close()


def test_the_rate_limit_refills_over_time_and_is_per_source() -> None:
    limiter = RateLimiter(per_second=1.0, burst=2)
    assert [limiter.allow("10.0.0.1", 0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("10.0.0.2", 0.0)
    assert limiter.allow("10.0.0.1", 1.0)


def test_the_rate_limit_table_is_bounded() -> None:
    limiter = RateLimiter(per_second=1.0, burst=1, max_sources=2)
    for source in ("a", "b", "c"):
        limiter.allow(source, 0.0)
    assert limiter.allow("a", 0.0)  # evicted, so it starts with a full bucket again
