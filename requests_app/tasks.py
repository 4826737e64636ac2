"""Celery tasks: thin wrappers that take primary keys and call a service."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services
from .models import PrivacyRequest, Status, Submission

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
    return len(ids) + _resume_stuck_fulfilment(cutoff)


def _resume_stuck_fulfilment(cutoff) -> int:
    """Requests in fulfilling since before the cutoff lost their message (or their worker): enqueue again.
    Fulfilment tasks are idempotent per (request, step), so a duplicate message does no harm."""
    from rakunest_privacy.celery import app

    from .fulfilment import FULFILMENT_TASKS

    stuck = PrivacyRequest.objects.filter(
        status=Status.FULFILLING, status_changed_at__lt=cutoff, kind__in=list(FULFILMENT_TASKS)
    ).values_list("pk", "kind")[:500]
    stuck = list(stuck)
    for request_id, kind in stuck:
        app.tasks[FULFILMENT_TASKS[kind]].apply_async(args=[request_id])
    if stuck:
        logger.info("sweeper re-enqueued %d fulfilment task(s)", len(stuck))
    return len(stuck)


@shared_task(bind=True, max_retries=8, acks_late=True)
def fulfil_access_task(self, request_id: int) -> None:
    """Know-categories and specific-pieces requests: the access report (requests_app.reports)."""
    from records.connectors import ConnectorError

    from .reports.deliver import access_report_fulfil

    try:
        access_report_fulfil(request_id=request_id)
    except ConnectorError as exc:  # records unreachable for now: try again later, with backoff
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 1800)) from exc


@shared_task
def purge_expired_reports_task() -> int:
    from .reports.deliver import reports_purge_expired

    return reports_purge_expired()
