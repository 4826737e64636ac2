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


@shared_task(bind=True, max_retries=8, acks_late=True)
def submission_received_task(self, submission_id: int) -> None:
    """After intake: the acknowledgement, then the first verification code (each sent once)."""
    from .verification_flow import verification_start

    try:
        services.acknowledgement_send(submission_id=submission_id)
        verification_start(submission_id=submission_id)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task
def sweep_stuck_requests() -> int:
    """Re-enqueue work whose message was lost (a broker restart, a killed worker): nothing is dropped."""
    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    pending = Submission.objects.filter(acknowledged_at__isnull=True, created_at__lt=cutoff).exclude(email="")
    pending = pending.filter(agent_authorization__isnull=True)  # agents' are the agent sweeper's
    ids = list(pending.values_list("pk", flat=True)[:500])
    for submission_id in ids:
        send_acknowledgement_task.delay(submission_id)
    if ids:
        logger.info("sweeper re-enqueued %d acknowledgement(s)", len(ids))
    return len(ids) + _resume_stuck_fulfilment(cutoff)


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_verification_code_task(self, submission_id: int) -> None:
    from .verification_flow import verification_start

    try:
        verification_start(submission_id=submission_id)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task
def verification_sweep() -> int:
    """Re-send first codes whose message was lost; blank verification data the close hook could not."""
    from .models import Status
    from .verification_flow import purge_closed_submissions

    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    unsent = (
        Submission.objects.filter(created_at__lt=cutoff, requests__status=Status.AWAITING_VERIFICATION)
        .exclude(verification__typed_code_sent_at__isnull=False)
        .exclude(email="")
        .filter(agent_authorization__isnull=True)  # an agent's consumer is asked at the on-record address
        .values_list("pk", flat=True)
        .distinct()[:500]
    )
    for submission_id in unsent:
        send_verification_code_task.delay(submission_id)
    return purge_closed_submissions()


def _resume_stuck_fulfilment(cutoff) -> int:
    """Requests in fulfilling since before the cutoff lost their message (or their worker): enqueue again.
    Fulfilment tasks are idempotent per (request, step), so a duplicate message does no harm."""
    from .fulfilment import FULFILMENT_TASKS, fulfilment_task

    stuck = list(
        PrivacyRequest.objects.filter(
            status=Status.FULFILLING, status_changed_at__lt=cutoff, kind__in=list(FULFILMENT_TASKS)
        ).only("pk", "kind")[:500]
    )
    for request in stuck:
        fulfilment_task(request.kind).apply_async(args=[request.pk])
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


# Tasks of other areas live in their own modules; importing them here registers them with the worker.
from . import tasks_agents, tasks_correction, tasks_deletion, tasks_optout, tasks_processors  # noqa: E402, F401
