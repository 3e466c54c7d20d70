"""Render ``docs/contract/`` (one page per topic plus an index) from the catalogue and schemas.

Run ``python -m streams.contract.docgen [docs/contract]`` after changing a schema or the
catalogue; a unit test fails while the committed pages differ from what this renders.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from streams.contract import codec, pages
from streams.contract.catalogue import Catalogue, TopicSpec, catalogue
from streams.contract.examples import EXAMPLES

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "contract"

PARTIES: dict[str, tuple[str, str]] = {  # topic base name -> (producers, consumers)
    "aging": ("Loan ledger / core banking publishers (connectors/)", "The worker (streams/)"),
    "repayments": ("Loan ledger / payment publishers (connectors/)", "The worker (streams/)"),
    "contact-outcomes": (
        "Channel gateways (results, key presses, promises to pay)",
        "The worker (streams/)",
    ),
    "account-profiles": ("Customer master data / CRM publisher", "The worker (streams/)"),
    "erasure-requests": (
        "CRM / privacy office, or `collectctl forget`",
        "The worker (deletes the customer's state) and every gateway (purges its store)",
    ),
    "segment-changes": ("The worker (streams/)", "Dashboards, CRM, analytics"),
    "contact-due": ("The worker (streams/)", "The gateway of the channel (connectors/)"),
    "contact-suppressed": ("The worker (streams/)", "Compliance audit, dashboards"),
    "legal-referrals": ("The worker (streams/)", "Legal review, then litigation"),
    "dlq": (
        "The worker and the publishers (any stage that refuses input)",
        "Operators, replay tools",
    ),
    "clock-ticks": (
        "Replay drivers and the demo (event-time ticks; wall-clock workers need none)",
        "The worker that owns the partition",
    ),
}


def render(cat: Catalogue) -> dict[str, str]:
    """File name -> Markdown text of every page."""
    rendered = {_file(spec): _topic_page(spec) for spec in cat.all()}
    rendered["README.md"] = pages.index(cat, _file)
    return rendered


def _file(spec: TopicSpec) -> str:
    return f"{spec.name}.md"


def _base(spec: TopicSpec) -> str:
    middle = spec.name.split("collections.", 1)[1].rsplit(".v", 1)[0]
    return "contact-due" if middle.startswith("contact-due.") else middle


def _topic_page(spec: TopicSpec) -> str:
    producers, consumers = PARTIES[_base(spec)]
    lines = [
        f"# `{spec.name}`",
        "",
        spec.description,
        "",
        "| | |",
        "|---|---|",
        f"| Key | {spec.key} |",
        f"| Value | {_value(spec)} |",
        f"| Partitions | {spec.partitions} (the same on every topic: co-partitioned) |",
        f"| Retention | {_retention(spec)} |",
        f"| Produced by | {producers} |",
        f"| Consumed by | {consumers} |",
        "",
    ]
    if spec.value_schema is None:
        return "\n".join([*lines, *pages.dlq_section()]) + "\n"
    schema = _schema(spec.value_schema)
    lines += pages.schema_section(schema)
    example = codec.record_to_json(EXAMPLES[spec.value_schema])
    if spec.value_schema == "collections.ContactDue":
        example["channel"] = _channel_of(spec)  # the page's own channel
    lines += ["## Example (JSON form)", "", "```json", json.dumps(example, indent=2), "```", ""]
    return "\n".join(lines)


def _channel_of(spec: TopicSpec) -> str:
    suffix = spec.name.rsplit(".v", 1)[0].rsplit(".", 1)[1]
    return suffix.replace("-", "_")


def _value(spec: TopicSpec) -> str:
    if spec.value_schema is None:
        return "the original message value, bytes untouched"
    short = spec.value_schema.split(".")[-1]
    return f"`{spec.value_schema}` ([schema](../../schemas/collections/{short}.avsc)), Avro"


def _retention(spec: TopicSpec) -> str:
    if spec.compacted:
        return "compacted (cleanup.policy=compact): the last record per key is kept forever"
    return f"{spec.retention_ms // 86_400_000} days (cleanup.policy=delete)"


def _schema(full_name: str) -> dict[str, Any]:
    for loaded in codec.CURRENT.values():
        if loaded.full_name == full_name:
            return loaded.raw
    raise KeyError(full_name)


def write(target: Path = DOCS_DIR, cat: Catalogue | None = None) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(cat or catalogue()).items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_DIR)
