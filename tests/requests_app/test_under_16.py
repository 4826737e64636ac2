"""Consumers known to be under 16: their information is sensitive (Cal. Code Regs. tit. 11, 2026)."""

from datetime import date

import pytest
from django.utils import timezone

from records.selectors import consumer_known_under_16
from requests_app.models import Kind
from requests_app.rules import consumer_holds_sensitive, required_points
from tests.factories import ConsumerFactory

pytestmark = pytest.mark.django_db


def test_known_under_16_from_the_date_of_birth_on_record():
    today = date(2026, 12, 2)
    assert consumer_known_under_16(ConsumerFactory(date_of_birth=date(2010, 12, 3)), today=today)  # 15
    assert not consumer_known_under_16(ConsumerFactory(date_of_birth=date(2010, 12, 2)), today=today)  # 16
    assert not consumer_known_under_16(ConsumerFactory(date_of_birth=None), today=today)


def test_a_minor_needs_the_sensitive_bar_for_delete_and_correct(settings):
    today = timezone.localdate()
    minor = ConsumerFactory(date_of_birth=date(today.year - 10, 1, 1))
    adult = ConsumerFactory(date_of_birth=date(today.year - 40, 1, 1))
    assert consumer_holds_sensitive(minor) and not consumer_holds_sensitive(adult)
    assert required_points(kind=Kind.DELETE, sensitive=True) >= settings.VERIFICATION_POINTS_SENSITIVE
