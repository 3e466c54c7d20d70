"""The PromQL name extraction the rule and dashboard checks rely on."""

from __future__ import annotations

import pytest

from tests.unit.sre.prom_assets import promql_metric_names


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("collections_portfolio_accounts", {"collections_portfolio_accounts"}),
        (
            'sum by (tier, bucket) (rate(a_total{reason=~"x|y"}[5m] offset 1d)) / on (tier) '
            "group_left b:c:d",
            {"a_total", "b:c:d"},
        ),
        ('label_replace(x > 0, "from_tier", "$1", "tier", "(.*)")', {"x"}),
        ("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m]))) > 1e3", {"h_bucket"}),
        ("vector(0.9) and bool inf", set()),
        ("x unless y or z", {"x", "y", "z"}),
    ],
)
def test_extracts_metric_names_and_skips_functions_labels_and_keywords(
    expr: str, names: set[str]
) -> None:
    assert promql_metric_names(expr) == names
