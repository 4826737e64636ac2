"""The real stack: a request entered through the API on PostgreSQL is acknowledged by a real worker,
which then delivers the signed request.received webhook (written with the acknowledgement, relayed by
the outbox) to a local HTTP server."""

import json

import pytest
from rest_framework.test import APIClient

from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.services import api_token_create
from requests_app.models import Submission
from requests_app.processors.services import webhook_signature_valid
from staff.permissions import Role
from tests.factories import staff_member

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_phone_request_entered_through_the_api_reaches_the_ticketing_webhook(
    celery_worker_process, webhook_server, valid_form_data
):
    WebhookEndpoint.objects.create(
        name="Ticketing", url=webhook_server.url, secret="whsec-int", events=[WebhookEvent.RECEIVED]
    )
    analyst = staff_member("int_analyst", Role.ANALYST)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=analyst, name='crm').secret}")

    response = client.post(
        "/api/v1/submissions/",
        {**valid_form_data, "kinds": ["know_categories"], "channel": "phone"},
        format="json",
    )
    assert response.status_code == 201, response.content
    reference = response.json()["requests"][0]["reference"]

    [call] = webhook_server.wait_for(1, timeout=90)
    assert webhook_signature_valid(
        body=call.body, header=call.headers["rakunest-signature"], secret="whsec-int"
    )
    payload = json.loads(call.body)
    assert (payload["event"], payload["reference"]) == ("request.received", reference)
    assert b"maya" not in call.body.lower()
    assert Submission.objects.get().acknowledged_at is not None

    def delivered():
        return WebhookDelivery.objects.filter(delivered_at__isnull=False).count() == 1

    celery_worker_process.wait_for(delivered, what="the delivery marked delivered")
