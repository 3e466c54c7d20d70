"""Helpers for the SRE asset tests: paths, rule files, metric names in PromQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
BUILTIN_SERIES = frozenset({"up", "ALERTS"})  # made by Prometheus itself, not the workers

_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_OFFSET = re.compile(r"\boffset\s+-?\w+")
_NUMBER = re.compile(r"(?<![\w:])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)")
_WORD = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "inf",
        "nan",
    }
)


def promql_metric_names(expr: str) -> frozenset[str]:
    """Metric names an expression selects (no parser: strings, matchers, ranges removed)."""
    text = _STRING.sub('""', expr)
    for pattern in (_MATCHERS, _RANGE, _LABEL_LIST, _OFFSET, _NUMBER):
        text = pattern.sub(" ", text)
    names = set()
    for word in _WORD.finditer(text):
        is_call = text[word.end() :].lstrip().startswith("(")
        if not is_call and word.group().lower() not in _KEYWORDS:
            names.add(word.group())
    return frozenset(names)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rule_files() -> list[Path]:
    return sorted((PROMETHEUS / "rules").glob("*.yml"))


def rules() -> list[dict[str, Any]]:
    """Every rule of deploy/prometheus/rules, recording and alerting."""
    return [
        rule
        for path in rule_files()
        for group in load_yaml(path)["groups"]
        for rule in group["rules"]
    ]
