"""Verification's tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from requests_app.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="requests.verify.send_code")
def send_verification_code_task(submission_id: int) -> None:
    from requests_app.verify.services import verification_start

    verification_start(submission_id=submission_id)


@shared_task(name="requests.verify.sweep")
def verification_sweep() -> int:
    from requests_app.verify.services import verification_sweep

    return verification_sweep()
