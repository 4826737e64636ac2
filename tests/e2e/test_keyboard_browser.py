"""Issue 14 part 2: the request form and the verification step done with the keyboard alone (Tab, Shift+Tab,
Space, Enter), with a visible focus at every stop and an error summary whose links move focus to the fields."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from requests_app.models import Kind, PrivacyRequest, Status, VerificationState
from tests.requests_app.flow_helpers import MAYA, code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The focused element shows where it is: an outline or a box shadow (WCAG 2.4.7).
FOCUS_SHOWN = """() => { const e = document.activeElement, s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  return [e.outerHTML.slice(0, 80), outline || s.boxShadow !== 'none']; }"""


def _tab_to(page: Page, selector: str, *, back: bool = False, limit: int = 80) -> None:
    """Press Tab (Shift+Tab when `back`) until `selector` has the focus, checking the focus is visible at
    every element it passes."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        element, shown = page.evaluate(FOCUS_SHOWN)
        assert shown, f"no visible focus on {element}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with the keyboard")


def _enter_to_next_page(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement.id")


def test_a_request_and_its_verification_with_the_keyboard_alone(page: Page, live_server):
    call_command("seed_demo", "--consumers", "0", "--no-progress", stdout=io.StringIO())
    page.goto(f"{live_server.url}/requests/new/")

    _tab_to(page, "#id_first_name")
    _enter_to_next_page(page)  # sent empty: the error summary lists every problem
    expect(page.locator(".error-summary")).to_be_visible()

    _tab_to(page, ".error-summary a[href='#id_last_name']")
    page.keyboard.press("Enter")
    assert _focused_id(page) == "id_last_name"
    page.keyboard.type("Chen")
    page.keyboard.press("Shift+Tab")
    assert _focused_id(page) == "id_first_name"
    page.keyboard.type("Maya")

    _tab_to(page, ".error-summary a[href='#kinds']", back=True)
    page.keyboard.press("Enter")
    assert _focused_id(page) == "kinds"  # the group of choices; the next Tab is its first box
    _tab_to(page, f"input[name=kinds][value={Kind.KNOW_CATEGORIES}]")
    page.keyboard.press("Space")
    expect(page.locator(f"input[name=kinds][value={Kind.KNOW_CATEGORIES}]")).to_be_checked()

    for field, value in [
        ("#id_email", MAYA["email"]),
        ("#id_phone", "(415) 555-0101"),
        ("#id_member_number", "RN00000001"),
        ("#id_zip_code", "94105"),
    ]:
        _tab_to(page, field)
        page.keyboard.type(value)
    _enter_to_next_page(page)

    expect(page).to_have_url(f"{live_server.url}/requests/submitted/")
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.submission.first_name, request.submission.last_name) == (
        Kind.KNOW_CATEGORIES,
        "Maya",
        "Chen",
    )

    _tab_to(page, "main a[href='/requests/verify/']")
    _enter_to_next_page(page)
    _tab_to(page, "#id_code")
    page.keyboard.type(code_sent_to(mail.outbox, MAYA["email"]))
    _enter_to_next_page(page)

    expect(page).to_have_url(f"{live_server.url}/requests/verify/next/")
    request.refresh_from_db()
    assert request.status not in (Status.AWAITING_VERIFICATION, Status.RECEIVED)
    assert request.submission.verification.step == VerificationState.Step.DONE
