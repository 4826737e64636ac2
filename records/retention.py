"""Data kept no longer than its retention statement says (policy §7; CCPA §1798.100(a)(3)).

Each system's statement may carry a time limit (System.retention_days). The purge removes the portal's
copies collected longer ago: deleted, or de-identified in place for a de-identifying system (the row
stays for aggregate figures, the value goes). A staff RetentionHold on the consumer (a dispute, a legal
hold) keeps them. External systems apply their own retention; their runs hold no lasting copy here.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .models import DataPoint, RetentionHold, System

logger = logging.getLogger(__name__)


def _expired_q(systems, now: datetime) -> Q:
    q = Q(pk__in=[])
    for system in systems:
        q |= Q(system_id=system.pk, collected_at__lt=now - timedelta(days=system.retention_days))
    return q


def expired_points(*, now: datetime | None = None):
    """Live data points past their system's retention limit and not under a staff hold."""
    now = now or timezone.now()
    systems = System.objects.filter(retention_days__isnull=False)
    held = RetentionHold.objects.filter(consumer_id=OuterRef("consumer_id"), released_at__isnull=True).filter(
        Q(system__isnull=True) | Q(system_id=OuterRef("system_id"))
    )
    return DataPoint.objects.filter(_expired_q(systems, now), redacted_at__isnull=True).exclude(Exists(held))


def expired_counts(*, now: datetime | None = None) -> dict[int, int]:
    """Per system id, how many points are past retention (shown to staff until the purge runs)."""
    rows = expired_points(now=now).values("system_id").annotate(n=Count("pk")).order_by()
    return {row["system_id"]: row["n"] for row in rows}


def datapoints_expire(*, now: datetime | None = None) -> int:
    """Delete (or de-identify) every point past its retention; returns how many. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = expired_points(now=now)
        deidentifying = System.objects.filter(erasure=System.Erasure.DEIDENTIFY).values("pk")
        deidentified = expired.filter(system_id__in=deidentifying).update(value="", redacted_at=now)
        deleted, _ = DataPoint.objects.filter(pk__in=expired.values("pk")).delete()
    if deleted or deidentified:
        logger.info("retention: %d point(s) deleted, %d de-identified", deleted, deidentified)
    return deleted + deidentified
