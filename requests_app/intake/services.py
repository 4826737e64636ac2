"""Intake: record a submission with one request per kind, and acknowledge it (Regs §7021(a))."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from requests_app.emails import email_send
from requests_app.fulfilment import fulfilment_task
from requests_app.intake.sql import submission_insert
from requests_app.intake.tasks import send_acknowledgement_task, submission_received_task
from requests_app.lifecycle import request_acknowledged_record, requests_build, requests_save
from requests_app.models import NO_VERIFICATION_KINDS, Channel, PrivacyRequest, Status, Submission
from requests_app.outbox.services import outbox_task, outbox_wake_on_commit
from requests_app.regimes import Regime
from requests_app.requester import RequesterDetails
from requests_app.web import ip_hash

logger = logging.getLogger(__name__)


def privacy_request_submit(
    *,
    kinds: list[str],
    requester: RequesterDetails,
    channel: str = Channel.WEB,
    language: str = "en",
    ip: str = "",
    user_agent: str = "",
    regime: str = Regime.CALIFORNIA,
    data_range: tuple[date | None, date | None] = (None, None),
) -> list[PrivacyRequest]:
    """Record one submission with one request per kind, then acknowledge it after commit."""
    submission = Submission(
        channel=channel,
        language=language,
        ip_hash=ip_hash(ip),
        user_agent=user_agent[:300],
        **requester.__dict__,
    )
    # Opt-outs need no verification (Regs §7026(d), §7221); everything else waits for it.
    requests, events = requests_build(
        submission=submission,
        kinds=kinds,
        regime=regime,
        data_range=data_range,
        first_status=lambda kind: (
            Status.FULFILLING if kind in NO_VERIFICATION_KINDS else Status.AWAITING_VERIFICATION
        ),
        data={"channel": channel},
    )
    # The outbox rows: one message for the acknowledgement and the first verification code, and the
    # fulfilment of what needs no verification; written with the requests, relayed after commit.
    fulfil = [(r.reference, fulfilment_task(r.kind)) for r in requests if r.status == Status.FULFILLING]
    fulfil = [(reference, task) for reference, task in fulfil if task is not None]
    if connection.vendor == "postgresql":
        # One statement, atomic by itself: no BEGIN/COMMIT round trips on the hot path (intake_sql.py).
        submission_insert(
            submission=submission,
            requests=requests,
            events=events,
            received_task=submission_received_task.name,
            fulfil_tasks=[(reference, task.name) for reference, task in fulfil],
        )
        outbox_wake_on_commit()
    else:
        with transaction.atomic():
            submission.save()
            requests_save(requests, events)
            by_reference = {r.reference: r.pk for r in requests}
            outbox_task(
                submission_received_task,
                submission.pk,
                key=f"{submission_received_task.name}:{submission.pk}",
            )
            for reference, task in fulfil:
                pk = by_reference[reference]
                outbox_task(task, pk, key=f"{task.name}:{pk}")
    logger.info("submission %s received with %d request(s)", submission.pk, len(requests))
    return requests


def acknowledgement_send(*, submission_id: int) -> bool:
    """Send the receipt e-mail once (Regs §7021(a)); True when this call sent it."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.acknowledged_at or not submission.email:
            return False
        requests = list(submission.requests.order_by("pk"))
        context = {"submission": submission, "requests": requests, "site_url": settings.SITE_URL}
        email_send(
            template="acknowledgement",
            to=submission.email,
            language=submission.language,
            context=context,
            key=f"acknowledgement:{submission.pk}",
        )
        submission.acknowledged_at = timezone.now()
        submission.save(update_fields=["acknowledged_at"])
        for request in requests:
            request_acknowledged_record(request=request)
    return True


def acknowledgement_sweep() -> int:
    """Re-enqueue acknowledgements whose message was lost; agents' submissions are the agent sweeper's."""
    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    pending = Submission.objects.filter(acknowledged_at__isnull=True, created_at__lt=cutoff).exclude(email="")
    ids = list(pending.filter(agent_authorization__isnull=True).values_list("pk", flat=True)[:500])
    for submission_id in ids:
        send_acknowledgement_task.delay(submission_id)
    if ids:
        logger.info("sweeper re-enqueued %d acknowledgement(s)", len(ids))
    return len(ids)
