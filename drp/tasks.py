"""DRP tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="requests.drp.callback")
def drp_callback_task(drp_request_id: int) -> int:
    from drp.services import drp_callback_send

    return drp_callback_send(drp_request_id=drp_request_id)


@shared_task(name="requests.drp.purge")
def drp_seen_purge_task() -> int:
    from drp.services import drp_seen_purge

    return drp_seen_purge()
