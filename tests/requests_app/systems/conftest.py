"""External systems for the fulfilment tests: a billing database (SQLite here; PostgreSQL and MariaDB in
tests/integration) described by tests/records/external_schema.py's dataset, and a manual system."""

import pytest

from records.models import DataCategory, Source, System
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.records import external_schema

OWNER = "files.owner@rakunest.example"


def external_system(code: str, *, connector: str, dataset_path: str = "", **fields) -> System:
    system = System.objects.create(
        code=code,
        name=fields.pop("name", code.replace("_", " ").title()),
        description="An external system of the tests.",
        retention="Kept while the membership is active.",
        connector=connector,
        dataset_path=dataset_path,
        position=fields.pop("position", 50),
        **fields,
    )
    system.categories.set(
        DataCategory.objects.filter(
            code__in=["identifiers", "customer_records", "commercial", "uploaded_content"]
        )
    )
    system.sources.set(Source.objects.filter(code="direct"))
    return system


def billing_system(
    directory, monkeypatch, *, url: str, code: str = "billing", env: str = "BILLING_DATABASE_URL"
):
    """The billing database at `url` (built) and its System, reached through the SQL connector."""
    external_schema.build(url)
    text = external_schema.dataset_text().replace("system: billing", f"system: {code}")
    text = text.replace("url_env: BILLING_DATABASE_URL", f"url_env: {env}")
    path = directory / f"{code}.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(env, url)
    return external_system(code, connector=System.Connector.SQL, dataset_path=str(path), name=code.title())


@pytest.fixture
def billing(tmp_path, monkeypatch) -> System:
    return billing_system(tmp_path, monkeypatch, url=f"sqlite:///{tmp_path / 'billing.sqlite3'}")


@pytest.fixture
def paper_files() -> System:
    return external_system(
        "paper_files", connector=System.Connector.MANUAL, owner_email=OWNER, name="Paper files", position=60
    )


@pytest.fixture
def maya():
    return ConsumerFactory(**{k: v for k, v in external_schema.MAYA.items()})


@pytest.fixture
def access_request(maya):
    return PrivacyRequestFactory(
        kind="access_specific",
        status="fulfilling",
        consumer=maya,
        submission__email="maya.chen@example.com",
    )


@pytest.fixture
def approver(db):
    from tests.factories import staff_member

    return staff_member("april_approver", "approver")
