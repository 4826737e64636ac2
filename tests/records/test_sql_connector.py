"""The SQL connector against real PostgreSQL, MariaDB and SQLite databases (each test runs on all three)."""

import pytest
import sqlalchemy as sa

from records.connectors import ConnectorError, CorrectionChanges
from records.connectors.datasets import load_dataset
from records.connectors.sql import SqlConnector
from tests.records import external_schema as schema
from tests.records.external_schema import MAYA


@pytest.fixture
def billing(external_db_url, tmp_path, monkeypatch):
    """The billing database with Maya and Diego, and a connector built from its dataset file."""
    engine = schema.build(external_db_url)
    monkeypatch.setenv("BILLING_DATABASE_URL", external_db_url)

    def connector(text: str = schema.dataset_text()) -> SqlConnector:
        return SqlConnector(load_dataset(schema.write_dataset(tmp_path, text)))

    yield engine, connector
    engine.dispose()


def rows(engine, table: sa.Table) -> dict:
    with engine.connect() as conn:
        return {row.id: row._asdict() for row in conn.execute(sa.select(table))}


@pytest.mark.parametrize("kind", ["email", "phone", "member_number"])
def test_each_identity_key_finds_the_person_and_no_one_else(billing, kind):
    _, connector = billing
    handles = connector().locate({kind: MAYA[kind]})
    assert [(h.table, h.key) for h in handles] == [("customers", 1)]


def test_someone_not_in_the_database_is_not_found(billing):
    _, connector = billing
    assert connector().locate({"email": "nobody@example.com"}) == []


def test_export_follows_references_from_the_customer_to_payments_and_refunds(billing):
    _, connector = billing
    conn = connector()
    points = list(conn.export(conn.locate({"email": MAYA["email"]})))
    values = sorted((p.type_code, p.value) for p in points)
    assert values == sorted(
        [
            ("email", MAYA["email"]),
            ("phone", MAYA["phone"]),
            ("member_number", MAYA["member_number"]),
            ("full_name", "Maya Chen"),
            ("postal_address", "123 Market Street"),
            ("invoice", "45000"),
            ("invoice", "45000"),
            ("payment_card", "4242"),
            ("payment_card", "4242"),
            ("message_post", "Maya asked for a refund"),
        ]
    )
    assert {p.system_code for p in points} == {"billing"}
    payment_times = sorted(p.collected_at.isoformat() for p in points if p.type_code == "invoice")
    assert payment_times == ["2025-01-05T09:30:00+00:00", "2025-02-05T09:30:00+00:00"]


def test_erase_applies_each_fields_action_and_leaves_others_alone(billing):
    engine, connector = billing
    conn = connector()
    result = conn.erase(conn.locate({"email": MAYA["email"]}), schema.plan("delete"))
    outcome = result.systems[0]
    assert (outcome.deleted, outcome.deidentified, outcome.retained) == (1, 3, 2)
    assert outcome.reason == "legal_obligation"
    customers = rows(engine, schema.customers)
    assert customers[1] == {
        "id": 1,
        "email": None,
        "phone": None,
        "member_no": None,
        "name": "[erased]",
        "street": None,
    }
    assert customers[2]["email"] == "diego.alvarez@example.com"
    payments = rows(engine, schema.payments)
    assert [(p["amount_cents"], p["card_last4"]) for k, p in sorted(payments.items()) if k < 20] == [
        (45000, "0000"),
        (45000, "0000"),
    ]
    assert payments[20]["card_last4"] == "1881"
    assert sorted(rows(engine, schema.refunds)) == [200]


def test_erase_deletes_referencing_rows_before_the_rows_they_reference(billing):
    engine, connector = billing
    delete_all = {
        "customers": "".join(
            f"\n      {column}: {{type: {kind}, erase: delete_row}}"
            for column, kind in (("email", "email"), ("phone", "phone"), ("member_no", "member_number"))
        ),
        "payments": "\n      card_last4: {type: payment_card, erase: delete_row}",
    }
    conn = connector(schema.dataset_text(delete_all))
    result = conn.erase(conn.locate({"phone": MAYA["phone"]}), schema.plan("delete"))
    assert result.systems[0].deleted == 4  # 1 refund, 2 payments, 1 customer
    assert sorted(rows(engine, schema.customers)) == [2]
    assert sorted(rows(engine, schema.payments)) == [20]


def test_a_failing_erase_changes_nothing(billing):
    engine, connector = billing
    # card_last4 is NOT NULL: the payments update fails after the refund was already deleted.
    failing = {"payments": "\n      card_last4: {type: payment_card, erase: set_null}"}
    conn = connector(schema.dataset_text(failing))
    with pytest.raises(ConnectorError) as raised:
        conn.erase(conn.locate({"email": MAYA["email"]}), schema.plan("delete"))
    assert MAYA["email"] not in str(raised.value)
    assert sorted(rows(engine, schema.refunds)) == [100, 200]
    assert rows(engine, schema.customers)[1]["email"] == MAYA["email"]


def test_a_system_the_plan_retains_is_left_untouched(billing):
    engine, connector = billing
    conn = connector()
    result = conn.erase(conn.locate({"email": MAYA["email"]}), schema.plan("retain", "open_dispute"))
    outcome = result.systems[0]
    assert (outcome.deleted, outcome.deidentified, outcome.retained, outcome.reason) == (
        0,
        0,
        4,
        "open_dispute",
    )
    assert rows(engine, schema.customers)[1]["email"] == MAYA["email"]
    assert sorted(rows(engine, schema.refunds)) == [100, 200]


def test_correct_writes_the_new_value_to_every_field_of_that_type(billing):
    engine, connector = billing
    conn = connector()
    changes = CorrectionChanges(point_types={"postal_address": "1 Ferry Building", "phone": "+14155550199"})
    result = conn.correct(conn.locate({"email": MAYA["email"]}), changes)
    assert result.points_updated == 1
    customers = rows(engine, schema.customers)
    assert (customers[1]["street"], customers[1]["phone"]) == ("1 Ferry Building", "+14155550199")
    assert customers[2]["street"] == "45 Ocean Avenue"


@pytest.mark.parametrize(
    "hostile",
    [
        "x' OR '1'='1",
        "maya.chen@example.com' --",
        "'; DROP TABLE customers; --",
        'x" OR "1"="1',
        "%",
    ],
)
def test_identity_values_that_try_sql_injection_find_nothing_and_change_nothing(billing, hostile):
    engine, connector = billing
    conn = connector()
    assert conn.locate({"email": hostile, "phone": hostile, "member_number": hostile}) == []
    assert sorted(rows(engine, schema.customers)) == [1, 2]
    assert sorted(rows(engine, schema.refunds)) == [100, 200]


def test_check_passes_on_a_database_that_matches_its_file(billing):
    _, connector = billing
    health = connector().check()
    assert (health.reachable, health.problems, health.warnings) == (True, (), ())


def test_check_reports_missing_tables_columns_and_identity_columns_without_an_index(billing):
    _, connector = billing
    fields = {
        "customers": schema.DEIDENTIFY_FIELDS["customers"]
        + "\n      nickname: {type: social_handle, erase: set_null}"
    }
    extra = """  loyalty:
    references: {customer_id: customers.id}
    fields:
      points: {type: membership_plan, erase: delete_row}
  leads:
    identity: {email: email}
    fields:
      email: {type: email, erase: delete_row}
"""
    health = connector(schema.dataset_text(fields, extra_tables=extra)).check()
    assert health.reachable and not health.ok
    assert health.problems == (
        "table customers: column nickname missing",
        "table loyalty: missing",
        "table leads: identity column email (email) has no index",
    )


def test_an_unreachable_database_is_reported_without_its_address(billing, monkeypatch):
    _, connector = billing
    conn = connector()
    monkeypatch.setenv("BILLING_DATABASE_URL", "postgresql+psycopg2://postgres:s3cret@127.0.0.1:1/none")
    health = conn.check()
    assert not health.reachable
    with pytest.raises(ConnectorError) as raised:
        conn.locate({"email": MAYA["email"]})
    assert "s3cret" not in str(raised.value) and MAYA["email"] not in str(raised.value)


def test_a_database_error_hides_the_identity_value_even_in_the_cause(billing):
    engine, connector = billing
    with engine.begin() as c:
        c.execute(sa.text("DROP TABLE leads"))
    extra = """  leads:
    identity: {email: email}
    fields:
      email: {type: email, erase: delete_row}
"""
    conn = connector(schema.dataset_text(extra_tables=extra))
    with pytest.raises(ConnectorError) as raised:
        conn.locate({"email": MAYA["email"]})
    assert MAYA["email"] not in str(raised.value)
    assert MAYA["email"] not in str(raised.value.__cause__)
