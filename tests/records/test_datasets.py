"""Dataset files are validated when they load; every problem names the file, the line and the field."""

from pathlib import Path

import pytest

from records.connectors.datasets import DatasetError, HttpConfig, SqlDataset, load_dataset

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "records" / "datasets").glob("*.yaml"))

GOOD = """version: 1
kind: sql
system: payments
connection:
  url_env: PAYMENTS_DATABASE_URL
tables:
  customers:
    identity: {email: email}
    fields:
      email: {type: email, erase: set_null}
      name: {type: full_name, erase: mask, mask: "[erased]"}
  payments:
    references: {customer_id: customers.id}
    fields:
      amount: {type: invoice, erase: retain, reason: legal_obligation}
"""


@pytest.fixture(autouse=True)
def _secrets(monkeypatch):
    for name in (
        "PAYMENTS_DATABASE_URL",
        "COWORKING_DATABASE_URL",
        "DEMO_COWORKING_DATABASE_URL",
        "STRIPE_SECRET_KEY",
        "SLACK_ADMIN_TOKEN",
    ):
        monkeypatch.setenv(name, "set-for-the-test")


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "payments.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError) as raised:
        load_dataset(path)
    return [p.replace(str(path), "payments.yaml") for p in raised.value.problems]


def test_a_good_file_loads_with_its_tables_references_and_field_actions(tmp_path):
    path = tmp_path / "payments.yaml"
    path.write_text(GOOD, encoding="utf-8")
    dataset = load_dataset(path)
    assert isinstance(dataset, SqlDataset)
    assert [(r.table, r.column, r.target, r.target_column) for r in dataset.references] == [
        ("payments", "customer_id", "customers", "id")
    ]
    assert [(f.name, f.erase, f.mask) for f in dataset.tables["customers"].fields] == [
        ("email", "set_null", ""),
        ("name", "mask", "[erased]"),
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_example_file_loads(path):
    assert isinstance(load_dataset(path), SqlDataset | HttpConfig)


def test_a_typo_in_a_key_names_the_line_the_field_and_the_likely_key(tmp_path):
    assert problems_of(tmp_path, GOOD.replace("{type: email, erase", "{tpye: email, erase")) == [
        "payments.yaml, line 10, field tables.customers.fields.email.tpye: unknown key 'tpye' (did you mean 'type'?)",
        "payments.yaml, line 10, field tables.customers.fields.email.type: is required",
    ]


def test_an_unknown_data_point_type_is_named_with_its_line(tmp_path):
    assert problems_of(tmp_path, GOOD.replace("type: invoice", "type: invoce")) == [
        "payments.yaml, line 15, field tables.payments.fields.amount.type: unknown data-point type 'invoce' "
        "(did you mean 'invoice'?)"
    ]


def test_a_missing_environment_variable_is_named_but_no_value_is_shown(tmp_path, monkeypatch):
    monkeypatch.delenv("PAYMENTS_DATABASE_URL")
    assert problems_of(tmp_path, GOOD) == [
        "payments.yaml, line 5, field connection.url_env: environment variable PAYMENTS_DATABASE_URL is not set"
    ]


def test_a_reference_to_an_unknown_table_is_refused(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace("customers.id}", "custmers.id}"))
    assert problems[0] == (
        "payments.yaml, line 13, field tables.payments.references.customer_id: unknown table 'custmers' "
        "(did you mean 'customers'?)"
    )


def test_an_identity_column_must_say_what_erasure_does_with_it(tmp_path):
    assert problems_of(tmp_path, GOOD.replace("{email: email}", "{email: email_address}"))[0] == (
        "payments.yaml, line 8, field tables.customers.identity.email: column 'email_address' is not among the "
        "table's fields"
    )


def test_mask_needs_its_value_and_retain_its_reason(tmp_path):
    text = GOOD.replace(', mask: "[erased]"', "").replace(", reason: legal_obligation", "")
    assert problems_of(tmp_path, text) == [
        "payments.yaml, line 11, field tables.customers.fields.name.mask: erase: mask needs the fixed value to "
        "write (mask: ...)",
        "payments.yaml, line 15, field tables.payments.fields.amount.reason: erase: retain needs a reason: "
        "fees_owed, open_dispute, legal_hold, security, legal_obligation",
    ]


def test_a_table_name_that_is_not_a_plain_identifier_is_refused(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace("  payments:\n", '  "payments; DROP TABLE x":\n'))
    assert problems[0].startswith("payments.yaml, line 12, field tables.payments; DROP TABLE x: ")
    assert "is not a valid table name" in problems[0]


def test_a_table_no_reference_reaches_is_refused(tmp_path):
    text = GOOD + "  audit:\n    fields:\n      ip: {type: ip_address, erase: set_null}\n"
    assert problems_of(tmp_path, text) == [
        "payments.yaml, line 16, field tables.audit: is not reachable from an identity table by references"
    ]


def test_broken_yaml_names_the_line(tmp_path):
    assert problems_of(
        tmp_path, GOOD.replace("    identity: {email: email}", "    identity: {email: email")
    ) == ["payments.yaml, line 9: not valid YAML: expected ',' or '}', but got ':'"]


def test_a_duplicate_key_is_refused(tmp_path):
    text = GOOD.replace(
        "      name: {type: full_name",
        "      email: {type: email, erase: set_null}\n      name: {type: full_name",
    )
    assert problems_of(tmp_path, text) == ["payments.yaml, line 11: not valid YAML: duplicate key 'email'"]


def test_a_file_for_another_system_is_refused(tmp_path):
    path = tmp_path / "payments.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(
        DatasetError, match="line 3, field system: says 'payments' but the data map names it for 'web_logs'"
    ):
        load_dataset(path, system="web_logs")


def test_an_http_file_needs_an_erase_endpoint_when_a_field_deletes_the_record(tmp_path):
    text = """version: 1
kind: http
system: payments
base_url: https://api.example.com
auth: {type: bearer, token_env: STRIPE_SECRET_KEY}
locate:
  - {identity: email, path: /customers, params: {email: "{emial}"}}
read: {path: "/customers/{id}"}
fields:
  email: {type: email, erase: delete_row}
"""
    assert problems_of(tmp_path, text) == [
        "payments.yaml, line 7, field locate[0].params.email: unknown placeholder {emial}; use {email}, {phone}, "
        "{member_number}",
        "payments.yaml, line 1, field erase: a field says delete_row: name the endpoint that deletes a record",
    ]
