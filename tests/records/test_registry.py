"""Connectors built from the data map's configuration, and fulfilment's calls across systems."""

import pytest
import sqlalchemy as sa
from django.utils import timezone

from records.connectors import BuiltinConnector, Identity, connectors_for
from records.connectors.datasets import DatasetError
from records.connectors.http import HttpConnector
from records.connectors.registry import (
    external_connectors,
    records_correct,
    records_erase,
    records_export,
    records_locate,
    system_connector,
)
from records.connectors.sql import SqlConnector
from records.erasure import erasure_plan_for_systems
from records.models import DataPoint, DataPointType, RetentionHold, Source, System
from tests.factories import ConsumerFactory
from tests.records import external_schema as schema
from tests.records.vendor_fakes import slack_user

pytestmark = pytest.mark.django_db
MAYA = schema.MAYA


@pytest.fixture
def two_systems(tmp_path, monkeypatch, vendor):
    """payments: the billing database (SQLite) by its dataset file; comms_uploads: Slack (the fake)."""
    url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    engine = schema.build(url)
    monkeypatch.setenv("BILLING_DATABASE_URL", url)
    path = schema.write_dataset(
        tmp_path, schema.dataset_text().replace("system: billing", "system: payments")
    )
    System.objects.filter(code="payments").update(connector="sql", dataset_path=str(path))
    monkeypatch.setenv("SLACK_API_BASE_URL", vendor.url + "/api")
    monkeypatch.setenv("SLACK_SCIM_BASE_URL", vendor.url)
    monkeypatch.setenv("SLACK_ADMIN_TOKEN", "xoxp-test")
    vendor.slack_users["W012A3CDE"] = slack_user("W012A3CDE", MAYA["email"], "Maya Chen")
    System.objects.filter(code="comms_uploads").update(
        connector="http", dataset_path="records/datasets/slack.yaml"
    )
    yield engine
    engine.dispose()


def test_every_system_uses_the_built_in_connector_until_configured_otherwise():
    assert set(System.objects.values_list("connector", flat=True)) == {"builtin"}
    assert external_connectors() == []


def test_connectors_for_a_consumer_is_still_the_built_in_one_alone():
    assert [type(c) for c in connectors_for(ConsumerFactory())] == [BuiltinConnector]


def test_the_built_in_connector_locates_consumers_by_exact_keys_only():
    maya = ConsumerFactory(email=MAYA["email"], phone=MAYA["phone"], member_number=MAYA["member_number"])
    ConsumerFactory(email="other@example.com", phone="+14155550999")
    connector = BuiltinConnector()
    assert connector.locate({"phone": MAYA["phone"]}) == [maya]
    assert connector.locate({"email": "MAYA.CHEN@example.com' OR '1'='1"}) == []
    assert connector.locate({}) == []
    assert connector.check().ok


def test_each_configured_system_gets_the_connector_its_file_describes(two_systems):
    assert [(type(c), c.system_code) for c in external_connectors()] == [
        (SqlConnector, "payments"),
        (HttpConnector, "comms_uploads"),
    ]


def test_a_bad_file_fails_when_the_connector_is_built_naming_file_line_and_field(two_systems, tmp_path):
    path = tmp_path / "billing.yaml"
    path.write_text(path.read_text().replace("type: invoice", "type: invoce"))
    with pytest.raises(
        DatasetError, match=r"billing.yaml, line \d+, field tables.payments.fields.amount_cents.type"
    ):
        system_connector(System.objects.get(code="payments"))


def test_a_person_is_located_exported_and_erased_across_systems_in_parallel(two_systems, vendor):
    located = records_locate(identity={"email": MAYA["email"]})
    assert [(item.system_code, item.found, item.error) for item in located] == [
        ("payments", True, ""),
        ("comms_uploads", True, ""),
    ]
    exported = {run.system_code: run for run in records_export(located=located)}
    assert len(exported["payments"].points) == 10
    assert {p.type_code for p in exported["comms_uploads"].points} >= {"email", "full_name"}
    plan = erasure_plan_for_systems(consumer=None, system_codes=["payments", "comms_uploads"])
    outcomes = {run.system_code: run.value.systems[0] for run in records_erase(located=located, plan=plan)}
    # The data map keeps payments for 7 years (legal obligation): nothing there changes.
    assert (outcomes["payments"].action, outcomes["payments"].retained) == ("retain", 4)
    assert (outcomes["comms_uploads"].action, outcomes["comms_uploads"].deleted) == ("delete", 1)
    assert vendor.slack_users["W012A3CDE"]["deleted"] is True
    with two_systems.connect() as conn:
        assert conn.execute(sa.text("SELECT email FROM customers WHERE id = 1")).scalar() == MAYA["email"]


def test_a_staff_hold_keeps_an_external_system_too(two_systems):
    maya = ConsumerFactory(email=MAYA["email"])
    RetentionHold.objects.create(consumer=maya, system=None, reason="open_dispute")
    plan = erasure_plan_for_systems(consumer=maya, system_codes=["comms_uploads"])
    assert [(e.system_code, e.action, e.reason) for e in plan.entries] == [
        ("comms_uploads", "retain", "open_dispute")
    ]


def test_a_failing_system_is_reported_and_the_others_still_answer(two_systems, monkeypatch):
    monkeypatch.setenv("SLACK_ADMIN_TOKEN", "xoxp-wrong")
    located = records_locate(identity=Identity(email=MAYA["email"]))
    errors = {item.system_code: item.error for item in located}
    assert errors == {"payments": "", "comms_uploads": "comms_uploads: locate[0] answered invalid_auth"}
    runs = {run.system_code: run for run in records_export(located=located)}
    assert len(runs["payments"].points) == 10 and runs["comms_uploads"].error


def test_a_correction_reaches_every_system(two_systems, vendor):
    from records.connectors import CorrectionChanges

    located = records_locate(identity={"email": MAYA["email"]})
    runs = records_correct(located=located, changes=CorrectionChanges(point_types={"full_name": "Maya Lin"}))
    assert [(r.system_code, r.value.points_updated, r.error) for r in runs] == [
        ("payments", 1, ""),
        ("comms_uploads", 1, ""),
    ]
    assert vendor.slack_users["W012A3CDE"]["profile"]["real_name"] == "Maya Lin"


def test_an_identity_never_shows_its_values():
    identity = Identity.of({"email": MAYA["email"], "phone": None})
    assert repr(identity) == "Identity(kinds=['email'])"
    with pytest.raises(ValueError, match="unknown identity kinds"):
        Identity.of({"ssn": "123"})


def test_the_built_in_connector_takes_locates_list_as_well_as_the_consumer(two_systems):
    maya = ConsumerFactory(email=MAYA["email"])
    DataPoint.objects.create(
        consumer=maya,
        system=System.objects.get(code="web_logs"),
        point_type=DataPointType.objects.get(code="ip_address"),
        source=Source.objects.get(code="device_logs"),
        value="198.51.100.7",
        collected_at=timezone.now(),
    )
    connector = BuiltinConnector()
    handles = connector.locate({"email": MAYA["email"]})
    assert (
        [p.value for p in connector.export(handles)]
        == [p.value for p in connector.export(maya)]
        == ["198.51.100.7"]
    )
    assert list(connector.export([])) == []
    with pytest.raises(ValueError, match="one matched consumer"):
        list(connector.export([maya, ConsumerFactory()]))


def test_every_connector_offers_the_whole_protocol(two_systems):
    from records.connectors.base import Connector
    from records.connectors.manual import ManualConnector

    for connector in [BuiltinConnector(), *external_connectors(), ManualConnector("building_access")]:
        assert isinstance(connector, Connector), type(connector).__name__
