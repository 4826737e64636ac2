"""A bad dataset file is found before any request needs it: by `manage.py check --database default`
(the deploy runs it) and by the admin, which refuses to save the system."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from records.admin import SystemForm
from records.models import System
from tests.records import external_schema as schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def payments_dataset(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    schema.build(url).dispose()
    monkeypatch.setenv("BILLING_DATABASE_URL", url)
    return schema.write_dataset(
        tmp_path, schema.dataset_text().replace("system: billing", "system: payments")
    )


def check(databases=("default",)) -> str:
    out = StringIO()
    call_command("check", databases=list(databases), stdout=out, stderr=out)
    return out.getvalue()


def test_the_deploy_check_passes_when_every_dataset_file_loads(payments_dataset):
    System.objects.filter(code="payments").update(connector="sql", dataset_path=str(payments_dataset))
    assert "no issues" in check()


def test_the_deploy_check_fails_on_a_typo_naming_the_file_line_and_field(payments_dataset):
    payments_dataset.write_text(
        payments_dataset.read_text().replace("erase: set_null}", "erase: set_nul}", 1)
    )
    System.objects.filter(code="payments").update(connector="sql", dataset_path=str(payments_dataset))
    with pytest.raises(SystemCheckError) as failed:
        check()
    message = str(failed.value)
    assert "records.E001" in message and str(payments_dataset) in message
    assert "line 10, field tables.customers.fields.email.erase: unknown value 'set_nul'" in message


def test_the_deploy_check_names_a_missing_environment_variable(payments_dataset, monkeypatch):
    monkeypatch.delenv("BILLING_DATABASE_URL")
    System.objects.filter(code="payments").update(connector="sql", dataset_path=str(payments_dataset))
    with pytest.raises(SystemCheckError, match="BILLING_DATABASE_URL"):
        check()


def test_the_check_without_the_database_flag_does_not_touch_the_data_map(payments_dataset):
    payments_dataset.write_text("not: [a dataset")
    System.objects.filter(code="payments").update(connector="sql", dataset_path=str(payments_dataset))
    assert "no issues" in check(databases=())


def test_the_admin_refuses_a_system_whose_dataset_file_does_not_load(payments_dataset):
    payments_dataset.write_text(
        payments_dataset.read_text().replace("erase: set_null}", "erase: set_nul}", 1)
    )
    system = System.objects.get(code="payments")
    form_class = type(
        "PaymentsForm",
        (SystemForm,),
        {
            "Meta": type(
                "Meta",
                (),
                {
                    "model": System,
                    "fields": [
                        "code",
                        "name",
                        "description",
                        "erasure",
                        "retention",
                        "position",
                        "connector",
                        "dataset_path",
                    ],
                },
            )
        },
    )
    data = {
        "code": system.code,
        "name": system.name,
        "description": system.description,
        "erasure": system.erasure,
        "retention": system.retention,
        "position": system.position,
        "connector": "sql",
        "dataset_path": str(payments_dataset),
    }
    form = form_class(data, instance=system)
    assert not form.is_valid()
    assert any("unknown value 'set_nul'" in error for error in form.non_field_errors())
    payments_dataset.write_text(payments_dataset.read_text().replace("set_nul}", "set_null}", 1))
    assert form_class(data, instance=system).is_valid()
