"""Legal deadlines. Business days skip weekends and US federal + California state holidays."""

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

from requests_app.models import Kind
from requests_app.regimes import regime_rules

ACK_BUSINESS_DAYS = 10  # Regs §7021(a)
RESPONSE_DAYS = 45  # CCPA §1798.130(a)(2); Regs §7021(b)
EXTENSION_DAYS = 45  # once, 90 days in total
MAX_RESPONSE_DAYS = 90
# Opt-out and Shine the Light have deadlines of their own, with no extension (Regs §7026(f); §1798.83).
NOT_EXTENDABLE = frozenset({Kind.OPT_OUT, Kind.ADMT_OPT_OUT, Kind.SHINE_THE_LIGHT})
OPT_OUT_BUSINESS_DAYS = 15  # Regs §7026(f); opt-out of ADMT likewise, Regs §7221
# Access to ADMT information takes a request to know's period (Regs §7222: 45 days, by the regime's row).
SHINE_THE_LIGHT_DAYS = 30  # Civ. Code §1798.83(d)


@lru_cache(maxsize=64)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("US", subdiv="CA", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            days -= 1
    return day


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def ack_due(received_at: datetime) -> date:
    return add_business_days(local_date(received_at), ACK_BUSINESS_DAYS)


def response_due(received_at: datetime, kind: str, regime: str | None = None) -> date:
    """The response deadline; opt-out and Shine the Light keep California's own periods, every other kind
    takes the regime's response days (45 in every regime in the table)."""
    received = local_date(received_at)
    if kind in (Kind.OPT_OUT, Kind.ADMT_OPT_OUT):
        return add_business_days(received, OPT_OUT_BUSINESS_DAYS)
    if kind == Kind.SHINE_THE_LIGHT:
        return received + timedelta(days=SHINE_THE_LIGHT_DAYS)
    return received + timedelta(days=regime_rules(regime).response_days)


def extended_due(received_at: datetime, due_at: date, regime: str | None = None) -> date:
    """The one permitted extension: the regime's extension days (45), never past response + extension
    days (90) from receipt."""
    rules = regime_rules(regime)
    return min(
        due_at + timedelta(days=rules.extension_days),
        local_date(received_at) + timedelta(days=rules.response_days + rules.extension_days),
    )


def days_left(due: date, today: date | None = None) -> int:
    return (due - (today or local_date(timezone.now()))).days
