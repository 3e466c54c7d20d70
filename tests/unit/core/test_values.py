"""The core's fast ``replace`` gives what ``dataclasses.replace`` gives, for every state class."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from streams.core import model, state
from streams.core.state import AccountState, CustomerState, Episode, Promise, Slot
from streams.core.values import _replacer, replace

T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
SAMPLES: list[object] = [
    CustomerState("C-1", accounts={"a": AccountState("a", "CNY")}, escalation_level=1),
    AccountState("a", "CNY", days_past_due=3, episodes=(Episode(date(2026, 3, 1)),)),
    Promise(100, date(2026, 3, 5), T0, T0),
    Slot(model.Channel.SMS, 1, T0),
]


def core_dataclasses() -> list[type]:
    found: list[type] = []
    for module in (state, model):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and dataclasses.is_dataclass(value)
            ):
                found.append(value)
    return found


def test_every_frozen_state_and_model_class_takes_the_fast_path() -> None:
    slow = [cls.__name__ for cls in core_dataclasses() if _replacer(cls) is None]
    assert slow == []


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_replacing_any_one_field_equals_dataclasses_replace(value: object) -> None:
    for f in dataclasses.fields(value):  # type: ignore[arg-type]
        other = object() if f.name == "customer_id" else None
        changed = replace(value, **{f.name: other})
        expected = dataclasses.replace(value, **{f.name: other})  # type: ignore[type-var]
        assert type(changed) is type(value)
        assert [getattr(changed, g.name) for g in dataclasses.fields(value)] == [  # type: ignore[arg-type]
            getattr(expected, g.name)
            for g in dataclasses.fields(value)  # type: ignore[arg-type]
        ]
        assert changed is not value


def test_no_change_is_a_copy_equal_to_the_original() -> None:
    for value in SAMPLES:
        copy = replace(value)
        assert copy == value and copy is not value


def test_an_unknown_field_is_refused_as_dataclasses_refuses_it() -> None:
    with pytest.raises(TypeError):
        replace(SAMPLES[0], no_such_field=1)


def test_a_frozen_value_stays_frozen() -> None:
    sample = SAMPLES[1]
    assert isinstance(sample, AccountState)
    copy = replace(sample, days_past_due=9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.days_past_due = 1  # type: ignore[misc]  # deliberately: a frozen field is refused


@dataclass(frozen=True)
class WithoutSlots:
    a: int
    b: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Checked:
    a: int

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("negative")


def test_classes_whose_init_does_more_go_through_dataclasses_replace() -> None:
    assert _replacer(WithoutSlots) is None and _replacer(Checked) is None
    assert replace(WithoutSlots(1), a=2) == WithoutSlots(2)
    with pytest.raises(ValueError, match="negative"):
        replace(Checked(1), a=-1)
