"""Staff Celery tasks: thin wrappers that take primary keys (or nothing) and call a service."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="staff.requester.notify")
def notify_requester_task(event_id: int) -> None:
    from staff.notify import requester_notify

    requester_notify(event_id=event_id)


@shared_task(name="staff.reminders.send")
def send_deadline_reminders_task() -> int:
    from staff.reminders import reminders_send

    return reminders_send()


@shared_task(name="staff.records.purge_expired")
def purge_expired_records_task() -> int:
    from staff.retention import records_purge

    return records_purge()


@shared_task(name="staff.records.expire_points")
def expire_data_points_task() -> int:
    from records.retention import datapoints_expire

    return datapoints_expire()
