"""Opt-out, Shine the Light, unsubscribe and close account on the real stack: PostgreSQL, Redis, a worker."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from records.models import Consumer
from requests_app.fulfilment import request_approve
from requests_app.models import Kind, PrivacyRequest, ProcessorNotice, Status
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.optout_support import partner_share_point

pytestmark = pytest.mark.integration


def test_an_opt_out_from_the_do_not_sell_page_is_applied_by_the_worker_and_confirmed(
    client, celery_worker_process
):
    maya = ConsumerFactory(email="maya.chen@example.com")
    row = partner_share_point(maya)

    response = client.post(reverse("requests_app:do_not_sell"), {"email": "Maya.Chen@example.com"})
    assert response.status_code == 302

    request = PrivacyRequest.objects.get()
    celery_worker_process.wait_for(
        lambda: PrivacyRequest.objects.filter(pk=request.pk, status=Status.COMPLETED).exists(),
        what="the opt-out to be applied",
    )
    maya.refresh_from_db()
    row.refresh_from_db()
    assert maya.sale_opted_out_at is not None and row.redacted_at is not None
    request.refresh_from_db()
    assert (request.outcome, request.consumer_id) == ("complied", maya.pk)
    notice = ProcessorNotice.objects.get(request=request)
    assert (notice.recipient.code, notice.action) == ("incubation_partners", "opt_out")

    mails = celery_worker_process.wait_for(
        lambda: [m for m in celery_worker_process.mails() if "opt-out of sale and sharing is done" in m],
        what="the opt-out confirmation",
    )
    assert len(mails) == 1 and "To: maya.chen@example.com" in mails[0]
    assert request.reference in mails[0]


def test_approved_choice_requests_are_carried_out_by_the_worker(celery_worker_process):
    consumer = ConsumerFactory(email="diego.alvarez@example.com")
    partner_share_point(consumer, collected_at=timezone.now() - timedelta(days=400))
    requests = {
        kind: PrivacyRequestFactory(
            kind=kind, status=Status.IN_REVIEW, consumer=consumer, submission__email=consumer.email
        )
        for kind in (Kind.SHINE_THE_LIGHT, Kind.UNSUBSCRIBE, Kind.CLOSE_ACCOUNT)
    }
    for request in requests.values():
        request_approve(request=request)

    celery_worker_process.wait_for(
        lambda: PrivacyRequest.objects.filter(status=Status.COMPLETED).count() == 3,
        what="three requests to complete",
    )
    consumer = Consumer.objects.get(pk=consumer.pk)
    assert (consumer.marketing_subscribed, consumer.account_active) == (False, False)
    mails = celery_worker_process.wait_for(
        lambda: len(celery_worker_process.mails()) == 3 and celery_worker_process.mails(),
        what="three responses",
    )
    stl = next(m for m in mails if "Shine the Light answer" in m)
    assert "Business incubation partners" in stl
    assert "RakuNest Partner Network, 900 Concar Drive" in stl
