"""Reads of consumer records that depend on the consumer's choices.

This module and records/choices.py are the only places that read a consumer's rights flags
(sale_opted_out_at, sale_opt_in_at, marketing_subscribed): nothing else in the portal may treat a
consumer differently for having exercised a right (CCPA §1798.125; tests/test_non_discrimination.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import Consumer, DataCategory, Recipient, SaleOptIn, System

ADULT_AGE = 16  # CCPA §1798.120(c): no sale under 16 without an affirmative opt-in
PARENT_CONSENT_AGE = 13  # under 13 the opt-in comes from a verified parent or guardian
OPT_IN_WAIT_YEARS = 1  # CCPA §1798.135(c)(4): 12 months before asking an opted-out consumer to opt in


def years_after(moment: date | datetime, years: int) -> date | datetime:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def _consent(given_by: str) -> Exists:
    """An opt-in from the right person given after the consumer's last opt-out (if any)."""
    after_opt_out = Q(consumer__sale_opted_out_at__isnull=True) | Q(
        given_at__gt=OuterRef("sale_opted_out_at")
    )
    return Exists(SaleOptIn.objects.filter(after_opt_out, consumer=OuterRef("pk"), given_by=given_by))


def sale_list_consumers(*, today: date | None = None) -> QuerySet[Consumer]:
    """The partner-sale list (policy §4B): the ONLY place it is built.

    Adults (16 or older, or no known date of birth) are on it unless they opted out and did not opt
    back in later. Consumers aged 13–15 are on it only with their own opt-in, under-13s only with a
    verified parent's, in both cases given after any opt-out. Erased and closed accounts never are.
    """
    today = today or timezone.localdate()
    born_16_years_ago = years_after(today, -ADULT_AGE)
    born_13_years_ago = years_after(today, -PARENT_CONSENT_AGE)
    # NULL comparisons are false in SQL: an opt-out without a later opt-in fails both branches.
    not_opted_out = Q(sale_opted_out_at__isnull=True) | Q(sale_opt_in_at__gt=F("sale_opted_out_at"))
    adults = Q(date_of_birth__isnull=True) | Q(date_of_birth__lte=born_16_years_ago)
    teens = Q(date_of_birth__gt=born_16_years_ago, date_of_birth__lte=born_13_years_ago)
    children = Q(date_of_birth__gt=born_13_years_ago)
    return (
        Consumer.objects.filter(erased_at__isnull=True, account_active=True)
        .annotate(
            consent_by_consumer=_consent(SaleOptIn.GivenBy.CONSUMER),
            consent_by_parent=_consent(SaleOptIn.GivenBy.PARENT),
        )
        .filter(
            (adults & not_opted_out)
            | (teens & Q(consent_by_consumer=True))
            | (children & Q(consent_by_parent=True))
        )
        .order_by("pk")
    )


def marketing_list_consumers() -> QuerySet[Consumer]:
    """Who receives RakuNest's own marketing e-mails (policy §6C); transactional e-mails ignore this."""
    return Consumer.objects.filter(
        marketing_subscribed=True, account_active=True, erased_at__isnull=True
    ).order_by("pk")


def consumer_is_sale_opted_out(*, consumer: Consumer) -> bool:
    opted_out, opted_in = consumer.sale_opted_out_at, consumer.sale_opt_in_at
    return opted_out is not None and (opted_in is None or opted_in <= opted_out)


def sale_opt_out_in_force_since(*, consumer: Consumer) -> datetime | None:
    """When the opt-out now in force began (for the access report), or None."""
    return consumer.sale_opted_out_at if consumer_is_sale_opted_out(consumer=consumer) else None


def sale_opt_in_allowed_from(*, consumer: Consumer) -> datetime | None:
    """When an opted-out consumer may opt back in; None when nothing stands in the way."""
    if not consumer_is_sale_opted_out(consumer=consumer):
        return None
    allowed = years_after(consumer.sale_opted_out_at, OPT_IN_WAIT_YEARS)
    return allowed if allowed > timezone.now() else None


@dataclass(frozen=True)
class MarketingDisclosure:
    """One third party that received the consumer's information for its direct marketing."""

    name: str
    postal_address: str
    categories: tuple[str, ...]


def _was_on_sale_list_during(consumer: Consumer, start: datetime, end: datetime) -> bool:
    opted_out, opted_in = consumer.sale_opted_out_at, consumer.sale_opt_in_at
    if opted_out is not None and opted_out < start:
        if opted_in is None or not opted_out < opted_in < end:
            return False  # opted out before the year began and not back in during it
    if consumer.erased_at is not None and consumer.erased_at < start:
        return False
    last_day = (end - timedelta(days=1)).date()
    if consumer.date_of_birth and consumer.date_of_birth > years_after(last_day, -ADULT_AGE):
        return consumer.sale_opt_ins.filter(given_at__lt=end).exists()
    return True


def direct_marketing_disclosures(*, consumer: Consumer, year: int) -> list[MarketingDisclosure]:
    """Shine the Light (Civ. Code §1798.83(a)): what went to third parties for their direct marketing in
    `year`, by party, with its name and address.

    A recipient counts when the consumer had rows, collected before the year ended and not removed
    before it began, in a system that feeds it; the categories are those the data map says that system
    holds and that recipient receives.
    """
    tz = timezone.get_current_timezone()
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    if not _was_on_sale_list_during(consumer, start, end):
        return []
    disclosures = []
    for recipient in Recipient.objects.filter(direct_marketing=True).order_by("name"):
        feeding_systems = System.objects.filter(
            Q(data_points__redacted_at__isnull=True) | Q(data_points__redacted_at__gte=start),
            recipients=recipient,
            data_points__consumer=consumer,
            data_points__collected_at__lt=end,
        )
        categories = list(
            DataCategory.objects.filter(recipients=recipient, systems__in=feeding_systems)
            .distinct()
            .order_by("position")
            .values_list("name", flat=True)
        )
        if categories:
            disclosures.append(
                MarketingDisclosure(
                    name=recipient.name, postal_address=recipient.postal_address, categories=tuple(categories)
                )
            )
    return disclosures


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def consumer_known_under_16(consumer, *, today=None) -> bool:
    """True when our records give a date of birth making the consumer younger than 16 today; no date of
    birth on record means not known to be under 16. Known to be under 16, all their information is
    sensitive personal information (Cal. Code Regs. tit. 11, from 2026-01-01), as it is protected from
    sale (ADULT_AGE)."""
    born = consumer.date_of_birth
    return born is not None and age_on(born, today or timezone.localdate()) < ADULT_AGE
