import random

import pytest

from records.models import DataPoint, Recipient
from requests_app.correction.services import ItemInput, correction_decide, correction_submit
from requests_app.fulfilment import request_approve
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.models import CorrectionCase, Kind, ProcessorNotice, Status
from tests.factories import ConsumerFactory, PrivacyRequestFactory, staff_member

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(request):
    return request.getfixturevalue("celery_worker_process")


def test_a_real_worker_invites_the_requester_and_instructs_recipients_after_approval(worker):
    Recipient.objects.filter(code="it_hosting").update(
        notify_by="email", notify_email="privacy@hosting.example"
    )
    maya = ConsumerFactory(email="maya.chen@example.com", phone="+14155550101", member_number="RN00000001")
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(4)).rich(maya))
    request = PrivacyRequestFactory(
        kind=Kind.CORRECT, status=Status.IN_REVIEW, consumer=maya, submission__email="maya.chen@example.com"
    )

    request_approve(request=request)
    [invite] = worker.wait_for(worker.mails, what="the invitation")
    assert "Tell us what to correct" in invite
    worker.wait_for(lambda: CorrectionCase.objects.filter(request=request, invited_at__isnull=False).exists())

    address = DataPoint.objects.get(
        consumer=maya, system__code="member_accounts", point_type__code="postal_address"
    )
    correction_submit(
        request=request, items=[ItemInput(address.pk, "500 Howard Street, San Francisco, CA 94105")]
    )
    analyst = staff_member("approver", "approver")
    correction_decide(request=request, actor=analyst, approve=True, notes="Lease seen.")

    def notice_sent():
        return ProcessorNotice.objects.filter(request=request, status=ProcessorNotice.State.SENT).exists()

    worker.wait_for(notice_sent, what="the recipient's correction notice")
    mails = worker.mails()
    assert any("To: privacy@hosting.example" in m and "500 Howard Street" in m for m in mails)
    address.refresh_from_db()
    assert address.value.startswith("500 Howard Street")
