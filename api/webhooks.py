"""Outgoing event webhooks, so that a ticketing tool can follow requests.

Each event is a WebhookDelivery row per subscribed endpoint plus an outbox task enqueue, written in the
transaction of the change it reports (a status change, an acknowledgement), so it is sent once that
commits and never for a change rolled back. The body is signed like the processor notices
(`RakuNest-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>." + body>`, with the endpoint's secret) and
carries no personal data: reference, kind, status, due date, event.
"""

import json
import logging
import time
from datetime import date, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from requests_app import deadlines
from requests_app.models import CLOSED_STATUSES, PrivacyRequest, Status
from requests_app.outbox.services import outbox_task
from requests_app.processors.services import SIGNATURE_HEADER, webhook_signature

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from .tasks import webhook_deliver_task

logger = logging.getLogger(__name__)

AWAITING = frozenset({Status.AWAITING_VERIFICATION, Status.AWAITING_CONSUMER_CONFIRMATION})
VERIFIED_TO = frozenset({Status.IN_REVIEW, Status.APPROVED, Status.FULFILLING})
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class WebhookDeliveryError(OSError):
    """A delivery that may succeed later (5xx, 429, timeouts, refused connections): retried with backoff."""


def event_for_transition(from_status: str, to_status: str) -> str | None:
    if to_status == Status.COMPLETED:
        return WebhookEvent.COMPLETED
    if to_status in (Status.DENIED, Status.UNVERIFIABLE):
        return WebhookEvent.DENIED
    if from_status in AWAITING and to_status in VERIFIED_TO:
        return WebhookEvent.VERIFIED
    return None


def webhook_payload(*, request: PrivacyRequest, event: str) -> dict:
    """What a receiver learns: no name, no e-mail, nothing about the person."""
    return {
        "event": event,
        "reference": request.reference,
        "kind": request.kind,
        "status": request.status,
        "due_date": (request.extended_due_at or request.due_at).isoformat(),
        "occurred_at": timezone.now().isoformat(),
    }


def _subscribed(event: str) -> list[WebhookEndpoint]:
    return [e for e in WebhookEndpoint.objects.filter(active=True) if event in (e.events or [])]


def webhook_event_emit(*, request: PrivacyRequest, event: str, endpoints: list | None = None) -> int:
    """Write one delivery (and its outbox enqueue) per endpoint subscribed to `event`, in the caller's
    transaction. Each (event, endpoint, request) is delivered once: a second emit is a no-op."""
    created = 0
    with transaction.atomic():
        for endpoint in _subscribed(event) if endpoints is None else endpoints:
            delivery, new = WebhookDelivery.objects.get_or_create(
                key=f"{event}:{endpoint.pk}:{request.pk}",
                defaults={
                    "endpoint": endpoint,
                    "request": request,
                    "event": event,
                    "payload": webhook_payload(request=request, event=event),
                },
            )
            if new:
                outbox_task(
                    webhook_deliver_task, delivery.pk, key=f"{webhook_deliver_task.name}:{delivery.pk}"
                )
                created += 1
    return created


def webhook_transition_hook(*, request: PrivacyRequest, event) -> None:
    """Registered with lifecycle_hooks_register(on_transition=…): inside the transition's transaction."""
    name = event_for_transition(event.from_status, event.to_status)
    if name is not None:
        webhook_event_emit(request=request, event=name)


def webhook_acknowledged_hook(*, request: PrivacyRequest) -> None:
    """Registered with lifecycle_hooks_register(on_acknowledged=…): request.received once receipt is
    confirmed (to the requester, or to an authorized agent)."""
    webhook_event_emit(request=request, event=WebhookEvent.RECEIVED)


def webhooks_due_soon(*, today: date | None = None) -> int:
    """Daily: request.due_soon for open requests due within API_WEBHOOK_DUE_SOON_DAYS, once per request
    and endpoint."""
    today = today or deadlines.local_date(timezone.now())
    horizon = today + timedelta(days=settings.API_WEBHOOK_DUE_SOON_DAYS)
    sent = 0
    for endpoint in _subscribed(WebhookEvent.DUE_SOON):
        already = WebhookDelivery.objects.filter(
            endpoint=endpoint, request=OuterRef("pk"), event=WebhookEvent.DUE_SOON
        )
        due = (
            PrivacyRequest.objects.annotate(effective=Coalesce(F("extended_due_at"), F("due_at")))
            .filter(~Q(status__in=CLOSED_STATUSES), effective__lte=horizon)
            .exclude(Exists(already))
            .order_by("effective", "pk")
        )
        for request in due.iterator(chunk_size=500):
            sent += webhook_event_emit(request=request, event=WebhookEvent.DUE_SOON, endpoints=[endpoint])
    if sent:
        logger.info("%d due-soon webhook(s) written", sent)
    return sent


def webhook_body(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def webhook_deliver(*, delivery_id: int) -> bool:
    """POST one delivery, signed; True when this call delivered it. A redirect or another 4xx is a
    refusal, recorded and not retried; 5xx, 408/425/429 and network failures raise to be retried."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if delivery.delivered_at is not None or not endpoint.active:
        return False
    body = webhook_body(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "RakuNest-Privacy/1",
        "RakuNest-Event": delivery.event,
        "RakuNest-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: webhook_signature(body=body, timestamp=int(time.time()), secret=endpoint.secret),
    }
    status_code = None
    try:
        response = httpx.post(
            endpoint.url,
            content=body,
            headers=headers,
            timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
        status_code = response.status_code
    except httpx.HTTPError as exc:
        failure = type(exc).__name__
    else:
        failure = None if 200 <= status_code < 300 else f"http_{status_code}"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        last_status=status_code,
        delivered_at=timezone.now() if failure is None else None,
    )
    if failure is None:
        return True
    logger.warning("webhook delivery %s to endpoint %s failed: %s", delivery.pk, endpoint.pk, failure)
    if status_code is None or status_code >= 500 or status_code in RETRYABLE_STATUSES:
        raise WebhookDeliveryError(failure)
    return False
