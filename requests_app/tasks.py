"""Celery tasks: thin wrappers that take primary keys and call a service."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services
from .models import Submission

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_acknowledgement_task(self, submission_id: int) -> None:
    try:
        services.acknowledgement_send(submission_id=submission_id)
    except OSError as exc:  # SMTP or connection trouble: try again later, with backoff
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task
def sweep_stuck_requests() -> int:
    """Re-enqueue work whose message was lost (a broker restart, a killed worker): nothing is dropped."""
    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    pending = Submission.objects.filter(acknowledged_at__isnull=True, created_at__lt=cutoff).exclude(email="")
    ids = list(pending.values_list("pk", flat=True)[:500])
    for submission_id in ids:
        send_acknowledgement_task.delay(submission_id)
    if ids:
        logger.info("sweeper re-enqueued %d acknowledgement(s)", len(ids))
    return len(ids)


# Tasks of other areas live in their own modules; importing them here registers them with the worker.
from . import tasks_correction, tasks_deletion, tasks_processors  # noqa: E402, F401
