from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from requests_app import deadlines
from requests_app.models import Kind

PACIFIC = ZoneInfo("America/Los_Angeles")


def at(y, m, d, hour=10):
    return datetime(y, m, d, hour, tzinfo=PACIFIC)


def test_weekends_are_not_business_days():
    assert not deadlines.is_business_day(date(2026, 11, 28))  # Saturday
    assert deadlines.is_business_day(date(2026, 11, 30))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 11, 26), "Thanksgiving"),
        (date(2026, 11, 27), "Day after Thanksgiving (California)"),
        (date(2026, 3, 31), "Cesar Chavez Day (California)"),
        (date(2026, 7, 3), "Independence Day observed"),
        (date(2026, 12, 25), "Christmas"),
    ],
)
def test_federal_and_california_holidays_are_not_business_days(day, name):
    assert not deadlines.is_business_day(day), name


def test_acknowledgement_due_skips_the_thanksgiving_weekend():
    # Wed 25 Nov 2026 + 10 business days: Thu/Fri are holidays, then the weekend.
    assert deadlines.ack_due(at(2026, 11, 25)) == date(2026, 12, 11)


def test_opt_out_is_due_in_fifteen_business_days_across_christmas_and_new_year():
    # Mon 14 Dec 2026: skips 25 Dec, 1 Jan and weekends.
    assert deadlines.response_due(at(2026, 12, 14), Kind.OPT_OUT) == date(2027, 1, 6)


def test_access_and_deletion_are_due_in_45_calendar_days_even_on_a_holiday():
    assert deadlines.response_due(at(2026, 10, 12), Kind.DELETE) == date(2026, 11, 26)


def test_received_late_at_night_counts_from_the_pacific_date():
    late_utc = datetime(2026, 1, 2, 7, 30, tzinfo=ZoneInfo("UTC"))  # still 1 Jan in California
    assert deadlines.response_due(late_utc, Kind.KNOW_CATEGORIES) == date(2026, 2, 15)


def test_shine_the_light_is_due_in_30_days():
    assert deadlines.response_due(at(2026, 1, 5), Kind.SHINE_THE_LIGHT) == date(2026, 2, 4)


def test_extension_adds_45_days_and_never_passes_90_from_receipt():
    received = at(2026, 1, 1)
    due = deadlines.response_due(received, Kind.ACCESS_SPECIFIC)
    assert deadlines.extended_due(received, due) == date(2026, 4, 1)
    # A due date pushed late already (e.g. by a staff edit) is still capped at 90 days.
    assert deadlines.extended_due(received, date(2026, 3, 1)) == date(2026, 4, 1)
