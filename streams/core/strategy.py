"""Contact strategy as data: channels, cadence and escalation per variant and customer type.

The file format is described in ``streams/core/README.md``. Parsing happens once at load;
at run time a :class:`Plan` (one per variant and customer type, overrides already merged)
answers every question the cadence asks, so nothing is merged or looked up by string.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from streams.core.model import Channel, CustomerType
from streams.core.parsing import Reader, join

RULE_KEYS = {
    "enabled",
    "dpd",
    "every_days",
    "times",
    "max_attempts",
    "min_overdue_amount",
    "unreachable_days",
    "stages",
    "follow_up_call_days",
    "sooner_after_broken_promise_days",
    "later_after_right_party_days",
}
PLAN_KEYS = {"template", "escalation", "channels"}
VARIANT_KEYS = PLAN_KEYS | {"name", "weight", "extends", "customer_types"}


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """When and how often one channel contacts a customer (DPD = the worst account's)."""

    dpd_from: int
    dpd_to: int | None
    every_days: int
    times: tuple[time, ...]  # local times of the attempts on an attempt day
    max_attempts: int | None = None  # per delinquency episode
    min_overdue_amount: int | None = None  # field visits: large balances ...
    unreachable_days: int | None = None  # ... or no right-party contact for this long
    stages: tuple[str, ...] = ()  # legal letters: one template per stage, in order
    follow_up_call_days: int | None = None  # agent call this many days after each letter
    sooner_after_broken_promise_days: int = 0
    later_after_right_party_days: int = 0

    def covers(self, dpd: int) -> bool:
        return dpd >= self.dpd_from and (self.dpd_to is None or dpd <= self.dpd_to)

    @property
    def attempt_limit(self) -> int | None:
        if self.stages:
            return len(self.stages) if self.max_attempts is None else self.max_attempts
        return self.max_attempts


@dataclass(frozen=True, slots=True)
class Plan:
    """What one variant does for one customer type."""

    template: str
    channels: Mapping[Channel, ChannelRule]
    ladder: tuple[Channel, ...]  # escalation order when there is no response
    no_response_attempts: int  # unanswered attempts on a step before the next step opens


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    weight: int
    plans: Mapping[CustomerType, Plan]


@dataclass(frozen=True, slots=True)
class Strategy:
    version: str
    experiment: str
    variants: tuple[Variant, ...]
    by_name: Mapping[str, Variant] = field(default_factory=dict, compare=False)

    def variant(self, name: str) -> Variant:
        return self.by_name.get(name, self.variants[0])


def assign_variant(customer_id: str, strategy: Strategy) -> str:
    """Stable weighted pick from a hash of the experiment name and the customer id."""
    digest = hashlib.sha256(f"{strategy.experiment}|{customer_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % sum(v.weight for v in strategy.variants)
    for variant in strategy.variants:
        if point < variant.weight:
            return variant.name
        point -= variant.weight
    return strategy.variants[-1].name  # pragma: no cover - weights always sum above point


def parse_strategy(raw: Mapping[str, object], r: Reader) -> Strategy:
    version = r.string(raw.get("version"), "version")
    experiment = r.string(raw.get("experiment"), "experiment")
    items = r.sequence(raw.get("variants"), "variants", non_empty=True)
    resolved: dict[str, Mapping[str, object]] = {}
    variants: list[Variant] = []
    for i, item in enumerate(items):
        path = join("variants", i)
        body = r.mapping(item, path, VARIANT_KEYS, frozenset({"name", "weight"}))
        name = r.string(body["name"], join(path, "name"))
        if name in resolved:
            r.fail(join(path, "name"), f"duplicate variant name {name!r}")
        if "extends" in body:
            parent = r.string(body["extends"], join(path, "extends"))
            if parent not in resolved:
                r.fail(join(path, "extends"), f"no earlier variant named {parent!r}")
            body = deep_merge(resolved[parent], {k: v for k, v in body.items() if k != "extends"})
        resolved[name] = body
        variants.append(_variant(body, path, r))
    return Strategy(version, experiment, tuple(variants), {v.name: v for v in variants})


def _variant(body: Mapping[str, object], path: str, r: Reader) -> Variant:
    weight = r.integer(body["weight"], join(path, "weight"), minimum=1)
    base = _plan(body, path, r)
    overrides = r.mapping(
        body.get("customer_types", {}),
        join(path, "customer_types"),
        {t.value for t in CustomerType},
    )
    plans: dict[CustomerType, Plan] = {}
    for kind in CustomerType:
        if kind.value in overrides:
            opath = join(join(path, "customer_types"), kind.value)
            r.mapping(overrides[kind.value], opath, PLAN_KEYS)
            merged = deep_merge(body, overrides[kind.value])  # type: ignore[arg-type]
            plans[kind] = _plan(merged, opath, r)
        else:
            plans[kind] = base
    return Variant(str(body["name"]), weight, plans)


def _plan(body: Mapping[str, object], path: str, r: Reader) -> Plan:
    template = r.string(body.get("template", "reminder"), join(path, "template"))
    raw_channels = r.mapping(
        body.get("channels", {}), join(path, "channels"), {c.value for c in Channel}
    )
    channels: dict[Channel, ChannelRule] = {}
    for name, raw_rule in raw_channels.items():
        rule = _rule(raw_rule, join(join(path, "channels"), name), r)
        if rule is not None:
            channels[Channel(name)] = rule
    esc_path = join(path, "escalation")
    esc = r.mapping(body.get("escalation", {}), esc_path, {"ladder", "no_response_attempts"})
    ladder: list[Channel] = []
    for i, item in enumerate(r.sequence(esc.get("ladder", []), join(esc_path, "ladder"))):
        channel = r.member(Channel, item, join(join(esc_path, "ladder"), i))
        if channel in ladder or channel not in channels:
            r.fail(join(join(esc_path, "ladder"), i), f"{channel} is repeated or not configured")
        ladder.append(channel)
    attempts = r.integer(
        esc.get("no_response_attempts", 2), join(esc_path, "no_response_attempts"), minimum=1
    )
    return Plan(template, channels, tuple(ladder), attempts)


def _rule(raw: object, path: str, r: Reader) -> ChannelRule | None:
    body = r.mapping(raw, path, RULE_KEYS)
    if not r.boolean(body.get("enabled", True), join(path, "enabled")):
        return None
    for key in ("dpd", "every_days", "times"):
        if key not in body:
            r.fail(join(path, key), "missing required key")
    window = r.sequence(body["dpd"], join(path, "dpd"))
    if len(window) != 2:
        r.fail(join(path, "dpd"), "expected [from, to] (to may be null)")
    low = r.integer(window[0], join(join(path, "dpd"), 0), minimum=1)
    high = r.optional_integer(window[1], join(join(path, "dpd"), 1), minimum=low)
    times = tuple(
        r.clock(t, join(join(path, "times"), i))
        for i, t in enumerate(r.sequence(body["times"], join(path, "times"), non_empty=True))
    )
    if list(times) != sorted(set(times)):
        r.fail(join(path, "times"), "times must be ascending and distinct")

    def opt(key: str, minimum: int) -> int | None:
        return r.optional_integer(body.get(key), join(path, key), minimum)

    stages = tuple(
        r.string(s, join(join(path, "stages"), i))
        for i, s in enumerate(r.sequence(body.get("stages", []), join(path, "stages")))
    )
    return ChannelRule(
        dpd_from=low,
        dpd_to=high,
        every_days=r.integer(body["every_days"], join(path, "every_days"), minimum=1),
        times=times,
        max_attempts=opt("max_attempts", 1),
        min_overdue_amount=opt("min_overdue_amount", 0),
        unreachable_days=opt("unreachable_days", 1),
        stages=stages,
        follow_up_call_days=opt("follow_up_call_days", 0),
        sooner_after_broken_promise_days=opt("sooner_after_broken_promise_days", 0) or 0,
        later_after_right_party_days=opt("later_after_right_party_days", 0) or 0,
    )


def deep_merge(base: Mapping[str, object], over: Mapping[str, object]) -> dict[str, object]:
    """``over`` wins; nested mappings merge key by key; lists are replaced whole."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged
