"""Appeals' tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="requests.appeals.receipt")
def appeal_received_task(event_id: int) -> None:
    from requests_app.appeals.services import appeal_receipt_send

    appeal_receipt_send(event_id=event_id)
