"""Webhook tasks: thin wrappers taking primary keys (the service is imported inside the function)."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="api.webhooks.deliver")
def webhook_deliver_task(delivery_id: int) -> None:
    from api.webhooks import webhook_deliver

    webhook_deliver(delivery_id=delivery_id)


@shared_task(name="api.webhooks.due_soon")
def webhooks_due_soon_task() -> int:
    from api.webhooks import webhooks_due_soon

    return webhooks_due_soon()
