"""Hand-off from an approved request to the Celery worker that carries it out.

Each kind's fulfilment task is registered in FULFILMENT_TASKS by dotted name; the task takes the
request's primary key and calls the kind's service. Enqueueing happens after commit.
"""

from django.db import transaction
from kombu.utils.imports import symbol_by_name

from .lifecycle import request_transition
from .models import PrivacyRequest, Status

FULFILMENT_TASKS: dict[str, str] = {
    # kind -> dotted task name, e.g. "access_specific": "requests_app.tasks.fulfil_access_task"
    "opt_out": "requests_app.tasks_optout.fulfil_opt_out_task",
    "shine_the_light": "requests_app.tasks_optout.fulfil_shine_the_light_task",
    "unsubscribe": "requests_app.tasks_optout.fulfil_unsubscribe_task",
    "close_account": "requests_app.tasks_optout.fulfil_close_account_task",
    "delete": "requests_app.tasks_deletion.deletion_start_task",
    "correct": "requests_app.tasks_correction.correction_start_task",
}


def fulfilment_enqueue(*, request: PrivacyRequest) -> None:
    task_name = FULFILMENT_TASKS.get(request.kind)
    if task_name is not None:
        pk = request.pk
        # By import path, not app.tasks[name]: the registry holds only modules imported so far.
        transaction.on_commit(lambda: symbol_by_name(task_name).apply_async(args=[pk]))


def request_approve(*, request: PrivacyRequest, actor=None, reason: str = "") -> PrivacyRequest:
    """in_review (or verified) → approved → fulfilling, and enqueue the kind's task after commit."""
    with transaction.atomic():
        request_transition(request=request, to=Status.APPROVED, actor=actor, reason=reason)
        request_transition(request=request, to=Status.FULFILLING)
        fulfilment_enqueue(request=request)
    return request
