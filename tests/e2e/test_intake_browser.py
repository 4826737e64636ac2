import pytest
from playwright.sync_api import Page, expect

from requests_app.models import PrivacyRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_consumer_fills_the_form_and_sees_the_confirmation(page: Page, live_server):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Make a request").first.click()
    page.get_by_label("Know what categories of information we hold").check()
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("E-mail address").fill("maya.chen@example.com")
    page.get_by_label("ZIP code").fill("94105")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", name="We received your request")).to_be_visible()
    reference = PrivacyRequest.objects.get().reference
    expect(page.get_by_text(reference)).to_be_visible()


def test_a_mistake_shows_the_message_next_to_the_field(page: Page, live_server):
    page.goto(f"{live_server.url}/requests/new/")
    page.get_by_label("First name").fill("Maya")
    page.get_by_role("button", name="Send request").click()

    expect(page.locator("#err_kinds")).to_have_text("Choose at least one request.")
    expect(page.locator("#err_last_name")).to_have_text("Enter your last name.")
    expect(page.get_by_label("First name")).to_have_value("Maya")
    assert not PrivacyRequest.objects.exists()
