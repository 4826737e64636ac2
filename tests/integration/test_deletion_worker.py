import random
import re

import pytest

from records.models import Consumer, DataPoint
from records.suppression import suppression_check
from requests_app.deletion.services import deletion_confirm
from requests_app.fulfilment import request_approve
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.models import DeletionCase, Kind, PrivacyRequest, Status
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(request):
    return request.getfixturevalue("celery_worker_process")


def test_a_real_worker_asks_for_confirmation_then_erases_and_reports(worker, settings):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0  # the window itself is tested with eager tasks
    maya = ConsumerFactory(email="maya.chen@example.com", phone="+14155550101", member_number="RN00000001")
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(3)).rich(maya))
    request = PrivacyRequestFactory(
        kind=Kind.DELETE, status=Status.IN_REVIEW, consumer=maya, submission__email="maya.chen@example.com"
    )

    request_approve(request=request)

    [ask] = worker.wait_for(worker.mails, what="the confirmation e-mail")
    worker.wait_for(
        lambda: DeletionCase.objects.filter(request=request, code_sent_at__isnull=False).exists(),
        what="the code committed",
    )
    code = re.search(r"^\s+(\d{6})$", ask, re.MULTILINE).group(1)
    assert deletion_confirm(reference=request.reference, code=code)

    def completed():
        return PrivacyRequest.objects.get(pk=request.pk).status == Status.COMPLETED

    worker.wait_for(completed, what="the erasure")

    def responded():  # the outbox relays the e-mail after the row that records it commits
        return DeletionCase.objects.filter(request=request, response_sent_at__isnull=False).exists() and [
            m for m in worker.mails() if "is complete" in m
        ]

    [response] = worker.wait_for(responded, what="the response e-mail")
    assert "What we deleted" in response and "What we kept, and why" in response
    maya = Consumer.objects.get(pk=maya.pk)
    assert maya.email == "" and maya.erased_at is not None
    assert not DataPoint.objects.filter(consumer=maya, system__code="member_accounts").exists()
    assert suppression_check(email="maya.chen@example.com")
