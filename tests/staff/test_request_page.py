"""A request's page: who sees what, guessing other requests' URLs, and the audit of every view."""

import pytest
from django.urls import reverse

from requests_app.models import RequestEvent, Status
from tests.factories import PrivacyRequestFactory

from .conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def privacy_request():
    return PrivacyRequestFactory(submission__email="maya.chen@example.com", submission__phone="+14155550101")


def _page(client, reference):
    return client.get(reverse("staff:request_detail", args=[reference]))


def test_an_analyst_sees_the_requester_and_the_view_is_recorded(analyst, privacy_request):
    response = _page(signed_in(analyst), privacy_request.reference)
    body = response.content.decode()
    assert response.status_code == 200
    assert "maya.chen@example.com" in body and "+14155550101" in body
    event = RequestEvent.objects.get(request=privacy_request, name="staff.request.viewed")
    assert event.actor == analyst and event.data == {"personal_data": True}


def test_a_viewer_sees_the_request_but_not_the_requester(viewer, privacy_request):
    body = _page(signed_in(viewer), privacy_request.reference).content.decode()
    assert privacy_request.reference in body
    assert "maya.chen@example.com" not in body and "Maya" not in body
    assert RequestEvent.objects.get(request=privacy_request, name="staff.request.viewed").data == {
        "personal_data": False
    }


def test_a_guessed_reference_is_404_for_staff(analyst_client):
    assert _page(analyst_client, "RN-2345-6789-ABCD").status_code == 404
    assert _page(analyst_client, "1").status_code == 404


def test_someone_without_a_role_gets_403_for_real_and_guessed_references_alike(no_role_user, privacy_request):
    client = signed_in(no_role_user)
    assert _page(client, privacy_request.reference).status_code == 403
    assert _page(client, "RN-2345-6789-ABCD").status_code == 403
    assert not RequestEvent.objects.filter(name="staff.request.viewed").exists()


def test_a_stranger_is_sent_to_the_login_without_anything_recorded(client, privacy_request):
    response = _page(client, privacy_request.reference)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert not RequestEvent.objects.filter(name="staff.request.viewed").exists()


def test_a_reference_typed_in_lower_case_opens_the_same_request(analyst_client, privacy_request):
    assert _page(analyst_client, privacy_request.reference.lower()).status_code == 200


def test_an_action_on_a_guessed_reference_is_404_and_changes_nothing(approver_client):
    response = approver_client.post(
        reverse("staff:request_action", args=["RN-2345-6789-ABCD", "note"]), {"text": "x", "confirm": "on"}
    )
    assert response.status_code == 404
    assert not RequestEvent.objects.exists()


def test_an_unknown_action_is_404(approver_client, privacy_request):
    response = approver_client.post(
        reverse("staff:request_action", args=[privacy_request.reference, "delete-everything"]),
        {"confirm": "on"},
    )
    assert response.status_code == 404


def test_the_timeline_shows_the_events_with_their_actor(approver, approver_client, privacy_request):
    approver_client.post(
        reverse("staff:request_action", args=[privacy_request.reference, "note"]),
        {"text": "Spoke to the requester by phone.", "confirm": "on"},
    )
    body = _page(approver_client, privacy_request.reference).content.decode()
    assert "request note" in body and "Spoke to the requester by phone." in body
    assert f"staff:{approver.username}" in body


# --- Issue 15, item 9 --------------------------------------------------------------------------------


AGENT_FIELDS = {
    "agent_name": "Dana Agent",
    "agent_email": "dana@agents.example",
    "document_type": "permission",
}


def test_agent_requests_are_labelled_in_the_queue(approver_client):
    from requests_app.models import AgentAuthorization

    by_agent = PrivacyRequestFactory(status=Status.IN_REVIEW)
    own = PrivacyRequestFactory(status=Status.IN_REVIEW)
    AgentAuthorization.objects.create(submission=by_agent.submission, **AGENT_FIELDS)
    client = approver_client

    rows = client.get(reverse("staff:queue")).content.decode().split("<tr")
    [agent_row] = [r for r in rows if by_agent.reference in r]
    [own_row] = [r for r in rows if own.reference in r]
    assert "By an agent" in agent_row and "By an agent" not in own_row


def test_request_viewed_events_are_folded_in_the_timeline(approver_client):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    for _ in range(4):
        RequestEvent.objects.create(request=privacy_request, name="staff.request.viewed", actor_label="ana")
    RequestEvent.objects.create(request=privacy_request, name="requests.request.assigned")
    RequestEvent.objects.create(request=privacy_request, name="staff.request.viewed", actor_label="bo")
    client = approver_client

    page = client.get(reverse("staff:request_detail", args=[privacy_request.reference])).content.decode()
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    # 4 earlier views, the page's own view and bo's: two runs around the assignment.
    assert timeline.count("<li>") == 3
    assert "4 times, by ana" in timeline


def test_the_tick_box_is_only_on_irreversible_actions(approver_client):
    access = PrivacyRequestFactory(status=Status.IN_REVIEW, kind="access_specific")
    deletion = PrivacyRequestFactory(status=Status.IN_REVIEW, kind="delete")
    client = approver_client

    access_page = client.get(reverse("staff:request_detail", args=[access.reference])).content.decode()
    deletion_page = client.get(reverse("staff:request_detail", args=[deletion.reference])).content.decode()
    assert access_page.count('name="confirm"') == 1  # deny only
    assert deletion_page.count('name="confirm"') == 2  # approve (a deletion) and deny
    assert "This cannot be undone: tick the box to confirm." in deletion_page
    assert 'name="confirm" required' not in deletion_page  # a visible message, not a browser tooltip
    response = client.post(
        reverse("staff:request_action", args=[access.reference, "approve"]), {"reason": ""}, follow=True
    )
    assert "Tick the box" not in response.content.decode(), [str(m) for m in response.context["messages"]]
