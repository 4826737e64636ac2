from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from records.choices import (
    consumer_account_close,
    consumer_marketing_unsubscribe,
    consumer_sale_opt_in,
    consumer_sale_opt_out,
)
from records.exceptions import RecordsError
from records.models import Consumer, SaleOptIn
from records.selectors import marketing_list_consumers, sale_list_consumers, years_after
from tests.factories import ConsumerFactory
from tests.optout_support import partner_share_point

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)


def born_aged(years: int, *, days_before_birthday: int = 30) -> date:
    """A date of birth making the person `years` old on TODAY."""
    return years_after(TODAY, -(years + 1)) + timedelta(days=days_before_birthday)


def on_sale_list(consumer: Consumer) -> bool:
    return sale_list_consumers(today=TODAY).filter(pk=consumer.pk).exists()


def test_an_adult_who_never_opted_out_is_on_the_sale_list():
    assert on_sale_list(ConsumerFactory(date_of_birth=born_aged(30)))


def test_a_consumer_whose_age_we_do_not_know_is_treated_as_an_adult():
    assert on_sale_list(ConsumerFactory(date_of_birth=None))


def test_an_adult_who_opted_out_is_not_on_the_sale_list():
    consumer = ConsumerFactory(date_of_birth=born_aged(30))
    consumer_sale_opt_out(consumer_id=consumer.pk)
    assert not on_sale_list(consumer)


def test_an_adult_who_opted_back_in_after_12_months_is_on_the_sale_list_again():
    consumer = ConsumerFactory(date_of_birth=born_aged(30))
    consumer_sale_opt_out(consumer_id=consumer.pk, at=timezone.now() - timedelta(days=400))
    consumer_sale_opt_in(consumer_id=consumer.pk, given_by=SaleOptIn.GivenBy.CONSUMER)
    assert on_sale_list(consumer)


def test_erased_and_closed_accounts_are_never_on_the_sale_list():
    erased = ConsumerFactory(erased_at=timezone.now())
    closed = ConsumerFactory()
    consumer_account_close(consumer_id=closed.pk)
    assert not on_sale_list(erased)
    assert not on_sale_list(closed)


@pytest.mark.parametrize("age", [0, 5, 12, 13, 14, 15])
def test_a_minor_without_an_opt_in_is_never_on_the_sale_list(age):
    assert not on_sale_list(ConsumerFactory(date_of_birth=born_aged(age)))


def test_a_minor_turns_sixteen_on_their_birthday_and_only_then_joins_the_list():
    birthday = years_after(TODAY, -16)
    assert on_sale_list(ConsumerFactory(date_of_birth=birthday))
    assert not on_sale_list(ConsumerFactory(date_of_birth=birthday + timedelta(days=1)))


def test_a_fourteen_year_old_who_opted_in_themselves_is_on_the_sale_list():
    teen = ConsumerFactory(date_of_birth=born_aged(14))
    SaleOptIn.objects.create(consumer=teen, given_by=SaleOptIn.GivenBy.CONSUMER)
    assert on_sale_list(teen)


def test_a_child_under_13_needs_a_parent_opt_in_not_their_own():
    child = ConsumerFactory(date_of_birth=born_aged(11))
    SaleOptIn.objects.create(consumer=child, given_by=SaleOptIn.GivenBy.CONSUMER)
    assert not on_sale_list(child)
    SaleOptIn.objects.create(consumer=child, given_by=SaleOptIn.GivenBy.PARENT)
    assert on_sale_list(child)


def test_a_minor_who_opted_in_and_then_out_leaves_the_sale_list():
    teen = ConsumerFactory(date_of_birth=born_aged(15))
    SaleOptIn.objects.create(
        consumer=teen, given_by=SaleOptIn.GivenBy.CONSUMER, given_at=timezone.now() - timedelta(days=30)
    )
    Consumer.objects.filter(pk=teen.pk).update(sale_opt_in_at=timezone.now() - timedelta(days=30))
    consumer_sale_opt_out(consumer_id=teen.pk)
    assert not on_sale_list(teen)


@settings(max_examples=60, deadline=None)
@given(
    days_old=st.integers(min_value=0, max_value=16 * 365 - 1),
    opted_out=st.booleans(),
    opt_in_flag=st.booleans(),
    wrong_consent=st.booleans(),
)
def test_no_minor_is_ever_on_the_sale_list_without_the_right_opt_in(
    days_old, opted_out, opt_in_flag, wrong_consent
):
    """Whatever the flags say, under 16 without a valid consent record means off the list."""
    born = TODAY - timedelta(days=days_old)
    if born <= years_after(TODAY, -16):
        return
    now = timezone.now()
    minor = ConsumerFactory(
        date_of_birth=born,
        sale_opted_out_at=now - timedelta(days=10) if opted_out else None,
        sale_opt_in_at=now if opt_in_flag else None,  # a flag set without a consent record
    )
    is_child = born > years_after(TODAY, -13)
    if wrong_consent:  # consent from the wrong person for the age
        SaleOptIn.objects.create(
            consumer=minor,
            given_by=SaleOptIn.GivenBy.CONSUMER if is_child else SaleOptIn.GivenBy.PARENT,
        )
    assert not on_sale_list(minor)
    minor.delete()


def test_the_sale_list_is_one_query_whatever_its_size(django_assert_num_queries):
    ConsumerFactory.create_batch(5)
    with django_assert_num_queries(1):
        assert len(list(sale_list_consumers(today=TODAY))) == 5


# --- Opt-in: 12 months after an opt-out -------------------------------------------------------------


def test_opting_back_in_within_12_months_of_an_opt_out_is_refused_with_the_date():
    consumer = ConsumerFactory()
    with time_machine.travel(timezone.make_aware(timezone.datetime(2025, 3, 3, 12)), tick=False):
        consumer_sale_opt_out(consumer_id=consumer.pk)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 2, 12)), tick=False):
        with pytest.raises(RecordsError) as refused:
            consumer_sale_opt_in(consumer_id=consumer.pk, given_by=SaleOptIn.GivenBy.CONSUMER)
    assert refused.value.code == "opt_in_too_soon"
    assert "March 3, 2025" in refused.value.message
    assert "from March 3, 2026" in refused.value.message
    consumer.refresh_from_db()
    assert consumer.sale_opt_in_at is None
    assert not SaleOptIn.objects.exists()
    assert not on_sale_list(consumer)


def test_opting_back_in_12_months_after_an_opt_out_is_accepted():
    consumer = ConsumerFactory()
    with time_machine.travel(timezone.make_aware(timezone.datetime(2025, 3, 3, 12)), tick=False):
        consumer_sale_opt_out(consumer_id=consumer.pk)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 3, 12, 1)), tick=False):
        consumer_sale_opt_in(consumer_id=consumer.pk, given_by=SaleOptIn.GivenBy.CONSUMER)
    consumer.refresh_from_db()
    assert consumer.sale_opt_in_at > consumer.sale_opted_out_at


def test_a_second_opt_out_keeps_the_first_date_so_the_12_months_are_not_reset():
    consumer = ConsumerFactory()
    first = timezone.now() - timedelta(days=100)
    consumer_sale_opt_out(consumer_id=consumer.pk, at=first)
    consumer_sale_opt_out(consumer_id=consumer.pk)
    consumer.refresh_from_db()
    assert consumer.sale_opted_out_at == first


def test_a_child_cannot_opt_in_themselves():
    child = ConsumerFactory(date_of_birth=timezone.localdate() - timedelta(days=365 * 10))
    with pytest.raises(RecordsError) as refused:
        consumer_sale_opt_in(consumer_id=child.pk, given_by=SaleOptIn.GivenBy.CONSUMER)
    assert refused.value.code == "parent_consent_required"
    consumer_sale_opt_in(consumer_id=child.pk, given_by=SaleOptIn.GivenBy.PARENT)
    assert sale_list_consumers().filter(pk=child.pk).exists()


def test_an_opt_out_redacts_the_partner_sharing_rows_in_place():
    consumer = ConsumerFactory()
    row = partner_share_point(consumer)
    assert consumer_sale_opt_out(consumer_id=consumer.pk) is True
    row.refresh_from_db()
    assert row.value == ""
    assert row.redacted_at is not None
    assert consumer_sale_opt_out(consumer_id=consumer.pk) is False  # nothing left to do


# --- Marketing list ---------------------------------------------------------------------------------


def test_the_marketing_list_leaves_out_unsubscribed_closed_and_erased_consumers():
    subscribed = ConsumerFactory()
    unsubscribed = ConsumerFactory()
    closed = ConsumerFactory()
    ConsumerFactory(erased_at=timezone.now())
    consumer_marketing_unsubscribe(consumer_id=unsubscribed.pk)
    consumer_account_close(consumer_id=closed.pk)
    assert list(marketing_list_consumers()) == [subscribed]


def test_an_opt_out_of_sale_does_not_unsubscribe_from_marketing_emails():
    consumer = ConsumerFactory()
    consumer_sale_opt_out(consumer_id=consumer.pk)
    assert marketing_list_consumers().filter(pk=consumer.pk).exists()
