"""Opt-out area's tasks: thin wrappers that take a request's primary key and call a service.

Every service is idempotent (it acts only while the request is `fulfilling`, and sends a response once),
so redelivery is harmless.
"""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(acks_late=True, name="requests.optout.opt_out")
def fulfil_opt_out_task(request_id: int) -> None:
    from requests_app.optout.services import opt_out_fulfil

    opt_out_fulfil(request_id=request_id)


@shared_task(acks_late=True, name="requests.optout.shine_the_light")
def fulfil_shine_the_light_task(request_id: int) -> None:
    from requests_app.optout.services import shine_the_light_fulfil

    shine_the_light_fulfil(request_id=request_id)


@shared_task(acks_late=True, name="requests.optout.unsubscribe")
def fulfil_unsubscribe_task(request_id: int) -> None:
    from requests_app.optout.services import unsubscribe_fulfil

    unsubscribe_fulfil(request_id=request_id)


@shared_task(acks_late=True, name="requests.optout.close_account")
def fulfil_close_account_task(request_id: int) -> None:
    from requests_app.optout.services import close_account_fulfil

    close_account_fulfil(request_id=request_id)


@shared_task(acks_late=True, name="requests.optout.sale_opt_in")
def fulfil_sale_opt_in_task(request_id: int) -> None:
    from requests_app.optout.services import sale_opt_in_fulfil

    sale_opt_in_fulfil(request_id=request_id)


@shared_task(base=RetryingTask, name="requests.optout.respond")
def send_choice_response_task(request_id: int) -> None:
    from requests_app.optout.services import choice_response_send

    choice_response_send(request_id=request_id)


@shared_task(name="requests.optout.sweep")
def sweep_stuck_choice_requests() -> int:
    """Responses whose message was lost; stuck fulfilment is the fulfilment sweeper's (intake.tasks)."""
    from requests_app.optout.services import choice_response_sweep

    return choice_response_sweep()
