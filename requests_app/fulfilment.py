"""Hand-off from an approved request to the Celery worker that carries it out.

Each kind's fulfilment task is registered in FULFILMENT_TASKS by dotted name; the task takes the
request's primary key and calls the kind's service. Enqueueing happens after commit.
"""

from django.db import transaction

from .lifecycle import request_transition
from .models import PrivacyRequest, Status

FULFILMENT_TASKS: dict[str, str] = {
    # kind -> dotted task name, e.g. "access_specific": "requests_app.tasks.fulfil_access_task"
    "know_categories": "requests_app.tasks.fulfil_access_task",
    "access_specific": "requests_app.tasks.fulfil_access_task",
}


def fulfilment_enqueue(*, request: PrivacyRequest) -> None:
    from rakunest_privacy.celery import app

    task_name = FULFILMENT_TASKS.get(request.kind)
    if task_name is not None:
        pk = request.pk
        transaction.on_commit(lambda: app.tasks[task_name].apply_async(args=[pk]))


def request_approve(*, request: PrivacyRequest, actor=None, reason: str = "") -> PrivacyRequest:
    """in_review (or verified) → approved → fulfilling, and enqueue the kind's task after commit."""
    with transaction.atomic():
        request_transition(request=request, to=Status.APPROVED, actor=actor, reason=reason)
        request_transition(request=request, to=Status.FULFILLING)
        fulfilment_enqueue(request=request)
    return request
