"""Manual kinds' task: a thin wrapper that takes a request's primary key and calls the service."""

from celery import shared_task


@shared_task(acks_late=True, name="requests.manual.hand_over")
def manual_hand_over_task(request_id: int) -> None:
    from requests_app.manual.services import manual_fulfilment_hand_over

    manual_fulfilment_hand_over(request_id=request_id)
