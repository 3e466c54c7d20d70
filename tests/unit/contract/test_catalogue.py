from __future__ import annotations

import pytest

from streams.contract.catalogue import KEY, catalogue
from streams.contract.schemas import RECORD_TYPES, full_name
from streams.core.model import Channel

ISSUE_TOPICS = {
    "collections.aging.v1",
    "collections.repayments.v1",
    "collections.contact-outcomes.v1",
    "collections.account-profiles.v1",
    "collections.erasure-requests.v1",
    "collections.segment-changes.v1",
    "collections.contact-due.sms.v1",
    "collections.contact-due.ivr.v1",
    "collections.contact-due.agent-call.v1",
    "collections.contact-due.field-visit.v1",
    "collections.contact-due.legal-letter.v1",
    "collections.contact-suppressed.v1",
    "collections.legal-referrals.v1",  # issue 12: litigation referrals
    "collections.dlq.v1",
    "collections.clock-ticks.v1",  # internal to the workers
}


def test_catalogue_lists_exactly_the_topics_of_the_contract() -> None:
    assert {t.name for t in catalogue().all()} == ISSUE_TOPICS


def test_every_topic_is_keyed_by_customer_id_with_one_partition_count() -> None:
    topics = catalogue(partitions=12).all()
    assert {t.key for t in topics} == {KEY}
    assert {t.partitions for t in topics} == {12}


def test_prefix_is_prepended_to_every_topic_name() -> None:
    names = [t.name for t in catalogue(prefix="t3f9a-").all()]
    assert sorted(n.removeprefix("t3f9a-") for n in names) == sorted(ISSUE_TOPICS)
    assert all(n.startswith("t3f9a-collections.") for n in names)


def test_contact_due_topic_is_named_after_the_channel_suffix() -> None:
    cat = catalogue(prefix="p-")
    for channel in Channel:
        spec = cat.contact_due(channel)
        assert spec.name == f"p-collections.contact-due.{channel.topic_suffix}.v1"
        assert spec.value_schema == "collections.ContactDue"


def test_only_account_profiles_is_compacted_and_kept_forever() -> None:
    cat = catalogue()
    assert [t.name for t in cat.all() if t.compacted] == [cat.account_profiles.name]
    assert cat.account_profiles.retention_ms == -1
    assert all(t.retention_ms > 0 for t in cat.all() if not t.compacted)


def test_inputs_are_the_upstream_topics_and_erasure_requests() -> None:
    cat = catalogue()
    assert cat.inputs() == [
        cat.aging,
        cat.repayments,
        cat.contact_outcomes,
        cat.account_profiles,
        cat.erasure_requests,
    ]


def test_every_value_schema_names_a_record_of_the_contract_and_dlq_has_none() -> None:
    cat = catalogue()
    known = {full_name(t) for t in RECORD_TYPES}
    assert cat.dlq.value_schema is None
    assert cat.dlq.role == "dlq"
    assert {t.value_schema for t in cat.all() if t.value_schema is not None} <= known


def test_by_name_finds_a_topic_and_refuses_an_unknown_one() -> None:
    cat = catalogue(prefix="x-")
    assert cat.by_name("x-collections.repayments.v1") is cat.repayments
    with pytest.raises(KeyError):
        cat.by_name("collections.repayments.v1")


def test_partitions_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="partitions"):
        catalogue(partitions=0)
