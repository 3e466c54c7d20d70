"""Figures: each benchmark measured several times, reported as the median, beside its target."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    unit: str
    runs: list[float] = field(default_factory=list)
    target: str = ""
    higher_is_better: bool = True
    bound: float | None = None  # the target as a number, to mark met / missed
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    def verdict(self) -> str:
        if self.bound is None or not self.runs:
            return ""
        ok = self.median >= self.bound if self.higher_is_better else self.median < self.bound
        return "met" if ok else "missed"


def _fmt(value: float) -> str:
    if value != value:  # nan
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(figures: list[Figure]) -> str:
    """A Markdown table: median, every run, target and whether it was met."""
    lines = [
        "| benchmark | median | unit | runs | target | |",
        "|---|---:|---|---|---|---|",
    ]
    for f in figures:
        runs = ", ".join(_fmt(r) for r in f.runs)
        lines.append(
            f"| {f.name} | {_fmt(f.median)} | {f.unit} | {runs} | {f.target} | {f.verdict()} |"
        )
    notes = [f"- {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", *notes] if notes else []))
