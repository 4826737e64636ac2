"""Record keeping (Regs §7101): 24 months of the request record, then the personal data goes.

What stays on a closed request after the purge is the record itself — received date, kind, channel,
status, response date and nature (outcome), denial basis — and the audit events' names, statuses and
times. The requester's details, free-text reasons, event data and appeal statements are blanked and the
link to the matched consumer is cut. The external systems' runs keep their states and counts; their
free text (a skip's reason, an owner's reason for keeping records) and whatever they still hold sealed
(identifiers, a correction's values, exported points in the vault) go. The record is used for nothing
but §7101/§7102.
"""

import calendar
import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from records.vault import vault_delete
from requests_app.appeals.models import Appeal
from requests_app.lifecycle import personal_data_purged
from requests_app.models import (
    OwnerTask,
    PrivacyRequest,
    RequestEvent,
    Submission,
    SystemRun,
    submission_blanks,
)

logger = logging.getLogger(__name__)
BATCH = 1000
BLANK_SUBMISSION = submission_blanks()


def retention_cutoff(now: datetime) -> datetime:
    """The same local day and time RECORDS_RETENTION_MONTHS months earlier (clamped to the month's end)."""
    local = timezone.localtime(now)
    year, month = divmod(local.year * 12 + local.month - 1 - settings.RECORDS_RETENTION_MONTHS, 12)
    month += 1
    return local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))


def purgeable_submissions(*, cutoff: datetime):
    """Submissions whose requests are all closed, the last of them before the cutoff."""
    return (
        Submission.objects.filter(personal_data_purged_at__isnull=True, requests__closed_at__lt=cutoff)
        .exclude(requests__closed_at__isnull=True)
        .exclude(requests__closed_at__gte=cutoff)
        .distinct()
    )


def records_purge(*, now: datetime | None = None) -> int:
    """Redact the personal data of requests closed more than the retention period ago; returns how many
    submissions were purged. Idempotent and batched."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(
                purgeable_submissions(cutoff=cutoff).order_by("pk").values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            Submission.objects.filter(pk__in=ids).update(**BLANK_SUBMISSION, personal_data_purged_at=now)
            personal_data_purged(submission_ids=ids)
            requests = PrivacyRequest.objects.filter(submission_id__in=ids)
            request_ids = list(requests.values_list("pk", flat=True))
            requests.update(consumer=None, extension_reason="")
            # Events are append-only; redaction blanks their free text and data in place (names stay).
            RequestEvent.objects.filter(request_id__in=request_ids).update(reason="", data={})
            Appeal.objects.filter(request_id__in=request_ids).update(
                statement="", explanation="", personal_data_purged_at=now
            )
            _system_runs_redact(request_ids)
            RequestEvent.objects.bulk_create(
                RequestEvent(request_id=pk, name="records.request.personal_data_purged") for pk in request_ids
            )
            purged += len(ids)
    if purged:
        logger.info("retention purge: %d submission(s) redacted", purged)
    return purged


def _system_runs_redact(request_ids: list[int]) -> None:
    runs = SystemRun.objects.filter(request_id__in=request_ids)
    for pk, name, outcome in runs.exclude(points_name="", outcome={}).values_list(
        "pk", "points_name", "outcome"
    ):
        # A request closed before its report was stored may have left exported points in the vault.
        transaction.on_commit(lambda name=name: vault_delete(name))
        if outcome.get("explanation"):
            outcome = {**outcome, "explanation": ""}
        SystemRun.objects.filter(pk=pk).update(points_name="", points_sha256="", outcome=outcome)
    runs.update(skip_reason="", identity_sealed="", changes_sealed="")
    OwnerTask.objects.filter(run__request_id__in=request_ids).update(kept_reason="")
