import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from requests_app.models import RequestEvent, Status
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.mfa_support import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_signs_in_and_approves_a_request(page: Page, live_server):
    approver = User.objects.create_user(username="april", password="a long enough password")
    approver.groups.add(Group.objects.get(name="approver"))
    privacy_request = PrivacyRequestFactory(
        status=Status.IN_REVIEW,
        submission__email="maya.chen@example.com",
        consumer=ConsumerFactory(email="maya.chen@example.com"),
    )

    browser_sign_in(page, live_server.url, approver, "a long enough password")

    expect(page.get_by_role("heading", name="Requests")).to_be_visible()
    page.get_by_role("link", name=privacy_request.reference).click()
    expect(page.get_by_text("maya.chen@example.com")).to_be_visible()
    approve = page.locator("details.action", has_text="Approve request")
    # Approving an access request can be undone: no tick box (issue 15, item 9).
    expect(approve.get_by_label("I have checked this and confirm")).to_have_count(0)
    approve.get_by_role("button", name="Approve request").click()

    expect(page.get_by_text("Approved; fulfilment has started.")).to_be_visible()
    # Tasks run eagerly in the test server: the approval has started (and here finished) fulfilment.
    assert RequestEvent.objects.filter(request=privacy_request, name="requests.request.fulfilling").exists()
    assert (
        RequestEvent.objects.get(request=privacy_request, name="requests.request.approved").actor == approver
    )


def test_an_approver_accepts_an_agents_document_from_the_request_page(page: Page, live_server):
    from records.vault import vault_put
    from requests_app.agents import services as agents
    from requests_app.models import AgentAuthorization

    approver = User.objects.create_user(username="april", password="a long enough password")
    approver.groups.add(Group.objects.get(name="approver"))
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, consumer=ConsumerFactory())
    stored = vault_put(content=b"%PDF-1.7 permission", folder=agents.DOCUMENT_FOLDER)
    AgentAuthorization.objects.create(
        submission=privacy_request.submission,
        agent_name="Alex Rivera",
        agent_email="alex@agents.example",
        document_type=AgentAuthorization.DocumentType.POWER_OF_ATTORNEY,
        document_storage_name=stored.name,
        document_sha256=stored.sha256,
        document_size=stored.size,
        document_content_type="application/pdf",
        document_display_name="power-of-attorney.pdf",
        document_pages=2,
        document_removed=["JavaScript"],
    )

    browser_sign_in(page, live_server.url, approver, "a long enough password")
    row = page.locator("tr", has_text=privacy_request.reference)
    expect(row.get_by_text("By an agent")).to_be_visible()  # labelled in the queue (issue 15, item 9)
    page.goto(f"{live_server.url}/staff/requests/{privacy_request.reference}/")

    panel = page.locator("section", has=page.get_by_role("heading", name="Authorized agent"))
    expect(panel.get_by_text("Alex Rivera")).to_be_visible()
    expect(panel.get_by_text("2 pages")).to_be_visible()
    expect(panel.get_by_role("link", name="Download the document")).to_be_visible()
    accept = panel.locator("details.action", has_text="Accept document")
    accept.get_by_label("Note (optional)").fill("Notarised power of attorney.")
    expect(accept.get_by_label("I have checked this and confirm")).to_have_count(0)
    accept.get_by_role("button", name="Accept document").click()

    expect(page.get_by_text("The agent's document is accepted.")).to_be_visible()
    authorization = AgentAuthorization.objects.get()
    assert authorization.review == AgentAuthorization.Review.ACCEPTED
    assert authorization.reviewed_by == approver
    event = RequestEvent.objects.get(request=privacy_request, name="agents.document.accepted")
    assert event.actor == approver and event.reason == "Notarised power of attorney."
    expect(page.get_by_role("button", name="Accept document")).to_have_count(0)


def test_an_ambiguous_match_waits_for_staff_who_see_the_candidates_and_must_choose_a_fitting_reason(
    page: Page, live_server, settings
):
    import re

    from django.core import mail

    from requests_app.models import PrivacyRequest

    settings.AUTO_APPROVE_VERIFIED_KINDS = []
    for email, number in [
        ("jordan.kim@example.com", "RN00000004"),
        ("jkim.family@example.com", "RN00000005"),
    ]:
        ConsumerFactory(
            first_name="Jordan", last_name="Kim", email=email, phone="+14155550104", member_number=number
        )
    page.goto(f"{live_server.url}/requests/new/")
    page.get_by_label("Know what categories of information we hold").check()
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Kim")
    page.get_by_label("E-mail address").fill("jordan.kim@example.com")
    page.get_by_label("Phone").fill("(415) 555-0104")
    page.get_by_role("button", name="Send request").click()
    page.get_by_role("link", name="Confirm your identity").click()
    message = [m for m in mail.outbox if "confirm your e-mail" in m.subject][-1]
    page.get_by_label("Code").fill(re.search(r"^\s+(\d{6})\s*$", message.body, re.MULTILINE).group(1))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Our privacy team will check your details")).to_be_visible()
    expect(page.get_by_text("identity is confirmed")).to_have_count(0)
    request = PrivacyRequest.objects.get()
    assert request.status == Status.IN_REVIEW and request.consumer is None

    approver = User.objects.create_user(username="april", password="a long enough password")
    approver.groups.add(Group.objects.get(name="approver"))
    browser_sign_in(page, live_server.url, approver, "a long enough password")
    page.goto(f"{live_server.url}/staff/requests/{request.reference}/")
    expect(page.get_by_role("heading", name="Candidate records")).to_be_visible()
    expect(page.get_by_role("cell", name="e-mail, phone, name")).to_be_visible()
    expect(page.get_by_role("cell", name="phone, name", exact=True)).to_be_visible()

    deny = page.locator("details.action", has_text="Deny request")
    deny.locator("summary").click()
    reason = deny.get_by_label("Reason")
    expect(reason).to_have_value("")
    expect(reason.locator("option", has_text="provide a service you asked for")).to_have_count(0)
    deny.get_by_label("I have checked this and confirm").check()
    deny.get_by_role("button", name="Deny request").click()
    # The browser refuses a denial without a chosen reason: nothing was sent.
    assert PrivacyRequest.objects.get().status == Status.IN_REVIEW

    # Without the tick: a message on the page, not a browser tooltip (issue 15, item 9).
    reason.select_option(label="We believe the request is fraudulent")
    expect(deny.get_by_text("This cannot be undone: tick the box to confirm.")).to_be_visible()
    deny.get_by_label("I have checked this and confirm").uncheck()
    deny.get_by_role("button", name="Deny request").click()
    expect(page.get_by_text("Tick the box to confirm.", exact=True)).to_be_visible()
    assert PrivacyRequest.objects.get().status == Status.IN_REVIEW

    deny.locator("summary").click()
    reason.select_option(label="We believe the request is fraudulent")
    deny.get_by_label("I have checked this and confirm").check()
    deny.get_by_role("button", name="Deny request").click()
    expect(page.get_by_text("Denied; the requester has been e-mailed")).to_be_visible()
    assert PrivacyRequest.objects.get().denial_reason == "fraud"
