"""Issue 15, item 5 on the real stack: the nightly retention task, run by a real worker on PostgreSQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from records.models import DataPoint, DataPointType, Source, System
from staff.tasks import expire_data_points_task
from tests.factories import ConsumerFactory

pytestmark = pytest.mark.integration


def _point(consumer, system, kind, *, age_days, source):
    return DataPoint.objects.create(
        consumer=consumer,
        system=System.objects.get(code=system),
        point_type=DataPointType.objects.get(code=kind),
        source=Source.objects.get(code=source),
        value="36.7 °C" if kind == "temperature_check" else "/pricing",
        collected_at=timezone.now() - timedelta(days=age_days),
    )


def test_a_real_worker_purges_data_past_its_retention(celery_worker_process):
    consumer = ConsumerFactory()
    old_check = _point(consumer, "health_checks", "temperature_check", age_days=40, source="facilities")
    new_check = _point(consumer, "health_checks", "temperature_check", age_days=5, source="facilities")
    old_view = _point(consumer, "web_logs", "page_view", age_days=500, source="device_logs")

    expire_data_points_task.delay()

    celery_worker_process.wait_for(
        lambda: not DataPoint.objects.filter(pk=old_check.pk).exists(), what="the expired health check purged"
    )
    old_view.refresh_from_db()
    assert old_view.value == "" and old_view.redacted_at is not None  # de-identified, row kept
    assert DataPoint.objects.filter(pk=new_check.pk, value="36.7 °C").exists()
