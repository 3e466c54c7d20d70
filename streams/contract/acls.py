"""The ACL set: one Kafka principal per role, granted only what the role does.

Derived from the topic catalogue, so a new topic gets its grants here or nowhere. With
``StandardAuthorizer`` and ``allow.everyone.if.no.acl.found=false`` anything not granted
is refused: a gateway's credentials cannot write a repayment or read another channel.

- publisher: write aging, repayments, account profiles.
- privacy: write erasure requests, and profile tombstones (``collectctl forget``).
- worker: read every input; read and write its ticks and its changelog
  ``<app_id>-customers-changelog``; write outputs and the DLQ; its group ``<app_id>``;
  transactional ids ``<app_id>-*`` (it commits outputs, state and offsets in transactions).
- gateway-<channel>: read its contact-due topic and erasure requests; write outcomes and
  the DLQ; its group ``<app_id>-gateway-<channel>``.
- callbacks: write contact outcomes.
- lag-monitor: describe the worker's group and the topics it reads, nothing else: enough for
  an autoscaler (KEDA) to read the group's committed offsets and the topics' ends, not to
  read a record, join the group or write.

Every producing role also gets ``IDEMPOTENT_WRITE`` on the cluster (idempotent producers).
Topic administration and ACL changes stay with a super user (``admin`` locally).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from streams.contract.catalogue import Catalogue
from streams.core.model import Channel

CLUSTER = "kafka-cluster"
ROLES = (
    "publisher",
    "privacy",
    "worker",
    "callbacks",
    "lag-monitor",
    *(f"gateway-{c.topic_suffix}" for c in Channel),
)


@dataclass(frozen=True, slots=True, order=True)
class Grant:
    """Allow ``principal`` to do ``operation`` on one resource (or a name prefix)."""

    principal: str  # "User:<name>"
    resource: str  # "topic" | "group" | "transactional_id" | "cluster"
    name: str
    operation: str  # "READ", "WRITE", "CREATE", "DESCRIBE", "IDEMPOTENT_WRITE", ...
    prefixed: bool = False

    def line(self) -> str:
        pattern = "prefixed" if self.prefixed else "literal"
        return f"{self.principal} ALLOW {self.operation} {self.resource} {self.name} ({pattern})"


def changelog_topic(app_id: str) -> str:
    """The worker's customer-state changelog (compacted, keyed by customer id)."""
    return f"{app_id}-customers-changelog"


def gateway_group(app_id: str, channel: Channel) -> str:
    """The consumer group of a one-channel gateway (``collectctl gateway``'s default)."""
    return f"{app_id}-gateway-{channel.value}"


def acl_set(
    cat: Catalogue, app_id: str, principals: Mapping[str, str] | None = None
) -> list[Grant]:
    """Every grant of every role; ``principals`` renames roles (default: the role name)."""
    names = {role: (principals or {}).get(role, role) for role in ROLES}

    def user(role: str) -> str:
        return f"User:{names[role]}"

    grants: list[Grant] = []

    def topics(role: str, operation: str, specs: Iterable[str]) -> None:
        grants.extend(Grant(user(role), "topic", name, operation) for name in specs)

    producers = ["publisher", "privacy", "worker", "callbacks"]
    topics("publisher", "WRITE", [cat.aging.name, cat.repayments.name, cat.account_profiles.name])
    topics("privacy", "WRITE", [cat.erasure_requests.name, cat.account_profiles.name])

    changelog = changelog_topic(app_id)
    topics("worker", "READ", [t.name for t in cat.inputs()] + [cat.ticks.name, changelog])
    writes = [t.name for t in cat.outputs()] + [cat.dlq.name, cat.ticks.name, changelog]
    topics("worker", "WRITE", writes)
    topics("worker", "CREATE", [changelog])
    topics("worker", "DESCRIBE_CONFIGS", [changelog])
    grants.append(Grant(user("worker"), "group", app_id, "READ"))
    for operation in ("WRITE", "DESCRIBE"):
        grants.append(Grant(user("worker"), "transactional_id", f"{app_id}-", operation, True))

    topics("callbacks", "WRITE", [cat.contact_outcomes.name])

    topics("lag-monitor", "DESCRIBE", [t.name for t in cat.inputs()] + [cat.ticks.name])
    grants.append(Grant(user("lag-monitor"), "group", app_id, "DESCRIBE"))

    for channel in Channel:
        role = f"gateway-{channel.topic_suffix}"
        producers.append(role)
        topics(role, "READ", [cat.contact_due(channel).name, cat.erasure_requests.name])
        topics(role, "WRITE", [cat.contact_outcomes.name, cat.dlq.name])
        grants.append(Grant(user(role), "group", gateway_group(app_id, channel), "READ"))

    grants += [Grant(user(role), "cluster", CLUSTER, "IDEMPOTENT_WRITE") for role in producers]
    return grants


def principals_option(values: Iterable[str]) -> dict[str, str]:
    """``["worker=svc-collections-worker"]`` -> ``{"worker": "svc-collections-worker"}``."""
    mapping: dict[str, str] = {}
    for text in values:
        role, sep, name = text.partition("=")
        if not sep or role not in ROLES or not name:
            raise ValueError(f"{text!r}: expected ROLE=PRINCIPAL with ROLE one of {ROLES}")
        mapping[role] = name
    return mapping
