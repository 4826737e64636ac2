"""Writes of a consumer's choices: opt-out/opt-in of sale, marketing e-mails, account status.

With records/selectors.py, the only module that touches the rights flags (CCPA §1798.125). Every
function locks the consumer row and is idempotent, so that a fulfilment task may safely run twice.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .exceptions import RecordsError
from .models import Consumer, DataPoint, SaleOptIn
from .selectors import PARENT_CONSENT_AGE, age_on, consumer_is_sale_opted_out, sale_opt_in_allowed_from

PARTNER_SHARING_SYSTEM = "partner_sharing"  # records/datamap.py: "Kept until you opt out of sale"


def consumer_sale_opt_out(*, consumer_id: int, at: datetime | None = None) -> bool:
    """Opt the consumer out of sale/sharing and take them off the partner-sharing list.

    The first opt-out's time is kept while it stands (the 12 months run from it). Rows of the
    partner-sharing system are redacted in place, not deleted, so that a later Shine-the-Light
    answer can still say what was disclosed before. True when this call changed anything.
    """
    at = at or timezone.now()
    with transaction.atomic():
        consumer = Consumer.objects.select_for_update().get(pk=consumer_id)
        changed = not consumer_is_sale_opted_out(consumer=consumer)
        if changed:
            consumer.sale_opted_out_at = at
            consumer.save(update_fields=["sale_opted_out_at"])
        redacted = DataPoint.objects.filter(
            consumer=consumer, system__code=PARTNER_SHARING_SYSTEM, redacted_at__isnull=True
        ).update(value="", redacted_at=at)
    return changed or redacted > 0


def consumer_sale_opt_in(*, consumer_id: int, given_by: str, at: datetime | None = None) -> SaleOptIn:
    """Record an affirmative opt-in to sale/sharing.

    Refused within 12 months of an opt-out, and from anyone but a verified parent for a child under 13
    (CCPA §1798.120(c), §1798.135(c)(4)). The caller has established who `given_by` is.
    """
    at = at or timezone.now()
    with transaction.atomic():
        consumer = Consumer.objects.select_for_update().get(pk=consumer_id)
        allowed_from = sale_opt_in_allowed_from(consumer=consumer)
        if allowed_from is not None and at < allowed_from:
            raise RecordsError(
                _(
                    "You opted out of the sale and sharing of your personal information on %(opted_out)s. "
                    "We keep to that choice for 12 months: you can opt back in from %(allowed)s."
                )
                % {
                    "opted_out": date_format(timezone.localtime(consumer.sale_opted_out_at), "F j, Y"),
                    "allowed": date_format(timezone.localtime(allowed_from), "F j, Y"),
                },
                code="opt_in_too_soon",
            )
        born = consumer.date_of_birth
        if (
            born is not None
            and age_on(born, timezone.localdate(at)) < PARENT_CONSENT_AGE
            and given_by != SaleOptIn.GivenBy.PARENT
        ):
            raise RecordsError(
                _("For a child under 13, only a verified parent or guardian can agree to this."),
                code="parent_consent_required",
            )
        consumer.sale_opt_in_at = at
        consumer.save(update_fields=["sale_opt_in_at"])
        return SaleOptIn.objects.create(consumer=consumer, given_by=given_by, given_at=at)


def consumer_marketing_unsubscribe(*, consumer_id: int) -> bool:
    """Stop RakuNest's marketing e-mails (policy §6C); transactional e-mails continue."""
    with transaction.atomic():
        consumer = Consumer.objects.select_for_update().get(pk=consumer_id)
        if not consumer.marketing_subscribed:
            return False
        consumer.marketing_subscribed = False
        consumer.save(update_fields=["marketing_subscribed"])
    return True


def consumer_account_close(*, consumer_id: int) -> bool:
    """Deactivate the account (policy §6C). Records stay, subject to deletion requests and retention."""
    with transaction.atomic():
        consumer = Consumer.objects.select_for_update().get(pk=consumer_id)
        if not consumer.account_active:
            return False
        consumer.account_active = False
        consumer.save(update_fields=["account_active"])
    return True
