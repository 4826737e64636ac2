"""The outbox relay: woken after each commit that wrote a message, and drained by beat as a safety net."""

from celery import shared_task


@shared_task(name="requests.outbox.relay", acks_late=True, ignore_result=True)
def outbox_relay_task() -> int:
    from requests_app.outbox.services import outbox_relay

    return outbox_relay()


@shared_task(name="requests.outbox.drain", ignore_result=True)
def outbox_drain_task() -> int:
    from requests_app.outbox.services import outbox_relay

    return outbox_relay()
