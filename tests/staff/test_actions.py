"""Staff actions: deny with its e-mail, the one extension, assignment, notes, questions, re-runs."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from requests_app.exceptions import RequestError
from requests_app.models import Kind, RequestEvent, Status
from staff.models import DenialReasonTemplate
from staff.services import request_deny, request_extend, staff_request_approve
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.mfa_support import totp_code, totp_device_for

pytestmark = pytest.mark.django_db
CONFIRM = {"confirm": "on"}


def _post(client, privacy_request, action, data):
    return client.post(
        reverse("staff:request_action", args=[privacy_request.reference, action]),
        {**data, **CONFIRM},
        follow=True,
    )


def test_approving_moves_a_request_in_review_to_fulfilling_with_the_approver_recorded(
    approver, approver_client
):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, consumer=ConsumerFactory())
    _post(approver_client, privacy_request, "approve", {"reason": "Two points matched."})
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.FULFILLING
    approved = RequestEvent.objects.get(request=privacy_request, name="requests.request.approved")
    assert approved.actor == approver and approved.reason == "Two points matched."


def test_an_access_request_with_no_matched_consumer_cannot_be_approved(approver_client):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    response = _post(approver_client, privacy_request, "approve", {"reason": "Looks fine."})
    assert "Match this request to a consumer before approving it" in response.content.decode()
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW


def test_a_request_still_waiting_for_verification_cannot_be_approved(approver):
    privacy_request = PrivacyRequestFactory(status=Status.AWAITING_VERIFICATION)
    with pytest.raises(RequestError, match="Only a request in review"):
        staff_request_approve(request=privacy_request, actor=approver)


def test_a_denial_email_gives_reason_statute_appeal_route_and_the_opt_out(
    approver, approver_client, outbox, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(
        kind=Kind.DELETE, status=Status.IN_REVIEW, submission__email="maya.chen@example.com"
    )
    template = DenialReasonTemplate.objects.get(code="unverifiable")
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            approver_client,
            privacy_request,
            "deny",
            {"template": template.pk, "text": "The ZIP did not match."},
        )

    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.UNVERIFIABLE
    assert (privacy_request.outcome, privacy_request.denial_reason) == ("denied", "unverifiable")
    [message] = outbox
    assert message.to == ["maya.chen@example.com"]
    body = message.body
    assert body.startswith("Hello Maya,")  # greeted by name (issue 15, item 11)
    assert "Hello Maya," in message.alternatives[0][0]
    assert "We could not verify your identity" in body
    assert "§7062" in body
    assert "The ZIP did not match." in body
    assert "How to appeal" in body and "/requests/status/" in body
    appeal_by = (timezone.localdate(privacy_request.closed_at) + timedelta(days=45)).strftime("%B %-d, %Y")
    assert appeal_by in body
    assert "/do-not-sell/" in body


def test_an_exception_denial_names_its_statute_and_is_recorded_as_the_denial_basis(
    approver, outbox, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.IN_REVIEW)
    template = DenialReasonTemplate.objects.get(code="legal_obligation")
    with django_capture_on_commit_callbacks(execute=True):
        request_deny(request=privacy_request, actor=approver, template=template)
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.DENIED
    assert privacy_request.denial_reason == "exception:legal_obligation"
    assert "§1798.105(d)" in outbox[0].body


def test_a_too_many_requests_denial_does_not_offer_the_opt_out(
    approver, outbox, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        request_deny(
            request=privacy_request,
            actor=approver,
            template=DenialReasonTemplate.objects.get(code="too_many_requests"),
        )
    assert "do-not-sell" not in outbox[0].body


def test_the_denial_email_is_sent_once_even_if_its_task_runs_twice(
    approver, outbox, django_capture_on_commit_callbacks
):
    from staff.notify import requester_notify

    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        request_deny(
            request=privacy_request, actor=approver, template=DenialReasonTemplate.objects.get(code="fraud")
        )
    denied = RequestEvent.objects.get(request=privacy_request, name="requests.request.denied")
    assert requester_notify(event_id=denied.pk) is False
    assert len(outbox) == 1


def test_a_closed_request_cannot_be_denied_again(approver):
    privacy_request = PrivacyRequestFactory(status=Status.COMPLETED)
    with pytest.raises(RequestError, match="closed"):
        request_deny(
            request=privacy_request, actor=approver, template=DenialReasonTemplate.objects.get(code="fraud")
        )


def test_extending_adds_45_days_once_and_sends_the_notice_with_the_reason(
    analyst, outbox, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(submission__email="maya.chen@example.com")
    original = privacy_request.due_at
    with django_capture_on_commit_callbacks(execute=True):
        request_extend(request=privacy_request, actor=analyst, reason="A partner system is being restored.")

    assert privacy_request.extended_due_at == original + timedelta(days=45)
    event = RequestEvent.objects.get(request=privacy_request, name="requests.request.extended")
    assert event.actor == analyst and event.data == {
        "from": original.isoformat(),
        "to": privacy_request.extended_due_at.isoformat(),
    }
    assert "A partner system is being restored." in outbox[0].body
    assert privacy_request.extended_due_at.strftime("%B %-d, %Y") in outbox[0].body
    with pytest.raises(RequestError, match="already extended"):
        request_extend(request=privacy_request, actor=analyst, reason="Again.")


def test_an_extension_after_the_original_due_date_is_refused(analyst):
    privacy_request = PrivacyRequestFactory()
    with pytest.raises(RequestError, match="has passed"):
        request_extend(
            request=privacy_request,
            actor=analyst,
            reason="Late.",
            today=privacy_request.due_at + timedelta(days=1),
        )
    request_extend(
        request=privacy_request, actor=analyst, reason="On the last day.", today=privacy_request.due_at
    )


def test_an_extension_needs_a_reason_and_is_not_for_opt_outs(analyst):
    with pytest.raises(RequestError, match="reason"):
        request_extend(request=PrivacyRequestFactory(), actor=analyst, reason="")
    with pytest.raises(RequestError, match="cannot be extended"):
        request_extend(request=PrivacyRequestFactory(kind=Kind.OPT_OUT), actor=analyst, reason="Busy.")


def test_assigning_and_noting_are_audited(analyst, approver, analyst_client):
    privacy_request = PrivacyRequestFactory()
    _post(analyst_client, privacy_request, "assign", {"assignee": approver.pk})
    _post(analyst_client, privacy_request, "note", {"text": "Waiting for the member number."})
    privacy_request.refresh_from_db()
    assert privacy_request.assignee == approver
    assigned = RequestEvent.objects.get(request=privacy_request, name="requests.request.assigned")
    assert assigned.data == {"assignee": approver.username} and assigned.actor == analyst
    assert RequestEvent.objects.get(request=privacy_request, name="staff.request.note").reason == (
        "Waiting for the member number."
    )


def test_asking_for_information_emails_the_question(
    analyst_client, outbox, django_capture_on_commit_callbacks
):
    privacy_request = PrivacyRequestFactory(submission__email="maya.chen@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        _post(analyst_client, privacy_request, "request-info", {"message": "Which location do you use?"})
    assert outbox[0].to == ["maya.chen@example.com"]
    assert "Which location do you use?" in outbox[0].body


class _RecordingTask:
    """Stands in for a kind's Celery task: fulfilment_enqueue finds it by import path."""

    name = "tests.recording_task"
    calls: list = []

    def apply_async(self, args, **kwargs):
        self.calls.append(args)


recording_task = _RecordingTask()


def test_rerunning_fulfilment_enqueues_the_kinds_task_again(
    approver_client, monkeypatch, django_capture_on_commit_callbacks
):
    from requests_app.fulfilment import FULFILMENT_TASKS

    calls = recording_task.calls = []
    from rakunest_privacy.celery import app

    monkeypatch.setitem(FULFILMENT_TASKS, Kind.KNOW_CATEGORIES, recording_task)
    monkeypatch.setitem(app.tasks, recording_task.name, recording_task)  # the outbox relay finds it by name
    privacy_request = PrivacyRequestFactory(status=Status.FULFILLING)
    with django_capture_on_commit_callbacks(execute=True):
        _post(approver_client, privacy_request, "rerun", {})
    assert calls == [[privacy_request.pk]]
    assert RequestEvent.objects.filter(
        request=privacy_request, name="staff.request.fulfilment_rerun"
    ).exists()


def test_a_rerun_of_a_kind_without_a_task_says_so(approver_client, monkeypatch):
    from requests_app.fulfilment import FULFILMENT_TASKS

    monkeypatch.delitem(FULFILMENT_TASKS, Kind.CORRECT)
    privacy_request = PrivacyRequestFactory(status=Status.FULFILLING, kind=Kind.CORRECT)
    response = _post(approver_client, privacy_request, "rerun", {})
    assert "No fulfilment task is registered" in response.content.decode()


def test_a_staff_session_ends_after_the_idle_timeout(analyst_client, settings):
    url = reverse("staff:queue")
    assert analyst_client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1)):
        response = analyst_client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert analyst_client.get(url).status_code == 302


def test_staff_sign_in_and_out(client, analyst):
    analyst.set_password("correct horse battery staple")
    analyst.save()
    device = totp_device_for(analyst)
    response = client.post(
        reverse("staff:login"), {"username": analyst.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302 and response["Location"] == f"{reverse('staff:mfa')}?next=%2Fstaff%2F"
    response = client.post(reverse("staff:mfa"), {"code": totp_code(device), "next": reverse("staff:queue")})
    assert response.status_code == 302 and response["Location"] == reverse("staff:queue")
    assert client.get(reverse("staff:queue")).status_code == 200
    client.post(reverse("staff:logout"))
    assert client.get(reverse("staff:queue")).status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, analyst):
    response = client.post(reverse("staff:login"), {"username": analyst.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


# --- The denial reason: chosen, never pre-selected, and fitting the kind (issue 15, item 1) ----------


def _deny_select(body: str) -> str:
    start = body.index('id="id_deny_template"')
    return body[start : body.index("</select>", start)]


def test_the_deny_form_preselects_no_reason_and_offers_only_reasons_that_fit_an_access_request(
    approver_client,
):
    privacy_request = PrivacyRequestFactory(kind=Kind.ACCESS_SPECIFIC, status=Status.IN_REVIEW)
    body = approver_client.get(reverse("staff:request_detail", args=[privacy_request.reference])).content
    select = _deny_select(body.decode())
    first_option = select.split("<option", 2)[1]
    assert first_option.startswith(' value="">Choose a reason')
    assert "selected" not in select
    assert "We could not verify your identity" in select
    assert "You have reached the number of requests allowed" in select
    assert "We need the information to provide a service you asked for" not in select
    assert "We must keep the information to comply with the law" not in select


def test_the_deny_form_of_a_deletion_offers_its_exceptions(approver_client):
    privacy_request = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.IN_REVIEW)
    body = approver_client.get(reverse("staff:request_detail", args=[privacy_request.reference])).content
    select = _deny_select(body.decode())
    assert "We need the information to provide a service you asked for" in select
    assert "You have reached the number of requests allowed" not in select  # a know/access limit


def test_a_denial_without_a_chosen_reason_is_refused_with_a_clear_message(approver_client):
    privacy_request = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.IN_REVIEW)
    response = _post(approver_client, privacy_request, "deny", {"template": "", "text": ""})
    assert "Choose the reason for the denial." in response.content.decode()
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW


def test_a_deletion_exception_is_refused_on_an_access_request(approver, approver_client, outbox):
    privacy_request = PrivacyRequestFactory(kind=Kind.KNOW_CATEGORIES, status=Status.IN_REVIEW)
    template = DenialReasonTemplate.objects.get(code="complete_transaction")
    response = _post(approver_client, privacy_request, "deny", {"template": template.pk})
    assert "does not apply to this kind of request" in response.content.decode()
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW and not outbox
    with pytest.raises(RequestError, match="does not apply to this kind of request"):
        request_deny(request=privacy_request, actor=approver, template=template)
