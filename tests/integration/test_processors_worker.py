import json

import pytest

from records.models import Recipient
from requests_app.models import Kind, ProcessorNotice, Status
from requests_app.processors.services import processor_notices_create, webhook_signature_valid
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch, request):
    """A real worker whose retry back-off starts at 1 s instead of a minute."""
    monkeypatch.setenv("PROCESSOR_RETRY_BASE_SECONDS", "1")
    return request.getfixturevalue("celery_worker_process")


def test_a_real_worker_delivers_a_signed_webhook_notice_after_commit(worker, webhook_server):
    webhook_server.statuses = [503, 200]  # the first attempt fails; the worker retries it
    recipient = Recipient.objects.get(code="payments")
    recipient.webhook_url = webhook_server.url
    recipient.save()
    request = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING, consumer=ConsumerFactory())

    [notice] = processor_notices_create(request=request, recipients=[recipient], action="delete")

    calls = webhook_server.wait_for(2, timeout=60)
    assert all(webhook_signature_valid(body=c.body, header=c.headers["rakunest-signature"]) for c in calls)
    assert json.loads(calls[-1].body)["notice_id"] == str(notice.public_id)

    def sent():
        notice.refresh_from_db()
        return notice.status == ProcessorNotice.State.SENT

    worker.wait_for(sent, what="the notice marked sent")
    assert notice.attempts == 2
