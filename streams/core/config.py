"""The policy: every threshold of the core, loaded and validated once, then passed in.

:func:`load_policy` is the only function of ``streams.core`` that reads files. An invalid
file raises :class:`ConfigError` naming the file, the path inside it and the problem, so a
worker with a bad strategy never starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from streams.core.compliance import Compliance, parse_compliance
from streams.core.model import Bucket, Tier
from streams.core.parsing import ConfigError, Reader, join
from streams.core.segmentation import Segmentation, bucket_for, tier_for
from streams.core.strategy import Strategy, parse_strategy

__all__ = ["ConfigError", "Policy", "bucket_for", "load_policy", "tier_for"]

STREAMS_DIR = Path(__file__).resolve().parent.parent
DEFAULT_STRATEGY = STREAMS_DIR / "strategies" / "default.yaml"
COMPLIANCE_DIR = STREAMS_DIR / "compliance"


@dataclass(frozen=True, slots=True)
class CustomerTypeRules:
    look_back: timedelta = timedelta(days=365)
    wilful_broken_promises: int = 2  # broken promises in the look-back that make a wilful
    wilful_refusals: int = 2  # refusals to pay in the look-back that make a wilful


@dataclass(frozen=True, slots=True)
class PromiseRules:
    grace_days: int = 2
    kept_percent: int = 90  # paid >= this share of the promised amount = kept
    reminder_days_before: int = 1
    max_days: int = 14  # a promised date further out is held to today + max_days


@dataclass(frozen=True, slots=True)
class PlanRules:
    """Repayment plans: each instalment is decided like a promise when its grace ends."""

    grace_days: int = 3
    kept_percent: int = 90  # paid >= this share of the instalments due so far = kept
    reminder_days_before: int = 2
    max_instalments: int = 12
    max_days: int = 366  # the last instalment at most this far out


@dataclass(frozen=True, slots=True)
class Policy:
    strategy: Strategy
    compliance: Compliance
    segmentation: Segmentation = field(default_factory=Segmentation)
    customer_types: CustomerTypeRules = field(default_factory=CustomerTypeRules)
    promises: PromiseRules = field(default_factory=PromiseRules)
    plans: PlanRules = field(default_factory=PlanRules)
    history_limit: int = 24  # episodes, broken promises, refusals kept per account
    # repayments and outcomes are deduplicated on event_id for this long (the replay horizon:
    # older ones are refused, see streams.core.dedup), remembering at most dedup_limit ids
    dedup_horizon: timedelta = timedelta(days=35)
    dedup_limit: int = 512


def load_policy(strategy_file: Path | None = None, compliance_preset: str = "china") -> Policy:
    """Load the strategy file (None = shipped default) and a compliance preset by name or path."""
    strategy_path = strategy_file or DEFAULT_STRATEGY
    preset_path = _preset_path(compliance_preset)
    raw = _read(strategy_path)
    r = Reader(str(strategy_path))
    keys = {
        "version",
        "experiment",
        "max_gap_days",
        "variants",
        "segmentation",
        "customer_type",
        "promises",
        "plans",
    }
    top = r.mapping(raw, "", keys)
    segmentation = _segmentation(top.get("segmentation", {}), r)
    return Policy(
        strategy=parse_strategy(top, r, segmentation),
        compliance=parse_compliance(_read(preset_path), Reader(str(preset_path))),
        segmentation=segmentation,
        customer_types=_customer_types(top.get("customer_type", {}), r),
        promises=_promises(top.get("promises", {}), r),
        plans=_plans(top.get("plans", {}), r),
    )


def _preset_path(preset: str) -> Path:
    if preset.endswith((".yaml", ".yml")):
        return Path(preset)
    known = sorted(p.stem for p in COMPLIANCE_DIR.glob("*.yaml"))
    if preset not in known:
        raise ConfigError(f"compliance preset {preset!r}: unknown (expected one of {known})")
    return COMPLIANCE_DIR / f"{preset}.yaml"


def _read(path: Path) -> object:
    import yaml  # only the loader needs PyYAML

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None


def _starts(raw: object, path: str, r: Reader, names: dict[str, Tier | Bucket]) -> list[int]:
    body = r.mapping(raw, path, set(names), frozenset(names))
    starts = [r.integer(body[k], join(path, k), minimum=1) for k in names]
    if starts != sorted(set(starts)):
        r.fail(path, f"starts must increase strictly in the order {list(names)}")
    return starts


def _segmentation(raw: object, r: Reader) -> Segmentation:
    body = r.mapping(raw, "segmentation", {"tiers", "buckets"})
    default = Segmentation()
    tiers, buckets = default.tier_starts, default.bucket_starts
    if "tiers" in body:
        names: dict[str, Tier | Bucket] = {t.value: t for t in Tier if t is not Tier.CURRENT}
        starts = _starts(body["tiers"], "segmentation.tiers", r, names)
        tiers = tuple(zip(starts, [t for t in Tier if t is not Tier.CURRENT], strict=True))
    if "buckets" in body:
        names = {b.value: b for b in Bucket if b is not Bucket.M0}
        starts = _starts(body["buckets"], "segmentation.buckets", r, names)
        buckets = tuple(zip(starts, [b for b in Bucket if b is not Bucket.M0], strict=True))
    return Segmentation(tiers, buckets)


def _customer_types(raw: object, r: Reader) -> CustomerTypeRules:
    keys = {"look_back_days", "wilful_broken_promises", "wilful_refusals"}
    if isinstance(raw, Mapping):
        for removed in sorted({"silent_days", "silent_min_dpd"} & set(raw)):
            r.fail(
                join("customer_type", removed),
                "removed: silence never makes a customer wilful (an unreachable customer gets "
                "contact repair and field visits, see channels.field_visit.unreachable_*)",
            )
    body = r.mapping(raw, "customer_type", keys)
    d = CustomerTypeRules()
    return CustomerTypeRules(
        look_back=timedelta(
            days=_int(body, "look_back_days", d.look_back.days, "customer_type", r)
        ),
        wilful_broken_promises=_int(
            body, "wilful_broken_promises", d.wilful_broken_promises, "customer_type", r
        ),
        wilful_refusals=_int(body, "wilful_refusals", d.wilful_refusals, "customer_type", r),
    )


def _promises(raw: object, r: Reader) -> PromiseRules:
    body = r.mapping(
        raw, "promises", {"grace_days", "kept_percent", "reminder_days_before", "max_days"}
    )
    d = PromiseRules()
    return PromiseRules(
        grace_days=_int(body, "grace_days", d.grace_days, "promises", r, minimum=0),
        kept_percent=_percent(body, "kept_percent", d.kept_percent, "promises", r),
        reminder_days_before=_int(
            body, "reminder_days_before", d.reminder_days_before, "promises", r, minimum=0
        ),
        max_days=_int(body, "max_days", d.max_days, "promises", r),
    )


def _plans(raw: object, r: Reader) -> PlanRules:
    keys = {"grace_days", "kept_percent", "reminder_days_before", "max_instalments", "max_days"}
    body = r.mapping(raw, "plans", keys)
    d = PlanRules()
    return PlanRules(
        grace_days=_int(body, "grace_days", d.grace_days, "plans", r, minimum=0),
        kept_percent=_percent(body, "kept_percent", d.kept_percent, "plans", r),
        reminder_days_before=_int(
            body, "reminder_days_before", d.reminder_days_before, "plans", r, minimum=0
        ),
        max_instalments=_int(body, "max_instalments", d.max_instalments, "plans", r),
        max_days=_int(body, "max_days", d.max_days, "plans", r),
    )


def _int(
    body: Mapping[str, object], key: str, default: int, path: str, r: Reader, minimum: int = 1
) -> int:
    return r.integer(body.get(key, default), join(path, key), minimum=minimum)


def _percent(body: Mapping[str, object], key: str, default: int, path: str, r: Reader) -> int:
    """A whole percentage, 1 to 100."""
    value = _int(body, key, default, path, r)
    if value > 100:
        r.fail(join(path, key), f"expected at most 100, got {value}")
    return value
