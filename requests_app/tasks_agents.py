"""Celery tasks of the authorized-agent flow: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from . import agents


@shared_task(bind=True, max_retries=8, acks_late=True)
def agent_acknowledgement_task(self, authorization_id: int) -> None:
    try:
        agents.agent_acknowledgement_send(authorization_id=authorization_id)
    except OSError as exc:  # SMTP or connection trouble: try again later, with backoff
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task(bind=True, max_retries=8, acks_late=True)
def agent_process_task(self, authorization_id: int) -> None:
    try:
        agents.agent_authorization_process(authorization_id=authorization_id)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task(bind=True, max_retries=8, acks_late=True)
def agent_confirmation_task(self, authorization_id: int, again: bool = False) -> None:
    try:
        agents.agent_confirmation_send(authorization_id=authorization_id, again=again)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task
def agent_sweep_task() -> dict[str, int]:
    return agents.agent_sweep()
