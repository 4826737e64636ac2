"""Intake's tasks: thin wrappers that take primary keys and call a service (imported inside the function,
so that services may import their tasks at module level)."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="requests.intake.acknowledge")
def send_acknowledgement_task(submission_id: int) -> None:
    from requests_app.intake.services import acknowledgement_send

    acknowledgement_send(submission_id=submission_id)


@shared_task(base=RetryingTask, name="requests.intake.received")
def submission_received_task(submission_id: int) -> None:
    """After intake: the acknowledgement, then the first verification code (each sent once)."""
    from requests_app.intake.services import acknowledgement_send
    from requests_app.verify.services import verification_start

    acknowledgement_send(submission_id=submission_id)
    verification_start(submission_id=submission_id)


@shared_task(name="requests.intake.sweep")
def sweep_stuck_requests() -> int:
    """Re-enqueue work whose message was lost (a broker restart, a killed worker): nothing is dropped."""
    from requests_app.fulfilment import fulfilment_sweep
    from requests_app.intake.services import acknowledgement_sweep

    return acknowledgement_sweep() + fulfilment_sweep()
