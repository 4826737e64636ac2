"""Actions through the API change a request exactly as the staff page does: the same services, the same
events and e-mails; refusals are JSON 400/409 with a readable message."""

import pytest

from requests_app.models import Kind, RequestEvent, Status
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = pytest.mark.django_db


def _post(client, privacy_request, action, data):
    return client.post(f"/api/v1/requests/{privacy_request.reference}/{action}", data, format="json")


def test_approving_moves_a_request_in_review_to_fulfilling_with_the_approver_recorded(api_user):
    approver, client = api_user("approver")
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, consumer=ConsumerFactory())
    response = _post(client, privacy_request, "approve", {"reason": "Two points matched."})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.FULFILLING
    approved = RequestEvent.objects.get(request=privacy_request, name="requests.request.approved")
    assert approved.actor == approver and approved.reason == "Two points matched."


def test_approving_a_request_not_in_review_is_a_409_with_the_services_message(api_user):
    _approver, client = api_user("approver")
    privacy_request = PrivacyRequestFactory(status=Status.AWAITING_VERIFICATION)
    response = _post(client, privacy_request, "approve", {})
    assert response.status_code == 409
    assert response.json()["code"] == "not_in_review"
    assert "Only a request in review can be approved" in response.json()["detail"]


def test_denying_sends_the_same_email_and_records_the_template(
    api_user, outbox, django_capture_on_commit_callbacks
):
    approver, client = api_user("approver")
    privacy_request = PrivacyRequestFactory(
        kind=Kind.DELETE, status=Status.IN_REVIEW, submission__email="maya.chen@example.com"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, privacy_request, "deny", {"reason": "legal_obligation", "text": "Invoices."})
    assert response.status_code == 200, response.json()
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.DENIED
    assert privacy_request.denial_reason == "exception:legal_obligation"
    denied = RequestEvent.objects.get(request=privacy_request, name="requests.request.denied")
    assert denied.actor == approver and denied.data == {"template": "legal_obligation"}
    [message] = outbox
    assert message.to == ["maya.chen@example.com"] and "§1798.105(d)" in message.body


def test_a_deletion_exception_is_no_reason_to_deny_access_and_is_a_400(api_user):
    _approver, client = api_user("approver")
    privacy_request = PrivacyRequestFactory(kind=Kind.KNOW_CATEGORIES, status=Status.IN_REVIEW)
    response = _post(client, privacy_request, "deny", {"reason": "legal_obligation"})
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW


def test_extending_once_then_a_second_time_is_refused(api_user, outbox, django_capture_on_commit_callbacks):
    _analyst, client = api_user("analyst")
    privacy_request = PrivacyRequestFactory(submission__email="maya.chen@example.com")
    original = privacy_request.due_at
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, privacy_request, "extend", {"reason": "A partner system is being restored."})
    assert response.status_code == 200, response.json()
    privacy_request.refresh_from_db()
    assert (privacy_request.extended_due_at - original).days == 45
    assert "A partner system is being restored." in outbox[0].body
    again = _post(client, privacy_request, "extend", {"reason": "Again."})
    assert again.status_code == 409 and again.json()["detail"]


def test_assigning_and_unassigning_write_the_assignment_events(api_user):
    analyst, client = api_user("analyst")
    privacy_request = PrivacyRequestFactory()
    assert _post(client, privacy_request, "assign", {"assignee": analyst.username}).json()["assignee"] == (
        analyst.username
    )
    assert _post(client, privacy_request, "assign", {"assignee": None}).json()["assignee"] is None
    events = RequestEvent.objects.filter(request=privacy_request, name="requests.request.assigned")
    assert [e.data["assignee"] for e in events.order_by("pk")] == [analyst.username, ""]


def test_a_viewer_cannot_be_made_an_assignee(api_user):
    _analyst, client = api_user("analyst")
    viewer, _viewer_client = api_user("viewer")
    response = _post(client, PrivacyRequestFactory(), "assign", {"assignee": viewer.username})
    assert response.status_code == 400


def test_a_note_lands_on_the_timeline(api_user):
    analyst, client = api_user("analyst")
    privacy_request = PrivacyRequestFactory()
    response = _post(client, privacy_request, "notes", {"text": "Called the requester."})
    assert response.status_code == 201
    note = RequestEvent.objects.get(request=privacy_request, name="staff.request.note")
    assert note.actor == analyst and note.reason == "Called the requester."
    assert _post(client, privacy_request, "notes", {"text": "   "}).status_code == 400
