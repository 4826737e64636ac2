"""Correction's tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="requests.correction.start")
def correction_start_task(request_id: int) -> None:
    from requests_app.correction.services import correction_start

    correction_start(request_id=request_id)


@shared_task(base=RetryingTask, name="requests.correction.complete")
def correction_complete_task(request_id: int) -> None:
    """Every external system answered its correction: tell the requester (requests_app.systems enqueues
    this)."""
    from requests_app.correction.services import correction_complete

    correction_complete(request_id=request_id)
