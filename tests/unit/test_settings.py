from __future__ import annotations

from pathlib import Path

import pytest

from streams.settings import Settings, SettingsError


def test_the_environment_of_a_child_process_gives_back_the_same_settings() -> None:
    settings = Settings(
        kafka_bootstrap="127.0.0.1:1",
        app_id="a",
        store="memory://",
        data_dir=Path("/tmp/x"),
        clock="event",
        strategy_file=Path("s.yaml"),
        partitions=12,
        tick_seconds=0.25,
        currencies=("CNY", "USD"),
        topic_prefix="t.",
    )
    assert Settings.from_env(settings.to_env()) == settings


def test_unset_optional_values_stay_unset() -> None:
    assert Settings.from_env(Settings().to_env()) == Settings()


@pytest.mark.parametrize(
    ("name", "raw"), [("COLLECTIONS_CLOCK", "sundial"), ("COLLECTIONS_PARTITIONS", "six")]
)
def test_a_malformed_setting_names_the_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: raw})
