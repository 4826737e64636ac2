"""Lowering the verification bar needs two different approvers and a logged reason."""

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from requests_app.exceptions import RequestError
from requests_app.models import RequestEvent, Status
from requests_app.states import state_change
from staff.models import VerificationLowering
from staff.services import (
    LOWERING_STATES,
    verification_lowering_confirm,
    verification_lowering_propose,
    verification_lowering_withdraw,
)
from tests.factories import PrivacyRequestFactory

from .conftest import signed_in

pytestmark = pytest.mark.django_db
REASON = "Requester confirmed two data points on a recorded call."


def test_the_proposer_cannot_confirm_their_own_proposal(approver):
    privacy_request = PrivacyRequestFactory()
    verification_lowering_propose(request=privacy_request, actor=approver, level="reasonable", reason=REASON)

    with pytest.raises(RequestError, match="second approver"):
        verification_lowering_confirm(request=privacy_request, actor=approver)

    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.AWAITING_VERIFICATION
    assert privacy_request.verification_level == ""


def test_a_second_approver_confirms_and_the_request_goes_to_review_with_the_reason_logged(
    approver, second_approver
):
    privacy_request = PrivacyRequestFactory()
    verification_lowering_propose(request=privacy_request, actor=approver, level="reasonable", reason=REASON)
    verification_lowering_confirm(request=privacy_request, actor=second_approver)

    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW
    assert privacy_request.verification_level == "reasonable"
    proposed = RequestEvent.objects.get(request=privacy_request, name="staff.verification.lowering_proposed")
    confirmed = RequestEvent.objects.get(request=privacy_request, name="requests.request.in_review")
    assert (proposed.actor, proposed.reason) == (approver, REASON)
    assert confirmed.actor == second_approver and confirmed.reason == REASON
    assert confirmed.data["proposed_by"] == approver.username


def test_lowering_a_request_already_in_review_changes_only_its_level(approver, second_approver):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, verification_level="reasonably_high")
    verification_lowering_propose(request=privacy_request, actor=approver, level="reasonable", reason=REASON)
    verification_lowering_confirm(request=privacy_request, actor=second_approver)
    privacy_request.refresh_from_db()
    assert (privacy_request.status, privacy_request.verification_level) == (Status.IN_REVIEW, "reasonable")
    assert RequestEvent.objects.filter(request=privacy_request, name="staff.verification.lowered").exists()


def test_a_proposal_needs_a_reason_and_only_one_can_wait(approver):
    privacy_request = PrivacyRequestFactory()
    with pytest.raises(RequestError, match="reason"):
        verification_lowering_propose(request=privacy_request, actor=approver, level="reasonable", reason=" ")
    verification_lowering_propose(request=privacy_request, actor=approver, level="reasonable", reason=REASON)
    with pytest.raises(RequestError, match="already waiting"):
        verification_lowering_propose(
            request=privacy_request, actor=approver, level="email_only", reason=REASON
        )


def test_a_withdrawn_proposal_cannot_be_confirmed(approver, second_approver):
    privacy_request = PrivacyRequestFactory()
    verification_lowering_propose(request=privacy_request, actor=approver, level="reasonable", reason=REASON)
    verification_lowering_withdraw(request=privacy_request, actor=approver)
    with pytest.raises(RequestError, match="no proposal"):
        verification_lowering_confirm(request=privacy_request, actor=second_approver)


def test_the_database_refuses_a_lowering_decided_by_its_proposer(approver):
    privacy_request = PrivacyRequestFactory()
    with pytest.raises(IntegrityError):
        VerificationLowering.objects.create(
            request=privacy_request,
            level="reasonable",
            reason=REASON,
            proposed_by=approver,
            decided_by=approver,
            decided_at=timezone.now(),
            state="confirmed",
        )


def test_four_eyes_through_the_pages(approver, second_approver):
    privacy_request = PrivacyRequestFactory()
    url = lambda action: reverse("staff:request_action", args=[privacy_request.reference, action])  # noqa: E731
    first, second = signed_in(approver), signed_in(second_approver)
    first.post(url("lower-propose"), {"level": "reasonable", "reason": REASON, "confirm": "on"})
    response = first.post(url("lower-confirm"), {"confirm": "on"}, follow=True)
    assert "A second approver must confirm" in response.content.decode()
    second.post(url("lower-confirm"), {"confirm": "on"})
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW


# --- The state machine of a lowering ------------------------------------------------------------------


def test_the_lowering_table_has_a_row_for_every_state_and_leads_only_to_states():
    states = set(VerificationLowering.State.values)
    assert set(LOWERING_STATES) == states
    assert set().union(*LOWERING_STATES.values()) <= states


def test_a_withdrawn_lowering_cannot_be_confirmed(approver, second_approver):
    privacy_request = PrivacyRequestFactory()
    lowering = verification_lowering_propose(
        request=privacy_request, actor=approver, level="reasonable", reason=REASON
    )
    verification_lowering_withdraw(request=privacy_request, actor=approver)

    with pytest.raises(RequestError) as refused:
        state_change(
            obj=lowering,
            field="state",
            to=VerificationLowering.State.CONFIRMED,
            table=LOWERING_STATES,
            request=privacy_request,
            event="staff.verification.lowering_confirmed",
            decided_by=second_approver,
        )

    assert refused.value.code == "illegal_state_change"
    lowering.refresh_from_db()
    assert (lowering.state, lowering.decided_by) == (VerificationLowering.State.WITHDRAWN, None)
    assert not RequestEvent.objects.filter(name="staff.verification.lowering_confirmed").exists()


def test_a_confirmed_lowering_is_recorded_with_its_from_and_to(approver, second_approver):
    privacy_request = PrivacyRequestFactory()
    verification_lowering_propose(request=privacy_request, actor=approver, level="reasonable", reason=REASON)
    verification_lowering_confirm(request=privacy_request, actor=second_approver)

    event = RequestEvent.objects.get(name="staff.verification.lowering_confirmed")
    assert (event.actor, event.reason) == (second_approver, REASON)
    assert event.data["from"] == "pending" and event.data["to"] == "confirmed"
