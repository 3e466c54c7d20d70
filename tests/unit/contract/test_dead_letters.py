from __future__ import annotations

from streams.contract import codec
from streams.contract.dlq import (
    KNOWN_REASONS,
    MAX_MESSAGE_BYTES,
    dead_letter_headers,
    read_dead_letter_headers,
)


def headers(
    message: str = "Repayment.amount must not be negative, got -5",
) -> list[tuple[str, bytes]]:
    return dead_letter_headers(
        topic="collections.repayments.v1",
        partition=3,
        offset=1207,
        stage="decode",
        error_class="DecodeError",
        message=message,
        reason="validation",
    )


def test_headers_name_the_original_topic_partition_offset_stage_error_and_reason() -> None:
    assert dict(headers()) == {
        "dlq.original.topic": b"collections.repayments.v1",
        "dlq.original.partition": b"3",
        "dlq.original.offset": b"1207",
        "dlq.stage": b"decode",
        "dlq.error.class": b"DecodeError",
        "dlq.error.message": b"Repayment.amount must not be negative, got -5",
        "dlq.reason": b"validation",
    }


def test_headers_read_back_as_strings_ignoring_other_headers() -> None:
    consumed = [("traceparent", b"00-abc"), *headers()]
    read = read_dead_letter_headers(consumed)
    assert read["dlq.original.offset"] == "1207"
    assert "traceparent" not in read


def test_a_long_error_message_is_cut_to_a_bounded_size() -> None:
    value = dict(headers("x" * 100_000))["dlq.error.message"]
    assert len(value) <= MAX_MESSAGE_BYTES
    assert value.endswith(b"...")


def test_a_message_cut_inside_a_multibyte_character_stays_valid_utf8() -> None:
    value = dict(headers("逾期" * 5_000))["dlq.error.message"]
    value.decode("utf-8")  # raises if the cut split a character
    assert len(value) <= MAX_MESSAGE_BYTES


def test_the_codec_reasons_are_all_known_dead_letter_reasons() -> None:
    assert set(codec.REASONS) <= set(KNOWN_REASONS)


def test_a_decode_error_carries_its_reason_and_message_for_the_headers() -> None:
    error = codec.DecodeError("unknown_schema", "unknown fingerprint 0000")
    built = dict(
        dead_letter_headers(
            topic="t",
            partition=0,
            offset=0,
            stage="decode",
            error_class=type(error).__name__,
            message=error.message,
            reason=error.reason,
        )
    )
    assert built["dlq.reason"] == b"unknown_schema"
    assert built["dlq.error.message"] == b"unknown fingerprint 0000"
