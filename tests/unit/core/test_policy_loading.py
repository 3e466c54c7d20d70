from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from streams.core import ConfigError, load_policy
from streams.core.config import DEFAULT_STRATEGY
from streams.core.model import Channel, CustomerType, SuppressionReason, Tier
from streams.core.strategy import Plan, assign_variant


def write(tmp_path: Path, text: str, name: str = "strategy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def broken_default(tmp_path: Path, change: str, value: object) -> Path:
    """The shipped default with one value replaced (``change`` is a dotted path)."""
    data = yaml.safe_load(DEFAULT_STRATEGY.read_text(encoding="utf-8"))
    node = data
    *parents, last = change.split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    return write(tmp_path, yaml.safe_dump(data))


def test_the_shipped_default_encodes_the_brief_cadence() -> None:
    variant = load_policy().strategy.variants[0]
    plan = variant.plan(CustomerType.FIRST_TIME, Tier.MILD)
    sms, ivr, agent = (plan.channels[c] for c in (Channel.SMS, Channel.IVR, Channel.AGENT_CALL))
    assert (sms.dpd_from, sms.dpd_to, sms.every_days, sms.follow_up_of) == (1, 30, 2, frozenset())
    assert (ivr.dpd_from, ivr.dpd_to, len(ivr.times)) == (1, 15, 2)
    assert (agent.dpd_from, agent.dpd_to, agent.every_days) == (16, None, 2)
    assert plan.channels[Channel.FIELD_VISIT].dpd_from == 31
    assert plan.channels[Channel.LEGAL_LETTER].stages == ("lawyer_letter", "court_summons")
    assert plan.ladder == (Channel.SMS, Channel.IVR, Channel.AGENT_CALL)


def test_each_tier_is_worked_as_the_brief_says() -> None:
    variant = load_policy().strategy.variants[0]
    moderate, heavy, severe = (
        variant.plan(CustomerType.FIRST_TIME, t) for t in (Tier.MODERATE, Tier.HEAVY, Tier.SEVERE)
    )
    # moderate: phone calls first, SMS follow-up
    assert moderate.channels[Channel.SMS].follow_up_of == {Channel.IVR, Channel.AGENT_CALL}
    # heavy: intensified calls
    heavy_calls = heavy.channels[Channel.AGENT_CALL]
    moderate_calls = moderate.channels[Channel.AGENT_CALL]
    assert len(heavy_calls.times) / heavy_calls.every_days > (
        len(moderate_calls.times) / moderate_calls.every_days
    )
    # severe: a dedicated collector, to the end
    dedicated = severe.channels[Channel.AGENT_CALL]
    assert (dedicated.template, dedicated.dpd_to) == ("dedicated_collector", None)
    visit = severe.channels[Channel.FIELD_VISIT]
    assert (visit.min_overdue_amount, visit.unreachable_days) == (500_000, 14)
    assert visit.unreachable_attempts > 0


def test_customer_types_get_their_own_templates_and_wilful_a_fast_path_to_legal() -> None:
    variant = load_policy().strategy.variants[0]

    def plan(kind: CustomerType, tier: Tier = Tier.HEAVY) -> Plan:
        return variant.plan(kind, tier)

    assert plan(CustomerType.FIRST_TIME).template == "educational"
    assert plan(CustomerType.REPEAT).template == "repayment_plan"
    assert plan(CustomerType.WILFUL).channels[Channel.LEGAL_LETTER].dpd_from == 31
    assert plan(CustomerType.REPEAT).channels[Channel.LEGAL_LETTER].dpd_from == 61
    # a wilful customer's template does not hide the dedicated collector's
    severe = plan(CustomerType.WILFUL, Tier.SEVERE)
    assert (severe.template, severe.channels[Channel.AGENT_CALL].template) == (
        "final_notice",
        "dedicated_collector",
    )


def test_a_variant_can_extend_another_and_override_one_value() -> None:
    strategy = load_policy().strategy
    champion, challenger = strategy.variants
    for tier, champion_days, challenger_days in (
        (Tier.MODERATE, 2, 3),
        (Tier.HEAVY, 1, 1),
        (Tier.SEVERE, 2, 3),
    ):
        assert (
            champion.plan(CustomerType.REPEAT, tier).channels[Channel.AGENT_CALL].every_days
            == champion_days
        )
        assert (
            challenger.plan(CustomerType.REPEAT, tier).channels[Channel.AGENT_CALL].every_days
            == challenger_days
        )
    assert challenger.plan(CustomerType.REPEAT, Tier.MILD).template == "repayment_plan"


def test_a_strategy_with_a_silent_tier_is_refused(tmp_path: Path) -> None:
    path = broken_default(tmp_path, "variants.0.channels.agent_call.dpd", [16, 90])
    with pytest.raises(ConfigError, match=r"DPD 91 \(severe\) .* a silent tier"):
        load_policy(path)
    slow = broken_default(tmp_path, "variants.0.tiers.severe.channels.agent_call.every_days", 7)
    with pytest.raises(ConfigError, match="max_gap_days 4: a silent tier"):
        load_policy(slow)


def test_silence_rules_are_refused_with_the_reason(tmp_path: Path) -> None:
    path = broken_default(tmp_path, "customer_type.silent_days", 45)
    with pytest.raises(ConfigError, match="silence never makes a customer wilful"):
        load_policy(path)


def test_variant_assignment_is_stable_and_follows_the_weights() -> None:
    strategy = load_policy().strategy
    names = [assign_variant(f"cust-{i}", strategy) for i in range(2000)]
    assert names == [assign_variant(f"cust-{i}", strategy) for i in range(2000)]
    share = names.count("challenger-agent-every-3-days") / len(names)
    assert 0.07 < share < 0.13


def test_the_china_preset_is_the_default() -> None:
    compliance = load_policy().compliance
    assert compliance.name == "china"
    assert compliance.time_zone == "Asia/Shanghai"
    assert {(c.count, c.limit) for c in compliance.caps} == {("connected", 3), ("unanswered", 6)}


def test_the_us_regulation_f_preset_loads_by_name() -> None:
    compliance = load_policy(compliance_preset="us_reg_f").compliance
    (cap,) = compliance.caps
    assert (cap.count, cap.limit, cap.window.days) == ("attempts", 7, 7)
    (cooldown,) = compliance.cooldowns
    assert cooldown.duration.days == 7
    assert cooldown.reason is SuppressionReason.CONVERSATION_COOLDOWN


@pytest.mark.parametrize(
    ("change", "value", "expected"),
    [
        ("variants.0.channels.sms.every_days", "two", "variants[0].channels.sms.every_days"),
        ("variants.0.channels.sms.every_days", 0, "expected an integer >= 1"),
        ("variants.0.channels.ivr.times", ["16:30", "10:30"], "variants[0].channels.ivr.times"),
        ("variants.0.channels.ivr.times", ["25:00"], "time out of range"),
        ("variants.0.channels.fax", {"dpd": [1, 2]}, "variants[0].channels.fax: unknown key"),
        ("variants.0.weight", -1, "variants[0].weight"),
        ("variants.1.extends", "nobody", "no earlier variant named 'nobody'"),
        ("variants.0.escalation.ladder", ["sms", "sms"], "variants[0].escalation.ladder[1]"),
        ("segmentation.tiers.moderate", 40, "segmentation.tiers: starts must increase"),
        ("promises.kept_percent", 120, "promises.kept_percent"),
        (
            "variants.0.customer_types.wilful.channels.legal_letter.dpd",
            [31],
            "variants[0].customer_types.wilful.channels.legal_letter.dpd",
        ),
        ("variants.0.tiers.moderate.channels.sms.follow_up_of", ["fax"], "follow_up_of[0]"),
        ("variants.0.tiers.current", {}, "variants[0].tiers.current: unknown key"),
        ("promises.max_days", 0, "promises.max_days"),
        ("max_gap_days", 0, "max_gap_days"),
    ],
)
def test_an_invalid_strategy_names_file_path_and_problem(
    tmp_path: Path, change: str, value: object, expected: str
) -> None:
    path = broken_default(tmp_path, change, value)
    with pytest.raises(ConfigError) as error:
        load_policy(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_invalid_yaml_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "variants: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_policy(path)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_an_unknown_compliance_preset_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="us_reg_f"):
        load_policy(compliance_preset="mars")


def test_a_compliance_file_with_an_inverted_window_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: x\ntime_zone: Asia/Shanghai\n"
        "contact_hours:\n  default: {from: '22:00', to: '08:00'}\n",
        "x.yaml",
    )
    with pytest.raises(ConfigError, match=r"contact_hours\.default: 'from' must be before 'to'"):
        load_policy(compliance_preset=str(path))


def test_a_compliance_file_with_an_unknown_zone_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: x\ntime_zone: Mars/Olympus\n"
        "contact_hours:\n  default: {from: '08:00', to: '20:00'}\n",
        "x.yaml",
    )
    with pytest.raises(ConfigError, match="time_zone: unknown IANA time zone"):
        load_policy(compliance_preset=str(path))
