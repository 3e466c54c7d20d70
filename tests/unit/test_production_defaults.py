"""Defaults that do not lose data in production; a single local broker says so explicitly."""

from __future__ import annotations

from pathlib import Path

from streams.contract.admin import _durability
from streams.contract.catalogue import catalogue
from streams.pipeline.store import open_store
from streams.settings import Settings


def test_topics_and_changelog_default_to_three_replicas() -> None:
    assert Settings().replication_factor == 3


def test_replicated_topics_wait_for_two_in_sync_replicas() -> None:
    spec = catalogue().aging
    assert _durability(spec, 3)["min.insync.replicas"] == "2"
    assert "min.insync.replicas" not in _durability(spec, 1)


def test_the_local_store_path_carries_the_app_id(tmp_path: Path) -> None:
    store = open_store("rocksdb://", tmp_path, "app-one", 4)
    store.write({b"c1": b"x"}, 7)
    store.close()
    assert (tmp_path / "app-one" / "customers-4").is_dir()
    other = open_store("rocksdb://", tmp_path, "app-two", 4)
    assert other.get(b"c1") is None and other.checkpoint == -1
    other.close()
    again = open_store("rocksdb://", tmp_path, "app-one", 4)
    assert again.get(b"c1") == b"x" and again.checkpoint == 7
    again.close()
