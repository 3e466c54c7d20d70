"""Prometheus metrics of a worker: definitions, portfolio aggregation, exposition."""

from streams.metrics.exposition import CONTENT_TYPE, exported_metric_names, render
from streams.metrics.figures import AccountFigures
from streams.metrics.pipeline import PipelineMetrics
from streams.metrics.portfolio import PortfolioAggregate

__all__ = [
    "CONTENT_TYPE",
    "AccountFigures",
    "PipelineMetrics",
    "PortfolioAggregate",
    "exported_metric_names",
    "render",
]
