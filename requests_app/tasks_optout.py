"""Celery tasks of the opt-out area: thin wrappers that take a request's primary key and call a service.

Registered for fulfilment in fulfilment.FULFILMENT_TASKS; every service is idempotent (it acts only
while the request is `fulfilling`, and sends a response once), so redelivery is harmless.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import optout
from .models import PrivacyRequest, Status

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def fulfil_opt_out_task(request_id: int) -> None:
    optout.opt_out_fulfil(request_id=request_id)


@shared_task(acks_late=True)
def fulfil_shine_the_light_task(request_id: int) -> None:
    optout.shine_the_light_fulfil(request_id=request_id)


@shared_task(acks_late=True)
def fulfil_unsubscribe_task(request_id: int) -> None:
    optout.unsubscribe_fulfil(request_id=request_id)


@shared_task(acks_late=True)
def fulfil_close_account_task(request_id: int) -> None:
    optout.close_account_fulfil(request_id=request_id)


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_choice_response_task(self, request_id: int) -> None:
    try:
        optout.choice_response_send(request_id=request_id)
    except OSError as exc:  # SMTP or connection trouble: try again later, with backoff
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task
def sweep_stuck_choice_requests() -> int:
    """Re-enqueue opt-out-area work whose message was lost; the services make a second run harmless."""
    from .fulfilment import fulfilment_enqueue

    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    stuck = PrivacyRequest.objects.filter(
        kind__in=optout.CHOICE_KINDS, status=Status.FULFILLING, status_changed_at__lt=cutoff
    )
    unsent = (
        PrivacyRequest.objects.filter(
            kind__in=optout.CHOICE_KINDS,
            status__in=[Status.COMPLETED, Status.DENIED],
            status_changed_at__lt=cutoff,
            status_changed_at__gte=cutoff - timedelta(days=7),
        )
        .exclude(submission__email="")
        .exclude(events__name=optout.RESPONSE_SENT)
    )
    count = 0
    for request in stuck[:500]:
        fulfilment_enqueue(request=request)
        count += 1
    for pk in unsent.values_list("pk", flat=True)[:500]:
        send_choice_response_task.delay(pk)
        count += 1
    if count:
        logger.info("sweeper re-enqueued %d opt-out-area task(s)", count)
    return count
