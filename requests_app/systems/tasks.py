"""External systems' tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task
from django.conf import settings

from records.connectors import ConnectorError
from requests_app.taskbase import RetryingTask


@shared_task(
    bind=True,
    base=RetryingTask,
    name="requests.systems.run",
    # A system unreachable for now (ConnectorError), or the owner's e-mail not sent (OSError): again later.
    # No jitter, so the service can say when the next attempt comes (min(base * 2**retries, max)).
    autoretry_for=(ConnectorError, OSError),
    max_retries=settings.SYSTEM_RUN_MAX_RETRIES,
    retry_backoff=settings.SYSTEM_RUN_RETRY_BASE_SECONDS,
    retry_backoff_max=3600,
    retry_jitter=False,
)
def system_run_task(self, run_id: int) -> None:
    """One external system's part of one request (export, erase or correct)."""
    from requests_app.systems.services import system_run_execute

    system_run_execute(run_id=run_id, retries=self.request.retries)


@shared_task(name="requests.systems.sweep")
def system_runs_sweep_task() -> dict:
    from requests_app.systems.services import system_runs_sweep

    return system_runs_sweep()


@shared_task(name="requests.systems.owner_reminders")
def owner_reminders_task() -> int:
    from requests_app.systems.services import owner_tasks_remind

    return owner_tasks_remind()
