"""Shine the Light, marketing unsubscribe and account closure: fulfilled once a request is approved."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from records.choices import consumer_sale_opt_out
from records.selectors import marketing_list_consumers
from requests_app.fulfilment import request_approve
from requests_app.models import Kind, PrivacyRequest, Status
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.optout_support import partner_share_point

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def maya():
    consumer = ConsumerFactory(email="maya.chen@example.com")
    partner_share_point(consumer, collected_at=at(2023, 5, 1))
    return consumer


def approved(kind: str, consumer, capture, *, email: str = "maya.chen@example.com") -> PrivacyRequest:
    """A request verified against `consumer` (verification is another area), approved by staff."""
    request = PrivacyRequestFactory(
        kind=kind, status=Status.IN_REVIEW, consumer=consumer, submission__email=email
    )
    with capture(execute=True):
        request_approve(request=request)
    request.refresh_from_db()
    return request


# --- Shine the Light ------------------------------------------------------------------------------


def test_shine_the_light_lists_last_years_direct_marketing_recipients_with_address_and_categories(
    maya, outbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2025, 2, 10), tick=False):
        request = approved(Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks)

    assert (request.status, request.outcome) == (Status.COMPLETED, "complied")
    [answer] = outbox
    assert answer.to == ["maya.chen@example.com"]
    assert "Shine the Light answer" in answer.subject
    assert "in 2024" in answer.body
    assert "Business incubation partners" in answer.body
    assert "RakuNest Partner Network, 900 Concar Drive, San Mateo, CA 94402" in answer.body
    assert "Categories: Identifiers, Commercial information" in answer.body
    assert "IT and hosting providers" not in answer.body  # a service provider, not direct marketing


def test_shine_the_light_says_nothing_was_disclosed_for_a_consumer_opted_out_all_last_year(
    maya, outbox, django_capture_on_commit_callbacks
):
    consumer_sale_opt_out(consumer_id=maya.pk, at=at(2023, 12, 1))
    with time_machine.travel(at(2025, 2, 10), tick=False):
        approved(Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks)
    assert "In 2024 we did not disclose your personal information" in outbox[-1].body
    assert "Business incubation partners" not in outbox[-1].body


def test_an_opt_out_this_year_does_not_hide_what_was_disclosed_last_year(
    maya, outbox, django_capture_on_commit_callbacks
):
    consumer_sale_opt_out(consumer_id=maya.pk, at=at(2025, 1, 5))
    with time_machine.travel(at(2025, 2, 10), tick=False):
        approved(Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks)
    assert "Business incubation partners" in outbox[-1].body


def test_a_minor_without_an_opt_in_was_disclosed_to_nobody(outbox, django_capture_on_commit_callbacks):
    minor = ConsumerFactory(date_of_birth=date(2011, 6, 1))
    partner_share_point(minor, collected_at=at(2023, 5, 1))
    with time_machine.travel(at(2025, 2, 10), tick=False):
        approved(Kind.SHINE_THE_LIGHT, minor, django_capture_on_commit_callbacks, email=minor.email)
    assert "we did not disclose" in outbox[-1].body


def test_shine_the_light_is_answered_once_per_calendar_year(maya, outbox, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2025, 2, 10), tick=False):
        first = approved(Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks)
    with time_machine.travel(at(2025, 11, 30), tick=False):
        second = approved(Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks)
    with time_machine.travel(at(2026, 1, 2), tick=False):
        next_year = approved(Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks)

    assert first.outcome == "complied"
    assert (second.status, second.denial_reason) == (Status.DENIED, "stl_once_per_year")
    assert "one answer to this request per calendar year" in outbox[1].body
    assert next_year.outcome == "complied"
    assert len(outbox) == 3


def test_shine_the_light_counts_the_consumer_not_the_email_address(
    maya, outbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2025, 2, 10), tick=False):
        approved(Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks)
        other_address = approved(
            Kind.SHINE_THE_LIGHT, maya, django_capture_on_commit_callbacks, email="maya@work.example"
        )
    assert other_address.denial_reason == "stl_once_per_year"


def test_shine_the_light_is_due_in_30_days():
    request = PrivacyRequestFactory(kind=Kind.SHINE_THE_LIGHT, received_at=at(2025, 2, 10))
    assert (request.due_at - request.received_at.date()).days == 30


# --- Unsubscribe and close account --------------------------------------------------------------------


def test_unsubscribe_stops_marketing_and_confirms_that_transactional_emails_continue(
    maya, outbox, django_capture_on_commit_callbacks
):
    request = approved(Kind.UNSUBSCRIBE, maya, django_capture_on_commit_callbacks)
    maya.refresh_from_db()
    assert not maya.marketing_subscribed and maya.account_active
    assert not marketing_list_consumers().filter(pk=maya.pk).exists()
    assert request.outcome == "complied"
    assert "still send transactional messages" in outbox[-1].body


def test_unsubscribe_without_a_matched_consumer_acts_on_the_verified_email_exactly(
    maya, django_capture_on_commit_callbacks
):
    other = ConsumerFactory(email="someone.else@example.com")
    approved(Kind.UNSUBSCRIBE, None, django_capture_on_commit_callbacks)
    maya.refresh_from_db()
    other.refresh_from_db()
    assert not maya.marketing_subscribed
    assert other.marketing_subscribed


def test_close_account_deactivates_the_matched_account_and_leaves_the_marketing_choice_alone(
    maya, outbox, django_capture_on_commit_callbacks
):
    request = approved(Kind.CLOSE_ACCOUNT, maya, django_capture_on_commit_callbacks)
    maya.refresh_from_db()
    assert not maya.account_active
    assert maya.marketing_subscribed  # the flag stays; a closed account simply gets no marketing
    assert not marketing_list_consumers().filter(pk=maya.pk).exists()
    assert request.outcome == "complied"
    assert "deactivated your RakuNest account" in outbox[-1].body


def test_close_account_without_a_matched_consumer_is_denied_and_changes_nothing(
    maya, outbox, django_capture_on_commit_callbacks
):
    request = approved(Kind.CLOSE_ACCOUNT, None, django_capture_on_commit_callbacks)
    maya.refresh_from_db()
    assert maya.account_active
    assert (request.status, request.denial_reason) == (Status.DENIED, "no_matching_account")
    assert "could not find an account" in outbox[-1].body


def test_choice_requests_wait_for_verification_before_anything_happens(
    client, maya, valid_form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/requests/new/",
            {**valid_form_data, "kinds": ["shine_the_light", "unsubscribe", "close_account"]},
        )
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {Status.AWAITING_VERIFICATION}
    maya.refresh_from_db()
    assert maya.marketing_subscribed and maya.account_active


def test_a_response_is_sent_once_even_if_its_task_runs_twice(
    maya, outbox, django_capture_on_commit_callbacks
):
    from requests_app.optout.services import choice_response_send

    request = approved(Kind.UNSUBSCRIBE, maya, django_capture_on_commit_callbacks)
    assert choice_response_send(request_id=request.pk) is False
    assert len(outbox) == 1
