"""Access reports' tasks: thin wrappers that take primary keys and call a service."""

from celery import shared_task

from records.connectors import ConnectorError
from requests_app.taskbase import RetryingTask


@shared_task(
    base=RetryingTask,
    name="requests.reports.fulfil",
    autoretry_for=(ConnectorError,),  # records unreachable for now: try again later
    retry_backoff=30,
    retry_backoff_max=1800,
)
def fulfil_access_task(request_id: int) -> None:
    """Know-categories and specific-pieces requests: the access report."""
    from requests_app.reports.services import access_report_fulfil

    access_report_fulfil(request_id=request_id)


@shared_task(name="requests.reports.purge_expired")
def purge_expired_reports_task() -> int:
    from requests_app.reports.services import reports_purge_expired

    return reports_purge_expired()
