"""The status page's task: the worker, not the lookup, decides whether a code is issued and e-mailed."""

from celery import shared_task


@shared_task(name="requests.status.code_send", ignore_result=True)
def status_code_task(request_id: int | None) -> None:
    from requests_app.status.services import status_code_deliver

    status_code_deliver(request_id=request_id)
