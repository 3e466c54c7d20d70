from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.delivered_store import DeliveredStore

AT = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)


def test_unknown_contact_ids_are_not_delivered(tmp_path: Path) -> None:
    store = DeliveredStore(tmp_path / "d.sqlite")
    assert store.get("c-1") is None
    assert "c-1" not in store


def test_a_recorded_delivery_is_remembered_as_not_yet_reported(tmp_path: Path) -> None:
    store = DeliveredStore(tmp_path / "d.sqlite")
    store.record_delivered("c-1", "sms", AT)
    record = store.get("c-1")
    assert record is not None
    assert (record.channel, record.delivered_at, record.reported) == ("sms", AT, False)


def test_marking_reported_is_remembered(tmp_path: Path) -> None:
    store = DeliveredStore(tmp_path / "d.sqlite")
    store.record_delivered("c-1", "sms", AT)
    store.mark_reported("c-1")
    record = store.get("c-1")
    assert record is not None and record.reported


def test_deliveries_survive_closing_and_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "d.sqlite"
    first = DeliveredStore(path)
    first.record_delivered("c-1", "ivr", AT)
    first.close()
    reopened = DeliveredStore(path)
    assert "c-1" in reopened
    assert reopened.count() == 1


def test_recording_twice_keeps_the_first_delivery_time(tmp_path: Path) -> None:
    store = DeliveredStore(tmp_path / "d.sqlite")
    store.record_delivered("c-1", "sms", AT)
    store.record_delivered("c-1", "sms", AT.replace(hour=11))
    record = store.get("c-1")
    assert record is not None and record.delivered_at == AT
    assert store.count() == 1


def test_naive_delivery_times_are_refused(tmp_path: Path) -> None:
    store = DeliveredStore(tmp_path / "d.sqlite")
    with pytest.raises(ValueError, match="timezone"):
        store.record_delivered("c-1", "sms", datetime(2025, 3, 3, 9, 30))
