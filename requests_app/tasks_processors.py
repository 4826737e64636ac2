"""Celery tasks for processor notices: thin wrappers that take primary keys and call a service."""

from celery import shared_task
from django.conf import settings

from . import processors


def _backoff(retries: int) -> int:
    return min(settings.PROCESSOR_RETRY_BASE_SECONDS * 2**retries, 6 * 3600)


@shared_task(bind=True, acks_late=True, max_retries=None)
def processor_notice_send_task(self, notice_id: int, reminder: bool = False) -> None:
    try:
        processors.processor_notice_send(notice_id=notice_id, reminder=reminder)
    except processors.ProcessorDeliveryError as exc:
        if reminder:
            return  # the next reminder run tries again
        if not exc.retryable or self.request.retries >= settings.PROCESSOR_SEND_MAX_RETRIES:
            processors.processor_notice_fail(notice_id=notice_id, code=exc.code)
            return
        raise self.retry(countdown=_backoff(self.request.retries)) from None


@shared_task
def processor_reminders_task() -> int:
    return processors.processor_reminders_enqueue()
