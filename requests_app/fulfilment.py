"""Hand-off from an approved request to the Celery worker that carries it out.

Each right's package registers the task that fulfils its kinds (requests_app.tasks.FULFILMENT, wired in
RequestsAppConfig.ready): this core module knows no right. A task takes the request's primary key and
calls the kind's service; enqueueing happens after commit.
"""

import logging
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app.exceptions import RequestError
from requests_app.lifecycle import request_transition
from requests_app.models import ACCESS_KINDS, PrivacyRequest, Status
from requests_app.outbox.services import outbox_task

logger = logging.getLogger(__name__)

FULFILMENT_TASKS: dict[str, Task] = {}  # kind -> its fulfilment task, filled by fulfilment_tasks_register


def fulfilment_tasks_register(tasks: dict[str, Task]) -> None:
    FULFILMENT_TASKS.update(tasks)


def fulfilment_task(kind: str) -> Task | None:
    return FULFILMENT_TASKS.get(kind)


def fulfilment_enqueue(*, request: PrivacyRequest) -> None:
    task = fulfilment_task(request.kind)
    if task is not None:
        outbox_task(task, request.pk)


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


def fulfilment_sweep() -> int:
    """Requests fulfilling since before the cutoff lost their message (or their worker): enqueue again.
    Fulfilment tasks are idempotent per (request, step), so a duplicate message does no harm."""
    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    stuck = list(
        PrivacyRequest.objects.filter(
            status=Status.FULFILLING, status_changed_at__lt=cutoff, kind__in=list(FULFILMENT_TASKS)
        ).only("pk", "kind")[:500]
    )
    for request in stuck:
        FULFILMENT_TASKS[request.kind].apply_async(args=[request.pk])
    if stuck:
        logger.info("sweeper re-enqueued %d fulfilment task(s)", len(stuck))
    return len(stuck)
