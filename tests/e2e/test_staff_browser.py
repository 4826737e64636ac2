import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from requests_app.models import RequestEvent, Status
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_signs_in_and_approves_a_request(page: Page, live_server):
    approver = User.objects.create_user(username="april", password="a long enough password")
    approver.groups.add(Group.objects.get(name="approver"))
    privacy_request = PrivacyRequestFactory(
        status=Status.IN_REVIEW,
        submission__email="maya.chen@example.com",
        consumer=ConsumerFactory(email="maya.chen@example.com"),
    )

    page.goto(f"{live_server.url}/staff/")
    page.get_by_label("Username").fill("april")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Requests")).to_be_visible()
    page.get_by_role("link", name=privacy_request.reference).click()
    expect(page.get_by_text("maya.chen@example.com")).to_be_visible()
    approve = page.locator("details.action", has_text="Approve request")
    approve.get_by_label("I have checked this and confirm").check()
    approve.get_by_role("button", name="Approve request").click()

    expect(page.get_by_text("Approved; fulfilment has started.")).to_be_visible()
    # Tasks run eagerly in the test server: the approval has started (and here finished) fulfilment.
    assert RequestEvent.objects.filter(request=privacy_request, name="requests.request.fulfilling").exists()
    assert (
        RequestEvent.objects.get(request=privacy_request, name="requests.request.approved").actor == approver
    )
