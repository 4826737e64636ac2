"""Real stack (PostgreSQL, Redis, a real Celery worker): a Spanish request's access report is rendered by
the worker in Spanish, and its "ready" e-mail too, though the worker itself runs with the default language."""

import email
import io
from email.header import decode_header, make_header

import pytest
from pypdf import PdfReader

from records.vault import vault_get
from requests_app.fulfilment import fulfilment_enqueue
from requests_app.models import AccessReport, Kind, ReportStep
from tests.requests_app.reports.test_report_language import SPANISH_HEADINGS
from tests.requests_app.reports.test_reports import access_request

pytestmark = pytest.mark.integration


def _subjects(worker) -> list[str]:
    subjects = []
    for mail in worker.mails():
        for message in mail.split("-" * 79):
            if "Subject:" in message:
                parsed = email.message_from_string(message.strip())
                subjects.append(str(make_header(decode_header(parsed["Subject"] or ""))))
    return subjects


def test_the_worker_renders_a_spanish_requests_report_in_spanish(celery_worker_process):
    worker = celery_worker_process
    request = access_request(kind=Kind.ACCESS_SPECIFIC)
    request.submission.language = "es"
    request.submission.save(update_fields=["language"])
    fulfilment_enqueue(request=request)  # transactional_db: on_commit runs at once

    worker.wait_for(
        lambda: AccessReport.objects.filter(request=request, step=ReportStep.READY).exists(),
        timeout=120,
        what="the report",
    )
    report = AccessReport.objects.get(request=request)
    reader = PdfReader(io.BytesIO(vault_get(report.pdf_name, sha256=report.pdf_sha256)))
    text = " ".join("\n".join(page.extract_text() for page in reader.pages).split())
    for heading in SPANISH_HEADINGS:
        assert heading in text
    assert "About this report" not in text
    assert "1 de enero de 2022" in text
    worker.wait_for(
        lambda: "Su informe de privacidad de RakuNest está listo" in _subjects(worker),
        timeout=60,
        what="the Spanish ready e-mail",
    )
