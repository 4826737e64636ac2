"""Celery tasks for correction: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from . import correction


@shared_task(bind=True, acks_late=True, max_retries=8)
def correction_start_task(self, request_id: int) -> None:
    try:
        correction.correction_start(request_id=request_id)
    except OSError as exc:  # SMTP trouble
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc
