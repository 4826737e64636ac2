"""Celery tasks for deletion: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from . import deletion


def _retry_backoff(retries: int) -> int:
    return min(60 * 2**retries, 3600)


@shared_task(bind=True, acks_late=True, max_retries=8)
def deletion_start_task(self, request_id: int) -> None:
    try:
        deletion.deletion_start(request_id=request_id)
    except OSError as exc:  # SMTP trouble
        raise self.retry(exc=exc, countdown=_retry_backoff(self.request.retries)) from exc


@shared_task(bind=True, acks_late=True, max_retries=8)
def deletion_execute_task(self, request_id: int) -> None:
    deletion.deletion_execute(request_id=request_id)


@shared_task(bind=True, acks_late=True, max_retries=8)
def deletion_response_task(self, request_id: int) -> None:
    try:
        deletion.deletion_response_send(request_id=request_id)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=_retry_backoff(self.request.retries)) from exc


@shared_task
def deletion_sweep_task() -> dict:
    return deletion.deletion_sweep()
