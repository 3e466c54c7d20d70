"""What a worker serves on ``/metrics``, and the names it exports (for dashboard checks)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("_sum", "_count", "_created"),
}

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition of ``registry`` (serve with ``CONTENT_TYPE``)."""
    return generate_latest(registry)


def exported_metric_names(registry: CollectorRegistry) -> frozenset[str]:
    """Every series name ``registry`` can expose, suffixes included, samples or not."""
    names: set[str] = set()
    for family in registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return frozenset(names)
