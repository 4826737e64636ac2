"""Read endpoints: the list with the queue's filters and keyset pages, a request with its timeline
(personal data only for roles that may see it, and the view recorded), metrics per year."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app import deadlines
from requests_app.models import Kind, RequestEvent, Status
from requests_app.regimes import Regime
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db


def test_the_list_is_sorted_by_due_date_and_pages_by_cursor(api_user):
    _user, client = api_user("viewer")
    today = deadlines.local_date(timezone.now())
    made = [PrivacyRequestFactory(due_at=today + timedelta(days=d)) for d in (9, 3, 6, 1, 12)]
    first = client.get("/api/v1/requests/", {"page_size": 2}).json()
    second = client.get("/api/v1/requests/", {"page_size": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("/api/v1/requests/", {"page_size": 2, "cursor": second["next_cursor"]}).json()
    seen = [r["reference"] for page in (first, second, third) for r in page["results"]]
    expected = [r.reference for r in sorted(made, key=lambda r: r.due_at)]
    assert seen == expected
    assert third["next_cursor"] is None


def test_the_list_filters_by_status_kind_regime_due_dates_and_assignee(api_user):
    user, client = api_user("analyst")
    today = deadlines.local_date(timezone.now())
    wanted = PrivacyRequestFactory(
        kind=Kind.DELETE,
        status=Status.IN_REVIEW,
        regime=Regime.COLORADO,
        due_at=today + timedelta(days=5),
        assignee=user,
    )
    PrivacyRequestFactory(kind=Kind.DELETE, status=Status.IN_REVIEW, regime=Regime.CALIFORNIA)
    PrivacyRequestFactory(kind=Kind.KNOW_CATEGORIES, status=Status.IN_REVIEW, regime=Regime.COLORADO)
    PrivacyRequestFactory(
        kind=Kind.DELETE, status=Status.IN_REVIEW, regime=Regime.COLORADO, due_at=today + timedelta(days=40)
    )
    query = {
        "status": "in_review",
        "kind": "delete",
        "regime": "CO",
        "due_after": today.isoformat(),
        "due_before": (today + timedelta(days=10)).isoformat(),
        "assignee": "me",
    }
    body = client.get("/api/v1/requests/", query).json()
    assert [r["reference"] for r in body["results"]] == [wanted.reference]
    assert body["results"][0]["assignee"] == user.username
    assert "email" not in str(body) and "Maya" not in str(body)


def test_bad_filters_are_a_400_in_json(api_user):
    _user, client = api_user("viewer")
    for query in ({"status": "nope"}, {"cursor": "x"}, {"due_before": "tomorrow"}, {"page_size": 0}):
        response = client.get("/api/v1/requests/", query)
        assert response.status_code == 400, query
        assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(("role", "sees_personal"), [("viewer", False), ("analyst", True), ("admin", True)])
def test_the_requester_is_shown_only_to_roles_with_view_personal_data_and_the_view_is_recorded(
    api_user, role, sees_personal
):
    user, client = api_user(role)
    privacy_request = PrivacyRequestFactory(submission__email="maya.chen@example.com")
    response = client.get(f"/api/v1/requests/{privacy_request.reference}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["requester"] is not None) is sees_personal
    assert ("maya.chen@example.com" in response.content.decode()) is sees_personal
    viewed = RequestEvent.objects.get(request=privacy_request, name="staff.request.viewed")
    assert viewed.actor == user and viewed.data == {"personal_data": sees_personal}
    if sees_personal:
        assert body["requester"]["first_name"] == "Maya"


def test_the_detail_has_the_timeline_with_views_folded(api_user):
    _user, client = api_user("viewer")
    privacy_request = PrivacyRequestFactory()
    RequestEvent.objects.create(
        request=privacy_request, name="requests.request.received", to_status="received"
    )
    client.get(f"/api/v1/requests/{privacy_request.reference}/")
    body = client.get(f"/api/v1/requests/{privacy_request.reference.lower()}/").json()
    names = [e["name"] for e in body["timeline"]]
    assert names == ["requests.request.received", "staff.request.viewed"]
    assert body["timeline"][1]["repeated"] == 1


def test_an_unknown_or_malformed_reference_is_a_404_but_a_role_without_the_right_gets_403_first(
    api_client_for,
):
    viewer = api_client_for("viewer")
    assert viewer.get("/api/v1/requests/RN-2222-2222-2222/").status_code == 404
    assert viewer.get("/api/v1/requests/%00x/").status_code == 404
    norole = api_client_for("norole")
    assert norole.get("/api/v1/requests/RN-2222-2222-2222/").status_code == 403
    assert norole.get("/api/v1/requests/").status_code == 403


def test_metrics_per_year_by_kind_and_regime(api_user):
    _user, client = api_user("viewer")
    now = timezone.now()
    PrivacyRequestFactory(kind=Kind.DELETE, regime=Regime.VIRGINIA, received_at=now)
    body = client.get("/api/v1/metrics/", {"year": deadlines.local_date(now).year}).json()
    delete = next(r for r in body["by_kind"] if r["code"] == "delete")
    assert delete["received"] == 1 and body["total"]["received"] == 1
    assert [r["code"] for r in body["by_regime"]] == ["VA"]
    assert client.get("/api/v1/metrics/").status_code == 400
