from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from streams.core import ConfigError, load_policy
from streams.core.config import DEFAULT_STRATEGY
from streams.core.model import Channel, CustomerType, SuppressionReason
from streams.core.strategy import assign_variant


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
    plan = load_policy().strategy.variants[0].plans[CustomerType.FIRST_TIME]
    sms, ivr, agent = (plan.channels[c] for c in (Channel.SMS, Channel.IVR, Channel.AGENT_CALL))
    assert (sms.dpd_from, sms.dpd_to, sms.every_days) == (1, 7, 2)
    assert (ivr.dpd_from, ivr.dpd_to, len(ivr.times)) == (1, 15, 2)
    assert (agent.dpd_from, agent.dpd_to, agent.every_days) == (16, 60, 2)
    assert plan.channels[Channel.FIELD_VISIT].dpd_from == 31
    assert plan.channels[Channel.LEGAL_LETTER].stages == ("lawyer_letter", "court_summons")
    assert plan.ladder == (Channel.SMS, Channel.IVR, Channel.AGENT_CALL)


def test_customer_types_get_their_own_templates_and_wilful_a_fast_path_to_legal() -> None:
    plans = load_policy().strategy.variants[0].plans
    assert plans[CustomerType.FIRST_TIME].template == "educational"
    assert plans[CustomerType.REPEAT].template == "repayment_plan"
    assert plans[CustomerType.WILFUL].channels[Channel.LEGAL_LETTER].dpd_from == 31
    assert plans[CustomerType.REPEAT].channels[Channel.LEGAL_LETTER].dpd_from == 61


def test_a_variant_can_extend_another_and_override_one_value() -> None:
    strategy = load_policy().strategy
    champion, challenger = strategy.variants
    assert challenger.plans[CustomerType.REPEAT].channels[Channel.AGENT_CALL].every_days == 3
    assert champion.plans[CustomerType.REPEAT].channels[Channel.AGENT_CALL].every_days == 2
    assert challenger.plans[CustomerType.REPEAT].template == "repayment_plan"


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
