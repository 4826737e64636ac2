"""Issue 11 end to end on the real stack: a real worker, the portal's PostgreSQL, a billing database on
another PostgreSQL database and one on MariaDB (both built here, as tests/records does), and a manual
system answered by its owner. One access request and one deletion go across all of them, while the
PostgreSQL system fails twice (its tables are not there yet) and then recovers."""

import io
import json
import random
import re
import time
import zipfile

import pytest
import sqlalchemy as sa
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from records.models import DataPoint
from records.vault import vault_get
from requests_app.correction import services as correction
from requests_app.deletion.services import deletion_confirm
from requests_app.fulfilment import fulfilment_enqueue, request_approve
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.models import (
    AccessReport,
    CorrectionCase,
    DeletionCase,
    Kind,
    PrivacyRequest,
    RequestEvent,
    Status,
    SystemRun,
)
from requests_app.systems.services import system_runs_sweep
from tests.factories import ConsumerFactory, PrivacyRequestFactory, staff_member
from tests.records import external_schema
from tests.records.conftest import mariadb_database, postgres_database
from tests.requests_app.systems.conftest import OWNER, external_system

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PREFIX = "rk_sys_ext_"
OWNER_LINK = re.compile(r"/systems/owner/([\w-]+)/")


@pytest.fixture
def pg_url():
    databases = postgres_database(prefix=PREFIX)
    yield next(databases)
    databases.close()


@pytest.fixture
def maria_url():
    databases = mariadb_database(prefix=PREFIX)
    yield next(databases)
    databases.close()


def sql_system(tmp_path, code: str, env: str, position: int):
    text = external_schema.dataset_text().replace("system: billing", f"system: {code}")
    path = tmp_path / f"{code}.yaml"
    path.write_text(text.replace("url_env: BILLING_DATABASE_URL", f"url_env: {env}"), encoding="utf-8")
    return external_system(
        code, connector="sql", dataset_path=str(path), name=code.replace("_", " ").title(), position=position
    )


@pytest.fixture
def worker(request, pg_url, maria_url, tmp_path, monkeypatch):
    """The worker starts with the systems' URLs and quick retries in its environment (3 s, then 6 s)."""
    monkeypatch.setenv("PG_BILLING_URL", pg_url)
    monkeypatch.setenv("MARIA_BILLING_URL", maria_url)
    monkeypatch.setenv("SYSTEM_RUN_RETRY_BASE_SECONDS", "3")
    return request.getfixturevalue("celery_worker_process")


def mails_with(worker, text: str) -> list[str]:
    return [m for m in worker.mails() if text in m]


def owner_answer(worker, count: int, data: dict, *, files: dict | None = None):
    mails = worker.wait_for(
        lambda: len(mails_with(worker, f"To: {OWNER}")) >= count or None, what="the owner's e-mail"
    )
    token = OWNER_LINK.findall(mails_with(worker, f"To: {OWNER}")[count - 1])[0]
    response = Client().post(f"/systems/owner/{token}/", {**data, **(files or {})})
    assert response.status_code == 200, response.content.decode()[-2000:]
    return mails


def report_of(request) -> tuple[str, dict]:
    report = AccessReport.objects.get(request=request)
    pdf = PdfReader(io.BytesIO(vault_get(report.pdf_name, sha256=report.pdf_sha256)))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    archive = zipfile.ZipFile(io.BytesIO(vault_get(report.zip_name, sha256=report.zip_sha256)))
    [name] = [n for n in archive.namelist() if n.endswith(".json")]
    return text, json.loads(archive.read(name))


def test_an_access_request_and_a_deletion_span_every_kind_of_system_with_one_failing_then_recovering(
    worker, pg_url, maria_url, tmp_path, settings
):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0  # the deletion is confirmed in this (test) process
    external_schema.build(maria_url).dispose()  # the PostgreSQL system's tables come later
    pg = sql_system(tmp_path, "pg_billing", "PG_BILLING_URL", 40)
    sql_system(tmp_path, "maria_billing", "MARIA_BILLING_URL", 41)
    external_system("paper_files", connector="manual", owner_email=OWNER, name="Paper files", position=60)
    maya = ConsumerFactory(**external_schema.MAYA)
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(5)).rich(maya))

    # --- The access report ---------------------------------------------------------------------------
    access = PrivacyRequestFactory(
        kind=Kind.ACCESS_SPECIFIC, status=Status.FULFILLING, consumer=maya, submission__email=maya.email
    )
    fulfilment_enqueue(request=access)  # transactional_db: on_commit runs at once

    def pg_failed_twice():
        run = SystemRun.objects.filter(request=access, system=pg).first()
        return run and run.state == SystemRun.State.FAILING and run.attempts == 2 and run

    failing = worker.wait_for(pg_failed_twice, timeout=60, what="the PostgreSQL system to fail twice")
    assert "pg_billing: locate failed" in failing.last_error and failing.next_attempt_at
    external_schema.build(pg_url).dispose()  # the system recovers before the third attempt (6 s later)

    csv = b"full_name,entry_image,collected_at\nMaya Chen,entry photo at the Market St door,2024-03-01\n"
    owner_answer(worker, 1, {"action": "upload"}, files={"file": SimpleUploadedFile("maya.csv", csv)})
    worker.wait_for(
        lambda: PrivacyRequest.objects.get(pk=access.pk).status == Status.COMPLETED,
        timeout=120,
        what="the report",
    )
    runs = {r.system.code: r for r in SystemRun.objects.filter(request=access).select_related("system")}
    assert runs["pg_billing"].attempts == 3 and runs["pg_billing"].state == SystemRun.State.DONE
    assert runs["maria_billing"].exported == runs["pg_billing"].exported == 10
    text, document = report_of(access)
    systems_in_report = [p["system"] for p in document["data_points"]]
    assert {"Member accounts", "Pg Billing", "Maria Billing", "Paper files"} <= set(systems_in_report)
    for name in ("Pg Billing", "Maria Billing"):
        values = {p["type"]: p["value"] for p in document["data_points"] if p["system"] == name}
        assert values["Postal address"] == "123 Market Street" and values["Payment card number"] is None
    assert "Pg Billing" in text and "Maria Billing" in text and "Paper files" in text
    # Neither the policy nor Regs §7024(d) withholds an entry photo (issue 15, item 5): it is disclosed.
    assert "entry photo at the Market St door" in " ".join(text.split())
    assert all(not r.points_name for r in SystemRun.objects.filter(request=access))

    # --- The deletion --------------------------------------------------------------------------------
    delete = PrivacyRequestFactory(
        kind=Kind.DELETE, status=Status.IN_REVIEW, consumer=maya, submission__email=maya.email
    )
    request_approve(request=delete)
    worker.wait_for(
        lambda: DeletionCase.objects.filter(request=delete, code_sent_at__isnull=False).exists(),
        what="the code",
    )
    [ask] = [m for m in mails_with(worker, delete.reference) if "confirm" in m.lower()][:1]
    code = re.search(r"^\s+(\d{6})$", ask, re.MULTILINE).group(1)
    assert deletion_confirm(reference=delete.reference, code=code)

    owner_answer(worker, 2, {"action": "erasure", "answer": "erased", "count": "1"})
    worker.wait_for(
        lambda: DeletionCase.objects.filter(request=delete, response_sent_at__isnull=False).exists(),
        timeout=120,
        what="the deletion response",
    )
    delete.refresh_from_db()
    assert delete.status == Status.COMPLETED
    [response] = [m for m in worker.mails() if f"Your deletion request {delete.reference} is complete" in m]
    for line in (
        "Member accounts: deleted",
        "Pg Billing: deleted (1 item), de-identified (3)",
        "Maria Billing: deleted (1 item), de-identified (3)",
        "Paper files: deleted (1 item)",
        "Pg Billing (2 items): The law requires us to keep these records",
    ):
        assert line in response
    for url in (pg_url, maria_url):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT email, name FROM customers WHERE id = 1")).one()
        engine.dispose()
        assert row == (None, "[erased]")

    # --- Nothing twice ----------------------------------------------------------------------------------
    settings.STUCK_REQUEST_MINUTES = 0
    time.sleep(1)
    system_runs_sweep()
    time.sleep(3)
    assert len(mails_with(worker, "Subject: Your RakuNest privacy report is ready")) == 1
    assert len([m for m in worker.mails() if "is complete" in m]) == 1
    assert len(mails_with(worker, f"To: {OWNER}")) == 2
    assert AccessReport.objects.filter(request=access).count() == 1


def test_an_approved_correction_reaches_every_kind_of_system_and_is_answered_once_all_have(
    worker, pg_url, maria_url, tmp_path
):
    external_schema.build(maria_url).dispose()  # the PostgreSQL system's tables come later
    pg = sql_system(tmp_path, "pg_billing", "PG_BILLING_URL", 40)
    sql_system(tmp_path, "maria_billing", "MARIA_BILLING_URL", 41)
    external_system("paper_files", connector="manual", owner_email=OWNER, name="Paper files", position=60)
    maya = ConsumerFactory(**external_schema.MAYA)
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(5)).rich(maya))
    request = PrivacyRequestFactory(
        kind=Kind.CORRECT, status=Status.FULFILLING, consumer=maya, submission__email=maya.email
    )
    CorrectionCase.objects.create(request=request, invited_at=timezone.now())
    address = DataPoint.objects.get(
        consumer=maya, system__code="member_accounts", point_type__code="postal_address"
    )
    new = "500 Howard Street, San Francisco, CA 94105"
    correction.correction_submit(request=request, items=[correction.ItemInput(address.pk, new)])
    approver = staff_member("april_approver", "approver")
    correction.correction_decide(request=request, actor=approver, approve=True, notes="Lease seen.")

    def pg_failed_twice():
        run = SystemRun.objects.filter(request=request, system=pg).first()
        return run and run.state == SystemRun.State.FAILING and run.attempts == 2 and run

    worker.wait_for(pg_failed_twice, timeout=60, what="the PostgreSQL system to fail twice")
    assert not [m for m in worker.mails() if "is complete" in m]  # the requester waits
    external_schema.build(pg_url).dispose()  # recovers before the third attempt

    owner_answer(worker, 1, {"action": "corrected", "count": "1"})
    [asked] = mails_with(worker, f"To: {OWNER}")
    assert new not in asked and maya.email not in asked  # the owner's e-mail holds no personal data
    worker.wait_for(
        lambda: PrivacyRequest.objects.get(pk=request.pk).status == Status.COMPLETED,
        timeout=120,
        what="the correction to complete",
    )
    runs = {r.system.code: r for r in SystemRun.objects.filter(request=request).select_related("system")}
    assert runs["pg_billing"].attempts == 3
    assert all(r.state == SystemRun.State.DONE and not r.changes_sealed for r in runs.values())
    for url in (pg_url, maria_url):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            streets = dict(conn.execute(sa.text("SELECT id, street FROM customers")).all())
        engine.dispose()
        assert streets == {1: new, 2: "45 Ocean Avenue"}
    worker.wait_for(lambda: [m for m in worker.mails() if "is complete" in m] or None, what="the e-mail")
    [done] = [m for m in worker.mails() if f"Your correction request {request.reference} is complete" in m]
    assert "Pg Billing, Maria Billing, Paper files" in " ".join(done.split())
    events = str(list(RequestEvent.objects.filter(request=request).values_list("data", "reason")))
    assert new not in events and "Howard" not in events
