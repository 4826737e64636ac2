"""Data kept no longer than each system's retention statement says (issue 15, item 5)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from records.models import DataPoint, DataPointType, RetentionHold, Source, System
from records.retention import datapoints_expire, expired_counts
from staff.tasks import expire_data_points_task
from tests.factories import ConsumerFactory
from tests.mfa_support import staff_login

pytestmark = pytest.mark.django_db


def point(consumer, system, kind, *, age_days, source="facilities", value="v"):
    return DataPoint.objects.create(
        consumer=consumer,
        system=System.objects.get(code=system),
        point_type=DataPointType.objects.get(code=kind),
        source=Source.objects.get(code=source),
        value=value,
        collected_at=timezone.now() - timedelta(days=age_days),
    )


def test_every_time_limit_in_a_retention_statement_is_held_as_days():
    days = dict(System.objects.values_list("code", "retention_days"))
    assert days["health_checks"] == 30  # "Kept for 30 days after the check."
    assert days["building_access"] == 90  # "Security logs are kept for 90 days"
    assert days["web_logs"] == 396  # "Kept for 13 months, then de-identified."
    assert days["webinar_registrations"] == 730
    assert days["payments"] == 2557
    assert days["member_accounts"] is None  # kept while the membership is active


def test_the_purge_deletes_what_is_past_its_system_retention_and_keeps_the_rest():
    consumer = ConsumerFactory()
    old_check = point(consumer, "health_checks", "temperature_check", age_days=31)
    new_check = point(consumer, "health_checks", "temperature_check", age_days=29)
    old_photo = point(consumer, "building_access", "entry_image", age_days=91)
    account = point(consumer, "member_accounts", "full_name", age_days=2000, source="direct")

    assert datapoints_expire() == 2

    left = set(DataPoint.objects.values_list("pk", flat=True))
    assert old_check.pk not in left and old_photo.pk not in left
    assert {new_check.pk, account.pk} <= left
    assert datapoints_expire() == 0  # idempotent


def test_a_de_identifying_system_keeps_the_row_without_its_value():
    consumer = ConsumerFactory()
    view = point(consumer, "web_logs", "page_view", age_days=400, source="device_logs", value="/pricing")

    expire_data_points_task.delay()

    view.refresh_from_db()
    assert view.value == "" and view.redacted_at is not None


def test_a_staff_hold_keeps_data_past_retention():
    consumer = ConsumerFactory()
    kept = point(consumer, "building_access", "entry_image", age_days=200)
    RetentionHold.objects.create(consumer=consumer, reason=RetentionHold.Reason.OPEN_DISPUTE)

    assert datapoints_expire() == 0
    assert DataPoint.objects.filter(pk=kept.pk).exists()


def test_staff_see_data_past_retention_on_the_systems_page(client):
    consumer = ConsumerFactory()
    point(consumer, "health_checks", "temperature_check", age_days=45)
    point(consumer, "health_checks", "temperature_check", age_days=60)
    admin = get_user_model().objects.create_superuser("privacy-admin", "admin@rakunest.example", "x")
    staff_login(client, admin)

    page = client.get(reverse("admin:records_system_changelist")).content.decode()

    assert "⚠ 2 past retention" in page
    assert expired_counts() == {System.objects.get(code="health_checks").pk: 2}


def test_the_demo_data_obeys_every_retention_limit():
    call_command("seed_demo", consumers=50, points=8, no_progress=True)

    assert DataPoint.objects.count() > 100
    assert expired_counts() == {}
    maya = DataPoint.objects.filter(consumer__member_number="RN00000001")
    photo = maya.get(point_type__code="entry_image")
    stamp = timezone.localtime(photo.collected_at).strftime("%Y%m%d-%H%M")
    assert photo.value == f"entry-camera/frame-{stamp}.jpg"  # the frame is named after when it was taken
