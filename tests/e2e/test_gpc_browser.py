import pytest
from playwright.sync_api import Browser, Page, expect

from requests_app.models import Kind, PrivacyRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HONORED = "Opt-out request honored"


def test_a_browser_sending_global_privacy_control_sees_the_opt_out_honored(browser: Browser, live_server):
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        expect(page.get_by_role("status").filter(has_text=HONORED)).to_be_visible()
        page.get_by_role("link", name="Check a request").click()
        expect(page.get_by_text(HONORED)).to_be_visible()  # every page, not just the first

        cookies = {c["name"]: c["value"] for c in context.cookies()}
        assert cookies["gpc_opt_out"] == "1"

        # No e-mail needed: the browser itself is opted out, and nothing about the person is stored.
        page.goto(f"{live_server.url}/do-not-sell/")
        page.get_by_role("button", name="Opt me out").click()
        expect(page.get_by_text("we have opted this browser out")).to_be_visible()
        # The heading agrees with the text: done, not "on its way" (issue 15, item 11).
        expect(page.get_by_role("heading", level=1)).to_have_text("This browser is opted out")
        assert not PrivacyRequest.objects.exists()
    finally:
        context.close()


def test_a_browser_without_the_signal_sees_no_notice_and_opts_out_by_email(page: Page, live_server):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text(HONORED)).to_have_count(0)

    page.get_by_role("link", name="Do Not Sell or Share My Personal Information").click()
    page.get_by_role("button", name="Opt me out").click()
    expect(page.get_by_text("Enter your e-mail address, so that we know")).to_be_visible()

    page.get_by_label("E-mail address").fill("maya.chen@example.com")
    page.get_by_role("button", name="Opt me out").click()
    expect(page.get_by_role("heading", name="Your opt-out is on its way")).to_be_visible()
    request = PrivacyRequest.objects.get()
    assert request.kind == Kind.OPT_OUT
    expect(page.get_by_text(request.reference)).to_be_visible()
