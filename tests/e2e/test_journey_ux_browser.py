"""Issue 15, items 5, 6 and 8 walked in Chromium: next steps and the step indicator, the error summary,
the privacy-policy link, the reference's copy button, and the status page at 390 px."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from requests_app.models import PrivacyRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _last_code(address: str) -> str:
    message = [m for m in mail.outbox if m.to == [address]][-1]
    return re.search(r"^\s+(\d{6})\s*$", message.body, re.MULTILINE).group(1)


def _request_as_maya(page: Page, kind: str) -> None:
    """Send the request form open on `page` as the demo's Maya Chen, asking for `kind`."""
    page.get_by_label(kind).check()
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("E-mail address").fill("maya.chen@example.com")
    page.get_by_label("Phone").fill("(415) 555-0101")
    page.get_by_label("ZIP code").fill("94105")
    page.get_by_label("Member number").fill("RN00000001")
    page.get_by_role("button", name="Send request").click()


def _open_status(page: Page, reference: str) -> None:
    """On the status look-up page: Maya's reference and e-mail, then the code she is sent."""
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("E-mail address").fill("maya.chen@example.com")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(_last_code("maya.chen@example.com"))
    page.get_by_role("button", name="Open my request").click()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _small_tap_targets(page: Page) -> list[str]:
    """Links and buttons outside running text whose box is under 24 px in either direction."""
    return page.evaluate(
        """() => [...document.querySelectorAll('header a, footer a, nav a, button, .button')]
        .filter(e => e.offsetParent !== null)
        .filter(e => { const r = e.getBoundingClientRect(); return r.width < 24 || r.height < 24; })
        .map(e => e.textContent.trim())"""
    )


def test_the_error_summary_lists_and_links_the_fields(page: Page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/requests/new/")
    expect(page.get_by_text("Step 1 of 4: Your request")).to_be_visible()
    page.get_by_label("First name").fill("Maya")
    page.get_by_role("button", name="Send request").click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Please correct 3 problems")
    summary.get_by_role("link", name="Enter your last name.").click()
    expect(page.get_by_label("Last name")).to_be_focused()
    assert summary.get_by_role("link", name="Choose at least one request.").get_attribute("href") == "#kinds"
    assert not PrivacyRequest.objects.exists()


def test_a_deletion_says_what_comes_next_and_the_status_page_fits_a_phone(page: Page, live_server, settings):
    settings.AUTO_APPROVE_VERIFIED_KINDS = []
    call_command("seed_demo", "--consumers", "0", "--no-progress", stdout=io.StringIO())
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/requests/new/")
    _request_as_maya(page, "Delete my information")

    expect(page.get_by_role("heading", name="We received your request")).to_be_visible()
    expect(page.locator('[aria-current="step"]')).to_have_text("Step 2 of 4: Confirm your e-mail")
    expect(page.get_by_text("nothing is deleted until you confirm")).to_be_visible()
    reference = PrivacyRequest.objects.get().reference
    page.get_by_role("button", name=f"Copy reference {reference}").click()
    expect(page.locator(".copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == reference
    policy = page.get_by_role("link", name="Privacy policy")
    assert policy.first.get_attribute("href") == settings.PRIVACY_POLICY_URL
    _no_sideways_scroll(page)

    page.get_by_role("link", name="Confirm your identity").click()
    page.get_by_label("Code").fill(_last_code("maya.chen@example.com"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Step 3 of 4: We review")
    expect(page.get_by_text("e-mail you a second time to confirm the deletion")).to_be_visible()

    page.get_by_role("link", name="Check a request").first.click()
    _open_status(page, reference)

    expect(page.get_by_role("heading", name=re.compile("Your request"))).to_be_visible()
    _no_sideways_scroll(page)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 140  # brand above one row of links, not a ragged wrap
    # The reference stays on one line: its box is one line high.
    box = page.locator("td .reference").first.bounding_box()
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('td .reference')).lineHeight)")
    assert box["height"] <= line * 1.5
    assert _small_tap_targets(page) == []


def test_one_code_opens_the_status_and_the_report_download(page: Page, live_server):
    """Issue 15 item 7 in Chromium: the status code went to the address on record, so the report
    downloads without a second code, and the page says for how long."""
    call_command("seed_demo", "--consumers", "0", "--no-progress", stdout=io.StringIO())
    page.goto(f"{live_server.url}/requests/new/")
    _request_as_maya(page, "Know what categories of information we hold")
    reference = PrivacyRequest.objects.get().reference
    page.get_by_role("link", name="Confirm your identity").click()
    page.get_by_label("Code").fill(_last_code("maya.chen@example.com"))
    page.get_by_role("button", name="Confirm").click()
    assert PrivacyRequest.objects.get().status == "completed"  # eager fulfilment in the test settings

    page.goto(f"{live_server.url}/requests/status/")
    _open_status(page, reference)
    expect(
        page.get_by_text(re.compile(r"download and continue for the next \d+ minutes? without a new code"))
    ).to_be_visible()
    sent = len(mail.outbox)

    page.get_by_role("link", name="Download your report").click()
    expect(page.get_by_text(re.compile("Your downloads are open for the next"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Report (PDF)").click()
    assert download.value.suggested_filename == f"rakunest-report-{reference}.pdf"
    assert len(mail.outbox) == sent  # no download code was e-mailed
