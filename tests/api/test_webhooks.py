"""Outgoing webhooks: received, verified, completed, denied and due soon, each an outbox-enqueued
delivery signed like the processor notices, with no personal data, to a real local HTTP server."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.webhooks import WebhookDeliveryError, webhook_deliver, webhooks_due_soon
from requests_app import deadlines
from requests_app.intake.services import privacy_request_submit
from requests_app.lifecycle import request_transition
from requests_app.models import Kind, Status
from requests_app.processors.services import webhook_signature_valid
from tests.factories import PrivacyRequestFactory
from tests.requests_app.agents.test_agents import agent_data, maya, png_permission, submit, upload  # noqa: F401

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-0123456789"
PAYLOAD_KEYS = {"event", "reference", "kind", "status", "due_date", "occurred_at"}


@pytest.fixture
def endpoint(webhook_server):
    return WebhookEndpoint.objects.create(
        name="Ticketing", url=webhook_server.url, secret=SECRET, events=list(WebhookEvent.values)
    )


def _calls(webhook_server):
    return [(c, json.loads(c.body)) for c in webhook_server.received]


def test_completion_is_delivered_signed_with_the_endpoints_secret_and_no_personal_data(
    endpoint, webhook_server, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(
        status=Status.FULFILLING, submission__email="maya.chen@example.com", submission__first_name="Maya"
    )
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=privacy_request, to=Status.COMPLETED, outcome="complied")
    [(call, payload)] = _calls(webhook_server)
    assert webhook_signature_valid(body=call.body, header=call.headers["rakunest-signature"], secret=SECRET)
    assert not webhook_signature_valid(
        body=call.body, header=call.headers["rakunest-signature"], secret="other"
    )
    assert set(payload) == PAYLOAD_KEYS
    assert payload["event"] == "request.completed" and payload["reference"] == privacy_request.reference
    assert payload["status"] == "completed" and payload["due_date"] == privacy_request.due_at.isoformat()
    assert b"maya" not in call.body.lower() and b"example.com" not in call.body
    assert call.headers["rakunest-event"] == "request.completed"
    assert WebhookDelivery.objects.get().delivered_at is not None


def test_receipt_is_delivered_once_the_acknowledgement_is_sent(
    endpoint, webhook_server, consumer_details, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = privacy_request_submit(kinds=[Kind.KNOW_CATEGORIES], requester=consumer_details)
    received = [p for _c, p in _calls(webhook_server) if p["event"] == "request.received"]
    assert [p["reference"] for p in received] == [created[0].reference]
    assert b"Chen" not in webhook_server.received[0].body


def test_verification_and_denial_are_delivered(endpoint, webhook_server, django_capture_on_commit_callbacks):
    privacy_request = PrivacyRequestFactory(status=Status.AWAITING_VERIFICATION)
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=privacy_request, to=Status.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=privacy_request, to=Status.DENIED, outcome="denied", denial_reason="fraud")
    assert [p["event"] for _c, p in _calls(webhook_server)] == ["request.verified", "request.denied"]


def test_an_endpoint_gets_only_the_events_it_subscribed_to_and_none_when_inactive(
    webhook_server, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        name="Done only", url=webhook_server.url, secret=SECRET, events=["request.completed"]
    )
    WebhookEndpoint.objects.create(
        name="Off", url=webhook_server.url, secret=SECRET, events=list(WebhookEvent.values), active=False
    )
    privacy_request = PrivacyRequestFactory(status=Status.AWAITING_VERIFICATION)
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=privacy_request, to=Status.IN_REVIEW)
    assert webhook_server.received == [] and not WebhookDelivery.objects.exists()


def test_a_rolled_back_change_sends_nothing(endpoint, webhook_server, django_capture_on_commit_callbacks):
    privacy_request = PrivacyRequestFactory(status=Status.FULFILLING)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            request_transition(request=privacy_request, to=Status.COMPLETED, outcome="complied")
            raise RuntimeError
    assert webhook_server.received == [] and not WebhookDelivery.objects.exists()


def test_due_soon_goes_once_per_request_for_requests_due_within_7_days(
    endpoint, webhook_server, django_capture_on_commit_callbacks
):
    today = deadlines.local_date(timezone.now())
    soon = PrivacyRequestFactory(due_at=today + timedelta(days=3))
    PrivacyRequestFactory(due_at=today + timedelta(days=30))
    PrivacyRequestFactory(due_at=today + timedelta(days=2), status=Status.COMPLETED)
    PrivacyRequestFactory(due_at=today + timedelta(days=2), extended_due_at=today + timedelta(days=47))
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks_due_soon(today=today) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks_due_soon(today=today) == 0
    [(_call, payload)] = _calls(webhook_server)
    assert payload["event"] == "request.due_soon" and payload["reference"] == soon.reference


def test_a_server_error_is_retried_and_a_refusal_is_not(endpoint, webhook_server):
    webhook_server.statuses = [503, 400]
    privacy_request = PrivacyRequestFactory()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, request=privacy_request, event="request.due_soon", key="k", payload={"event": "x"}
    )
    with pytest.raises(WebhookDeliveryError):
        webhook_deliver(delivery_id=delivery.pk)
    assert webhook_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status, delivery.delivered_at) == (2, 400, None)


@pytest.mark.usefixtures("maya")
def test_receipt_of_an_agents_request_is_delivered_too(
    endpoint, webhook_server, client, django_capture_on_commit_callbacks
):
    response = submit(
        client, django_capture_on_commit_callbacks, agent_data(upload("permission.png", png_permission()))
    )
    assert response.status_code == 302
    received = [p for _c, p in _calls(webhook_server) if p["event"] == "request.received"]
    assert sorted(p["kind"] for p in received) == ["delete", "know_categories"]
    assert all(b"Rivera" not in c.body and b"Maya" not in c.body for c in webhook_server.received)
