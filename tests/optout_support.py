"""Helpers shared by the opt-out area's tests."""

from datetime import datetime

from django.utils import timezone

from records.models import DataPoint, DataPointType, Source, System


def partner_share_point(consumer, *, collected_at: datetime | None = None) -> DataPoint:
    """A row on the partner-sharing list (the data map's `partner_sharing` system), as seed_demo makes."""
    return DataPoint.objects.create(
        consumer=consumer,
        system=System.objects.get(code="partner_sharing"),
        point_type=DataPointType.objects.get(code="partner_share"),
        source=Source.objects.get(code="direct"),
        value="Shared with RakuNest Partner Network",
        collected_at=collected_at or timezone.now(),
    )
