"""Processor notices' tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task
from django.conf import settings


def notice_retry_countdown(retries: int) -> int:
    return min(settings.PROCESSOR_RETRY_BASE_SECONDS * 2**retries, 6 * 3600)


@shared_task(bind=True, acks_late=True, max_retries=None, name="requests.processors.send")
def processor_notice_send_task(self, notice_id: int, reminder: bool = False) -> None:
    """Retries by the notice's own rules (retryable or not, PROCESSOR_SEND_MAX_RETRIES), then records the
    failure for staff; a reminder is not retried (the next reminder run tries again)."""
    from requests_app.processors.services import (
        ProcessorDeliveryError,
        processor_notice_fail,
        processor_notice_send,
    )

    try:
        processor_notice_send(notice_id=notice_id, reminder=reminder)
    except ProcessorDeliveryError as exc:
        if reminder:
            return
        if not exc.retryable or self.request.retries >= settings.PROCESSOR_SEND_MAX_RETRIES:
            processor_notice_fail(notice_id=notice_id, code=exc.code)
            return
        raise self.retry(countdown=notice_retry_countdown(self.request.retries)) from None


@shared_task(name="requests.processors.reminders")
def processor_reminders_task() -> int:
    from requests_app.processors.services import processor_reminders_enqueue

    return processor_reminders_enqueue()
