"""Deletion's tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="requests.deletion.start")
def deletion_start_task(request_id: int) -> None:
    from requests_app.deletion.services import deletion_start

    deletion_start(request_id=request_id)


@shared_task(acks_late=True, name="requests.deletion.execute")
def deletion_execute_task(request_id: int) -> None:
    from requests_app.deletion.services import deletion_execute

    deletion_execute(request_id=request_id)


@shared_task(acks_late=True, name="requests.deletion.complete")
def deletion_complete_task(request_id: int) -> None:
    """Every external system answered: complete the request (requests_app.systems enqueues this)."""
    from requests_app.deletion.services import deletion_complete

    deletion_complete(request_id=request_id)


@shared_task(base=RetryingTask, name="requests.deletion.respond")
def deletion_response_task(request_id: int) -> None:
    from requests_app.deletion.services import deletion_response_send

    deletion_response_send(request_id=request_id)


@shared_task(name="requests.deletion.sweep")
def deletion_sweep_task() -> dict:
    from requests_app.deletion.services import deletion_sweep

    return deletion_sweep()
