"""``collectctl acls print|apply``: the catalogue's ACL set, shown or created on the broker.

``apply`` runs as a super user (``admin`` on the local secured broker) and is idempotent:
creating an ACL that exists changes nothing. It never deletes; ``print`` shows what the
roles should have, to compare with ``kafka-acls --list``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from streams.contract.acls import Grant, acl_set, principals_option
from streams.contract.catalogue import catalogue
from streams.kafka_clients import add_arguments, kafka_config, with_arguments
from streams.settings import Settings

TIMEOUT_S = 30.0
_RESOURCE = {
    "topic": ResourceType.TOPIC,
    "group": ResourceType.GROUP,
    "transactional_id": ResourceType.TRANSACTIONAL_ID,
    "cluster": ResourceType.BROKER,
}


def binding(grant: Grant) -> AclBinding:
    pattern = ResourcePatternType.PREFIXED if grant.prefixed else ResourcePatternType.LITERAL
    return AclBinding(
        _RESOURCE[grant.resource],
        grant.name,
        pattern,
        grant.principal,
        "*",
        AclOperation[grant.operation],
        AclPermissionType.ALLOW,
    )


def apply_acls(client: Mapping[str, object], grants: Sequence[Grant]) -> int:
    """Create every grant (idempotent) and wait until the broker enforces them.

    Returns how many were sent; raises ``KafkaException`` on a refusal and ``TimeoutError``
    if the broker does not show them within ``TIMEOUT_S`` (ACLs propagate asynchronously).
    """
    admin = AdminClient(dict(client))
    wanted = [binding(g) for g in grants]
    for future in admin.create_acls(wanted, request_timeout=TIMEOUT_S).values():
        future.result(timeout=TIMEOUT_S)
    deadline = time.monotonic() + TIMEOUT_S
    while not set(wanted) <= _present(admin):
        if time.monotonic() > deadline:
            raise TimeoutError(f"ACLs not visible on the broker after {TIMEOUT_S:.0f}s")
        time.sleep(0.1)
    return len(wanted)


def _present(admin: AdminClient) -> set[AclBinding]:
    every = AclBindingFilter(
        ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
        AclOperation.ANY, AclPermissionType.ANY,
    )  # fmt: skip
    return set(admin.describe_acls(every, request_timeout=TIMEOUT_S).result(timeout=TIMEOUT_S))


def add_cli(subparsers: Any) -> None:
    acls = subparsers.add_parser("acls", help="print or apply the Kafka ACLs of every role")
    commands = acls.add_subparsers(dest="acls_command", required=True)
    for name, text in (("print", "print the ACL set"), ("apply", "create it (as a super user)")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--prefix", help="topic prefix (default COLLECTIONS_TOPIC_PREFIX)")
        command.add_argument("--app-id", help="worker app id (default COLLECTIONS_APP_ID)")
        command.add_argument(
            "--principal",
            action="append",
            default=[],
            metavar="ROLE=NAME",
            help="name a role's principal, e.g. worker=svc-collections-worker (repeatable)",
        )
        add_arguments(command)
        command.set_defaults(func=run_acls)


def grants_of(args: argparse.Namespace, settings: Settings) -> list[Grant]:
    prefix = settings.topic_prefix if args.prefix is None else args.prefix
    cat = catalogue(prefix, settings.partitions)
    return acl_set(cat, args.app_id or settings.app_id, principals_option(args.principal))


def run_acls(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up at call time (redirection, tests)
    settings = with_arguments(Settings.from_env(), args)
    try:
        grants = grants_of(args, settings)
    except ValueError as exc:
        sys.stderr.write(f"acls: {exc}\n")
        return 2
    if args.acls_command == "print":
        out.write("\n".join(g.line() for g in grants) + "\n")
        return 0
    count = apply_acls(kafka_config(settings), grants)
    out.write(f"applied {count} ACLs for {len({g.principal for g in grants})} principals\n")
    return 0
