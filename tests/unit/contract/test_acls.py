"""The ACL set derived from the catalogue: each role gets what it does and nothing more."""

from __future__ import annotations

import argparse

import pytest

from streams.contract.acl_admin import add_cli, binding, grants_of, run_acls
from streams.contract.acls import ROLES, Grant, acl_set, principals_option
from streams.contract.catalogue import catalogue
from streams.core.model import Channel
from streams.settings import Settings

CAT = catalogue("p.")
GRANTS = acl_set(CAT, "p.app")


def allowed(principal: str, operation: str, resource: str = "topic") -> set[str]:
    return {
        g.name
        for g in GRANTS
        if g.principal == f"User:{principal}" and g.operation == operation
        and g.resource == resource
    }  # fmt: skip


def test_only_the_publisher_writes_repayments_and_aging() -> None:
    writers = {g.principal for g in GRANTS if g.operation == "WRITE"
               and g.name in (CAT.repayments.name, CAT.aging.name)}  # fmt: skip
    assert writers == {"User:publisher"}


def test_a_gateway_reads_only_its_channel_and_writes_only_outcomes_and_the_dlq() -> None:
    assert allowed("gateway-sms", "READ") == {
        CAT.contact_due(Channel.SMS).name,
        CAT.erasure_requests.name,
    }
    assert allowed("gateway-sms", "WRITE") == {CAT.contact_outcomes.name, CAT.dlq.name}
    assert allowed("gateway-sms", "READ", "group") == {"p.app-gateway-sms"}


def test_the_worker_owns_its_changelog_group_and_transactions() -> None:
    assert "p.app-customers-changelog" in allowed("worker", "WRITE")
    assert allowed("worker", "READ", "group") == {"p.app"}
    txn = [g for g in GRANTS if g.resource == "transactional_id"]
    assert {(g.principal, g.name, g.operation, g.prefixed) for g in txn} == {
        ("User:worker", "p.app-", "WRITE", True),
        ("User:worker", "p.app-", "DESCRIBE", True),
    }
    assert {t.name for t in CAT.inputs()} <= allowed("worker", "READ")
    assert CAT.repayments.name not in allowed("worker", "WRITE")


def test_callbacks_write_outcomes_only_and_nobody_but_the_worker_reads_inputs() -> None:
    assert allowed("callbacks", "WRITE") == {CAT.contact_outcomes.name}
    readers = {g.principal for g in GRANTS if g.operation == "READ" and g.name == CAT.aging.name}
    assert readers == {"User:worker"}


def test_every_producing_role_may_write_idempotently_and_every_role_has_grants() -> None:
    assert {g.principal.removeprefix("User:") for g in GRANTS} == set(ROLES)
    idempotent = {g.principal for g in GRANTS if g.operation == "IDEMPOTENT_WRITE"}
    assert idempotent == {f"User:{r}" for r in ROLES if r != "lag-monitor"}


def test_the_lag_monitor_only_describes_the_workers_group_and_inputs() -> None:
    mine = [g for g in GRANTS if g.principal == "User:lag-monitor"]
    assert {g.operation for g in mine} == {"DESCRIBE"}
    assert {g.name for g in mine if g.resource == "group"} == {"p.app"}
    described = {g.name for g in mine if g.resource == "topic"}
    assert described == {t.name for t in CAT.inputs()} | {CAT.ticks.name}


def test_principals_can_be_renamed_per_role() -> None:
    renamed = acl_set(CAT, "p.app", principals_option(["worker=svc-coll-worker"]))
    assert "User:svc-coll-worker" in {g.principal for g in renamed}
    assert "User:worker" not in {g.principal for g in renamed}
    with pytest.raises(ValueError, match="ROLE=PRINCIPAL"):
        principals_option(["janitor=x"])


def test_a_grant_becomes_a_kafka_acl_binding() -> None:
    acl = binding(Grant("User:worker", "transactional_id", "p.app-", "WRITE", True))
    assert (acl.name, acl.principal, acl.host) == ("p.app-", "User:worker", "*")
    assert (acl.restype.name, acl.resource_pattern_type.name) == ("TRANSACTIONAL_ID", "PREFIXED")


def test_acls_print_lists_one_line_per_grant(capsys: pytest.CaptureFixture[str]) -> None:
    root = argparse.ArgumentParser()
    add_cli(root.add_subparsers(dest="command"))
    args = root.parse_args(["acls", "print", "--prefix", "p.", "--app-id", "p.app"])
    assert run_acls(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [g.line() for g in grants_of(args, Settings())]
    assert "User:gateway-ivr ALLOW READ topic p.collections.contact-due.ivr.v1 (literal)" in lines
