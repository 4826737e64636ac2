"""An appeal end to end: denial e-mail → status page → appeal → appeals queue → decision with the AG route."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from requests_app.appeals.models import Appeal
from requests_app.appeals.services import appeal_submit
from requests_app.exceptions import RequestError
from requests_app.models import PrivacyRequest, Status
from staff.models import DenialReason, DenialReasonTemplate
from staff.services import request_deny
from tests.factories import PrivacyRequestFactory

from .conftest import signed_in

pytestmark = pytest.mark.django_db
EMAIL = "maya.chen@example.com"


def _open_status_page(client, privacy_request, outbox):
    client.post(
        reverse("requests_app:status_lookup"), {"reference": privacy_request.reference, "email": EMAIL}
    )
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    return client.post(reverse("requests_app:status_code"), {"code": code}, follow=True)


def test_a_denied_requester_appeals_and_a_second_approver_reverses_the_denial(
    client, approver, second_approver, outbox, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(
        kind="delete", status=Status.IN_REVIEW, submission__email=EMAIL, verification_level="reasonable"
    )
    fraud = DenialReasonTemplate.objects.get(code="fraud")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(approver).post(
            reverse("staff:request_action", args=[privacy_request.reference, "deny"]),
            {"template": fraud.pk, "text": "", "confirm": "on"},
        )
    assert "How to appeal" in outbox[-1].body

    status_page = _open_status_page(client, privacy_request, outbox).content.decode()
    assert "Appeal the decision" in status_page
    assert client.get(reverse("requests_app:appeal_new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests_app:appeal_new"), {"statement": "I made this request myself, from home."}
        )
    assert response["Location"] == reverse("requests_app:status_view")
    appeal = Appeal.objects.get(request=privacy_request)
    assert appeal.due_at == timezone.localdate() + timedelta(days=60)
    assert "We received your appeal" in outbox[-1].body
    assert "We received your appeal" in client.get(reverse("requests_app:status_view")).content.decode()

    queue = signed_in(second_approver).get(reverse("staff:appeals")).content.decode()
    assert privacy_request.reference in queue
    # The denial basis in words, not its code (issue 15, item 9).
    privacy_request.refresh_from_db()
    assert f"<td>{privacy_request.denial_reason}</td>" not in queue
    assert f"<td>{DenialReason(privacy_request.denial_reason).label}</td>" in queue

    decide = reverse("staff:appeal_decide", args=[privacy_request.reference])
    same_person = signed_in(approver).post(
        decide, {"decision": "reversed", "explanation": "x", "confirm": "on"}, follow=True
    )
    assert "Someone other than the person who denied" in same_person.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(second_approver).post(
            decide,
            {"decision": "reversed", "explanation": "The device check was wrong.", "confirm": "on"},
        )

    appeal.refresh_from_db()
    assert appeal.decision == "reversed" and appeal.decided_by == second_approver
    reopened = appeal.reopened_request
    assert reopened.status == Status.IN_REVIEW and reopened.kind == "delete"
    assert reopened.submission_id == privacy_request.submission_id
    decision = outbox[-1]
    assert decision.to == [EMAIL]
    assert "we reversed our decision" in decision.body and reopened.reference in decision.body
    assert "The device check was wrong." in decision.body
    assert decision.body.startswith("Hello Maya,")
    assert "oag.ca.gov/privacy" in decision.body
    # Only the regimes that apply: a California requester is not sent to Virginia, Colorado or Connecticut.
    for state in ("Virginia", "Colorado", "Connecticut"):
        assert state not in decision.body


def test_the_appeal_decision_names_the_requesters_own_state_when_it_has_an_appeal_duty():
    from staff.notify import attorneys_general_for

    assert [s for s, _office, _url in attorneys_general_for(state="va")] == ["California", "Virginia"]
    assert [s for s, _office, _url in attorneys_general_for(state="")] == ["California"]
    assert [s for s, _office, _url in attorneys_general_for(state="NV")] == ["California"]
    # Every state of the regime table with an appeal duty is named, Texas and Oregon included.
    assert [s for s, _office, _url in attorneys_general_for(state="tx")] == ["California", "Texas"]
    assert [s for s, _office, url in attorneys_general_for(state="OR")][1] == "Oregon"
    assert [s for s, _office, _url in attorneys_general_for(state="OTHER")] == ["California"]


def test_an_appeal_after_45_days_is_refused_and_not_offered(
    client, approver, outbox, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, submission__email=EMAIL)
    request_deny(
        request=privacy_request, actor=approver, template=DenialReasonTemplate.objects.get(code="fraud")
    )
    with time_machine.travel(timezone.now() + timedelta(days=46)):
        page = _open_status_page(client, privacy_request, outbox).content.decode()
        assert "Appeal the decision" not in page
        response = client.post(reverse("requests_app:appeal_new"), {"statement": "late"})
        assert "cannot be appealed" in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_request_that_was_not_denied_cannot_be_appealed():
    privacy_request = PrivacyRequestFactory(status=Status.COMPLETED, closed_at=timezone.now())
    with pytest.raises(RequestError, match="can no longer be appealed"):
        appeal_submit(request_id=privacy_request.pk, statement="")


def test_a_request_is_appealed_only_once(approver):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    request_deny(
        request=privacy_request, actor=approver, template=DenialReasonTemplate.objects.get(code="fraud")
    )
    appeal_submit(request_id=privacy_request.pk, statement="")
    with pytest.raises(RequestError, match="already been appealed"):
        appeal_submit(request_id=privacy_request.pk, statement="")


def test_the_appeal_page_needs_the_status_code_first(client):
    response = client.get(reverse("requests_app:appeal_new"))
    assert response["Location"] == reverse("requests_app:status_lookup")


def test_upholding_keeps_the_request_denied(
    approver, second_approver, outbox, django_capture_on_commit_callbacks
):
    from staff.appeals import appeal_decide

    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    request_deny(
        request=privacy_request, actor=approver, template=DenialReasonTemplate.objects.get(code="fraud")
    )
    appeal = appeal_submit(request_id=privacy_request.pk, statement="")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(appeal=appeal, actor=second_approver, decision="upheld", explanation="Checked again.")
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.DENIED
    assert PrivacyRequest.objects.count() == 1
    assert "we uphold our decision" in outbox[-1].body and "oag.ca.gov/privacy" in outbox[-1].body


@pytest.mark.parametrize(
    ("regime", "days", "ag_url", "absent"),
    [
        ("CO", 45, "coag.gov/file-complaint", "oag.ca.gov"),
        ("TX", 60, "texasattorneygeneral.gov", "oag.ca.gov"),
        ("OR", 45, "doj.state.or.us", "oag.ca.gov"),  # ORS 646A.576(6)(d): 45 days, not 60
        ("CA", 60, "oag.ca.gov/privacy", None),
    ],
)
def test_denial_and_appeal_e_mails_say_what_the_regime_requires(
    regime, days, ag_url, absent, approver, second_approver, outbox, django_capture_on_commit_callbacks
):
    from staff.appeals import appeal_decide

    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, regime=regime)
    with django_capture_on_commit_callbacks(execute=True):
        request_deny(
            request=privacy_request, actor=approver, template=DenialReasonTemplate.objects.get(code="fraud")
        )
    denial = outbox[-1].body
    assert "How to appeal" in denial and f"within {days} days" in denial
    assert (ag_url in denial) == (regime != "CA")  # California has no statutory appeal route to name
    appeal = appeal_submit(request_id=privacy_request.pk, statement="")
    from requests_app.deadlines import local_date

    assert (appeal.due_at - local_date(appeal.submitted_at)).days == days
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(appeal=appeal, actor=second_approver, decision="upheld", explanation="Checked again.")
    decision = outbox[-1].body
    assert ag_url in decision
    if absent:
        assert absent not in decision
