"""Staff Celery tasks: thin wrappers that take primary keys (or nothing) and call a service."""

from celery import shared_task

from . import notify, reminders, retention


@shared_task(bind=True, max_retries=8, acks_late=True)
def notify_requester_task(self, event_id: int) -> None:
    try:
        notify.requester_notify(event_id=event_id)
    except OSError as exc:  # SMTP trouble: try again later, with backoff
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task
def send_deadline_reminders_task() -> int:
    return reminders.reminders_send()


@shared_task
def purge_expired_records_task() -> int:
    return retention.records_purge()
