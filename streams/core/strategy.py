"""Contact strategy as data: channels, cadence and escalation per variant, tier and type.

The file format is described in ``streams/core/README.md``. Parsing happens once at load;
at run time a :class:`Plan` (one per variant, customer type and tier, overrides already
merged: the variant, then its ``tiers.<tier>``, then its ``customer_types.<type>``) answers
every question the cadence asks, so nothing is merged or looked up by string.

One business invariant is checked at load (``coverage.py``): *no silent tier*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from streams.core.coverage import check_no_silent_tier
from streams.core.legal_rules import LegalRules, parse_legal
from streams.core.model import Channel, CustomerType, Tier
from streams.core.parsing import Reader, join
from streams.core.segmentation import Segmentation

RULE_KEYS = {
    "enabled",
    "template",
    "follow_up_of",
    "unreachable_attempts",
    "dpd",
    "every_days",
    "times",
    "max_attempts",
    "min_overdue_amount",
    "unreachable_days",
    "stages",
    "follow_up_call_days",
    "legal",
    "sooner_after_broken_promise_days",
    "later_after_right_party_days",
}
PLAN_KEYS = {"template", "escalation", "channels"}
VARIANT_KEYS = PLAN_KEYS | {"name", "weight", "extends", "customer_types", "tiers"}
TIERS = (Tier.MILD, Tier.MODERATE, Tier.HEAVY, Tier.SEVERE)


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """When and how often one channel contacts a customer (DPD = the worst account's)."""

    dpd_from: int
    dpd_to: int | None
    every_days: int
    times: tuple[time, ...]  # local times of the attempts on an attempt day
    max_attempts: int | None = None  # per delinquency episode
    min_overdue_amount: int | None = None  # field visits: large balances ...
    unreachable_days: int | None = None  # ... or unreachable this long despite attempts:
    unreachable_attempts: int = 0  # at least this many voice attempts without a response
    template: str | None = None  # this channel's template family (else the plan's)
    follow_up_of: frozenset[Channel] = frozenset()  # sent only after an attempt on these
    stages: tuple[str, ...] = ()  # legal letters: one template per stage, in order
    follow_up_call_days: int | None = None  # agent call this many days after each delivery
    legal: LegalRules | None = None  # with stages: delivery, retries, review, referral
    sooner_after_broken_promise_days: int = 0
    later_after_right_party_days: int = 0

    def covers(self, dpd: int) -> bool:
        return dpd >= self.dpd_from and (self.dpd_to is None or dpd <= self.dpd_to)

    @property
    def unconditional(self) -> bool:
        """Contacts whenever its DPD window covers the customer: nothing else must hold."""
        return (
            self.max_attempts is None
            and self.min_overdue_amount is None
            and self.unreachable_days is None
            and not self.stages
            and not self.follow_up_of
        )

    @property
    def longest_gap_days(self) -> int:
        return self.every_days + self.later_after_right_party_days

    @property
    def attempt_limit(self) -> int | None:
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
    plans: Mapping[tuple[CustomerType, Tier], Plan]

    def plan(self, kind: CustomerType, tier: Tier) -> Plan:
        """``Tier.CURRENT`` (nothing overdue) gets the mild plan: it schedules nothing."""
        return self.plans[kind, Tier.MILD if tier is Tier.CURRENT else tier]


@dataclass(frozen=True, slots=True)
class Strategy:
    version: str
    experiment: str
    variants: tuple[Variant, ...]
    by_name: Mapping[str, Variant] = field(default_factory=dict, compare=False)
    max_gap_days: int = 4  # promise: no delinquent customer waits longer for a next contact

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


def parse_strategy(
    raw: Mapping[str, object], r: Reader, segmentation: Segmentation | None = None
) -> Strategy:
    seg = segmentation or Segmentation()
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
    gap = r.integer(raw.get("max_gap_days", 4), "max_gap_days", minimum=1)
    for i, variant in enumerate(variants):
        check_no_silent_tier(variant, gap, seg, join("variants", i), r)
    return Strategy(version, experiment, tuple(variants), {v.name: v for v in variants}, gap)


def _variant(body: Mapping[str, object], path: str, r: Reader) -> Variant:
    weight = r.integer(body["weight"], join(path, "weight"), minimum=1)
    _plan(body, path, r)  # the variant's own keys are checked even where overrides win
    types = _overrides(body, "customer_types", [t.value for t in CustomerType], path, r)
    tiers = _overrides(body, "tiers", [t.value for t in TIERS], path, r)
    plans: dict[tuple[CustomerType, Tier], Plan] = {}
    for tier in TIERS:
        tier_body, tier_path = body, path
        if tier.value in tiers:
            tier_path = join(join(path, "tiers"), tier.value)
            tier_body = deep_merge(body, tiers[tier.value])
        for kind in CustomerType:
            merged, where = tier_body, tier_path
            if kind.value in types:
                where = join(join(path, "customer_types"), kind.value)
                merged = deep_merge(tier_body, types[kind.value])
            plans[kind, tier] = _plan(merged, where, r)
    return Variant(str(body["name"]), weight, plans)


def _overrides(
    body: Mapping[str, object], key: str, names: list[str], path: str, r: Reader
) -> dict[str, Mapping[str, object]]:
    found = r.mapping(body.get(key, {}), join(path, key), set(names))
    return {
        name: r.mapping(value, join(join(path, key), name), PLAN_KEYS)
        for name, value in found.items()
    }


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
    follow = frozenset(
        r.member(Channel, c, join(join(path, "follow_up_of"), i))
        for i, c in enumerate(r.sequence(body.get("follow_up_of", []), join(path, "follow_up_of")))
    )
    template = body.get("template")
    legal = parse_legal(body.get("legal", {}), join(path, "legal"), r) if stages else None
    if "legal" in body and not stages:
        r.fail(join(path, "legal"), "only a channel with `stages` (legal letters) has legal rules")
    return ChannelRule(
        dpd_from=low,
        dpd_to=high,
        every_days=r.integer(body["every_days"], join(path, "every_days"), minimum=1),
        times=times,
        max_attempts=opt("max_attempts", 1),
        min_overdue_amount=opt("min_overdue_amount", 0),
        unreachable_days=opt("unreachable_days", 1),
        stages=stages,
        legal=legal,
        follow_up_call_days=opt("follow_up_call_days", 0),
        sooner_after_broken_promise_days=opt("sooner_after_broken_promise_days", 0) or 0,
        later_after_right_party_days=opt("later_after_right_party_days", 0) or 0,
        unreachable_attempts=opt("unreachable_attempts", 0) or 0,
        template=None if template is None else r.string(template, join(path, "template")),
        follow_up_of=follow,
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
