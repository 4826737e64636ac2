"""Hand-off from an approved request to the Celery worker that carries it out.

Each kind's fulfilment task is registered in FULFILMENT_TASKS by dotted name; the task takes the
request's primary key and calls the kind's service. Enqueueing happens after commit.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from kombu.utils.imports import symbol_by_name

from .exceptions import RequestError
from .lifecycle import request_transition
from .models import ACCESS_KINDS, PrivacyRequest, Status

FULFILMENT_TASKS: dict[str, str] = {
    # kind -> dotted task name, e.g. "access_specific": "requests_app.tasks.fulfil_access_task"
    "opt_out": "requests_app.tasks_optout.fulfil_opt_out_task",
    "shine_the_light": "requests_app.tasks_optout.fulfil_shine_the_light_task",
    "unsubscribe": "requests_app.tasks_optout.fulfil_unsubscribe_task",
    "close_account": "requests_app.tasks_optout.fulfil_close_account_task",
    "delete": "requests_app.tasks_deletion.deletion_start_task",
    "correct": "requests_app.tasks_correction.correction_start_task",
    "know_categories": "requests_app.tasks.fulfil_access_task",
    "access_specific": "requests_app.tasks.fulfil_access_task",
}


def fulfilment_task(kind: str):
    """The kind's Celery task, or None. By import path, not app.tasks[name]: the registry holds only
    modules imported so far."""
    task_name = FULFILMENT_TASKS.get(kind)
    return symbol_by_name(task_name) if task_name else None


def fulfilment_enqueue(*, request: PrivacyRequest) -> None:
    task = fulfilment_task(request.kind)
    if task is not None:
        pk = request.pk
        transaction.on_commit(lambda: task.apply_async(args=[pk]))


def fulfilling_request_lock(request_id: int, kind: str) -> PrivacyRequest | None:
    """Lock a request for its kind's fulfilment step; None unless it is of that kind and still fulfilling
    (a re-delivered task then does nothing)."""
    request = (
        PrivacyRequest.objects.select_for_update(of=("self",))
        .select_related("submission", "consumer")
        .get(pk=request_id)
    )
    if request.kind != kind or request.status != Status.FULFILLING:
        return None
    return request


def request_approve(*, request: PrivacyRequest, actor=None, reason: str = "") -> PrivacyRequest:
    """in_review (or verified) → approved → fulfilling, and enqueue the kind's task after commit."""
    if request.kind in ACCESS_KINDS and request.consumer_id is None:
        # An access report is about a matched person; an ambiguous or unmatched request is resolved first.
        raise RequestError(
            _("Match this request to a consumer before approving it: an access report needs one."),
            code="no_consumer",
        )
    with transaction.atomic():
        request_transition(request=request, to=Status.APPROVED, actor=actor, reason=reason)
        request_transition(request=request, to=Status.FULFILLING)
        fulfilment_enqueue(request=request)
    return request
