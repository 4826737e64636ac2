"""Operator tools: connector_check and dataset_suggest."""

from io import StringIO

import pytest
import sqlalchemy as sa
from django.core.management import call_command
from django.core.management.base import CommandError

from records.connectors.datasets import SqlDataset, load_dataset
from records.models import System
from tests.records import external_schema as schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing_system(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    engine = schema.build(url)
    monkeypatch.setenv("BILLING_DATABASE_URL", url)
    path = schema.write_dataset(
        tmp_path, schema.dataset_text().replace("system: billing", "system: payments")
    )
    System.objects.filter(code="payments").update(connector="sql", dataset_path=str(path))
    yield engine, path
    engine.dispose()


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_connector_check_with_nothing_configured_says_so():
    assert "No external systems are configured" in run("connector_check")


def test_connector_check_dry_runs_a_lookup_and_changes_nothing(billing_system):
    engine, _ = billing_system
    output = run("connector_check", "payments", "--identity-email", schema.MAYA["email"])
    assert "reachable: yes" in output
    assert "dry run (email): found 1 in customers; nothing was changed" in output
    assert schema.MAYA["email"] not in output
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.refunds)).scalar() == 2


def test_connector_check_fails_on_a_bad_file_naming_its_line(billing_system):
    _, path = billing_system
    path.write_text(path.read_text().replace("erase: set_null}", "erase: set_nul}", 1))
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 system"):
        call_command("connector_check", stdout=out)
    assert "line 10, field tables.customers.fields.email.erase: unknown value 'set_nul'" in out.getvalue()


def test_connector_check_fails_on_a_missing_column(billing_system):
    engine, _ = billing_system
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE refunds RENAME COLUMN note TO memo"))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("connector_check", "payments", stdout=out)
    assert "problem: table refunds: column note missing" in out.getvalue()


def test_dataset_suggest_writes_a_file_that_loads_with_guessed_types_identity_and_references(
    tmp_path, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'club.sqlite3'}"
    engine = schema.build(url)
    with engine.begin() as conn:  # a column whose name says nothing: its values tell it holds phones
        conn.execute(
            sa.text(
                "CREATE TABLE contacts (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), reach TEXT)"
            )
        )
        conn.execute(
            sa.text("INSERT INTO contacts VALUES (1, 1, '+1 415 555 0101'), (2, 2, '(415) 555-0102')")
        )
    engine.dispose()
    output = tmp_path / "suggested.yaml"
    monkeypatch.setenv("CLUB_DATABASE_URL", url)
    run("dataset_suggest", "--url-env", "CLUB_DATABASE_URL", "--system", "payments", "--output", str(output))
    text = output.read_text()
    assert url not in text and "maya" not in text.lower()
    dataset = load_dataset(output)
    assert isinstance(dataset, SqlDataset)
    customers = dataset.tables["customers"]
    assert customers.identity == {"email": "email", "phone": "phone", "member_number": "member_no"}
    assert {f.name: f.type_code for f in customers.fields}["name"] == "full_name"
    assert {(r.table, r.column, r.target) for r in dataset.references} >= {
        ("payments", "customer_id", "customers"),
        ("refunds", "payment_id", "payments"),
        ("contacts", "customer_id", "customers"),
    }
    assert {f.name: f.type_code for f in dataset.tables["contacts"].fields} == {"reach": "phone"}
    assert "leads" in dataset.tables and "# email has no index" in text


def test_connector_check_records_its_outcome_for_the_admin(billing_system):
    _, path = billing_system
    run("connector_check", "payments")
    system = System.objects.get(code="payments")
    assert system.last_check_ok is True and system.last_checked_at is not None
    path.write_text(path.read_text().replace("erase: set_null}", "erase: set_nul}", 1))
    with pytest.raises(CommandError):
        call_command("connector_check", "payments", stdout=StringIO())
    system.refresh_from_db()
    assert system.last_check_ok is False
    assert "unknown value 'set_nul'" in system.last_check_summary
    assert schema.MAYA["email"] not in system.last_check_summary
