"""The fault test of issue 4: a real worker on Redis + PostgreSQL is SIGKILLed mid-render and restarted;
every access request still gets exactly one report and one "ready" e-mail."""

import re
import time

import pytest

from requests_app.fulfilment import fulfilment_enqueue
from requests_app.intake.tasks import sweep_stuck_requests
from requests_app.models import AccessReport, FulfilmentStepDone, Kind, PrivacyRequest, ReportStep, Status
from tests.requests_app.reports.test_reports import POINTS, access_request

pytestmark = pytest.mark.integration

REQUESTS = 20
# Enough records that each render takes a noticeable moment, so the kill lands mid-render.
MANY_POINTS = POINTS + [("web_logs", "page_view", "device_logs", f"/events/{n}") for n in range(400)]


def ready_mails(worker) -> dict[str, int]:
    counts: dict[str, int] = {}
    for mail in worker.mails():
        for message in mail.split("-" * 79):
            if "Subject: Your RakuNest privacy report is ready" in message:
                reference = re.search(r"RN-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", message).group(0)
                counts[reference] = counts.get(reference, 0) + 1
    return counts


def test_a_worker_killed_mid_render_loses_and_repeats_nothing(celery_worker_process, settings):
    worker = celery_worker_process
    requests = [
        access_request(kind=Kind.ACCESS_SPECIFIC if i % 2 else Kind.KNOW_CATEGORIES, points=MANY_POINTS)
        for i in range(REQUESTS)
    ]
    for request in requests:
        fulfilment_enqueue(request=request)  # transactional_db: on_commit runs at once

    worker.wait_for(
        lambda: AccessReport.objects.filter(step=ReportStep.RENDERING).exists(), timeout=120, what="a render"
    )
    worker.kill_all()
    interrupted = AccessReport.objects.exclude(step=ReportStep.READY).count()
    assert interrupted > 0

    worker.start()
    # The killed worker's messages stay unacknowledged in Redis until the visibility timeout (hours):
    # the beat sweeper finds the requests stuck in fulfilling and enqueues them again.
    settings.STUCK_REQUEST_MINUTES = 0
    time.sleep(0.1)
    assert sweep_stuck_requests.apply().get() >= interrupted

    worker.wait_for(
        lambda: not PrivacyRequest.objects.filter(status=Status.FULFILLING).exists(),
        timeout=300,
        what="every request to complete",
    )
    worker.wait_for(lambda: len(ready_mails(worker)) == REQUESTS, timeout=60, what="20 ready e-mails")
    time.sleep(3)  # duplicate messages from the sweep drain; none may send anything again

    assert PrivacyRequest.objects.filter(status=Status.COMPLETED, outcome="complied").count() == REQUESTS
    assert AccessReport.objects.filter(step=ReportStep.READY).exclude(pdf_name="").count() == REQUESTS
    assert ready_mails(worker) == {r.reference: 1 for r in requests}
    assert FulfilmentStepDone.objects.count() == 2 * REQUESTS
