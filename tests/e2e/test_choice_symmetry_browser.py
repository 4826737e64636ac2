"""Issue 14 part 3, Cal. Code Regs. tit. 11 §7004 (symmetry in choice, no dark patterns): on every choice
page both answers are buttons of the same rendered size and the same computed style, and "No" changes
nothing. Checked at a desktop and a phone width."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from records.models import Consumer
from requests_app.models import DeletionCase, Kind, PrivacyRequest
from tests.e2e.a11y_support import Tour, open_status, request_as_maya
from tests.requests_app.flow_helpers import MAYA, code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
STYLE = [
    "display",
    "background-color",
    "color",
    "font-family",
    "font-size",
    "font-weight",
    "text-decoration-line",
    "border-top-width",
    "border-top-style",
    "border-top-color",
    "border-bottom-width",
    "border-left-width",
    "border-right-width",
    "border-radius",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
]


def _assert_equal_weight(page: Page, yes: Locator, no: Locator) -> None:
    for size in WIDTHS:
        page.set_viewport_size(size)
        expect(yes).to_be_visible()
        expect(no).to_be_visible()
        assert yes.evaluate("e => [e.tagName, e.className]") == no.evaluate("e => [e.tagName, e.className]")
        a, b = yes.bounding_box(), no.bounding_box()
        assert abs(a["width"] - b["width"]) <= 2 and abs(a["height"] - b["height"]) <= 2, (size, a, b)
        style = "(e, names) => names.map(n => n + ': ' + getComputedStyle(e).getPropertyValue(n))"
        assert yes.evaluate(style, STYLE) == no.evaluate(style, STYLE)


def _maya_verified(tour: Tour, kind: str) -> PrivacyRequest:
    """Maya asks for `kind` and proves the e-mailed code."""
    request_as_maya(tour, kind)
    tour.page.locator("main a[href='/requests/verify/']").click()
    tour.fill(code=code_sent_to(mail.outbox, MAYA["email"]))
    tour.submit(what="verified")
    return PrivacyRequest.objects.get(kind=kind)


def test_opting_out_offers_an_equal_no_that_changes_nothing(page: Page, live_server):
    page.goto(f"{live_server.url}/do-not-sell/")
    yes = page.get_by_role("button", name="Opt me out")
    no = page.get_by_role("button", name="No, keep my choice as it is")
    _assert_equal_weight(page, yes, no)

    page.get_by_label("E-mail address").fill("maya.chen@example.com")
    no.click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_have_text("Nothing was changed: we did not opt you out.")
    assert not PrivacyRequest.objects.exists()


def test_the_deletion_and_opt_in_choices_give_both_answers_equal_weight(page: Page, live_server, settings):
    settings.AUTO_APPROVE_VERIFIED_KINDS = [Kind.DELETE]
    call_command("seed_demo", "--consumers", "0", "--no-progress", stdout=io.StringIO())
    tour = Tour(page, live_server.url)
    deletion = _maya_verified(tour, Kind.DELETE)
    assert deletion.deletion_case.state == DeletionCase.State.AWAITING_CONFIRMATION  # approved at once here
    open_status(tour, deletion.reference)

    # The status page: confirm or cancel the deletion.
    section = page.locator(".deletion-status")
    _assert_equal_weight(
        page,
        section.get_by_role("button", name=re.compile("^Yes, delete my information")),
        section.get_by_role("button", name="Cancel the deletion"),
    )

    # The confirmation page, without a code (this session opened the status page) and with one.
    page.goto(f"{live_server.url}/requests/delete/confirm/")
    now, with_code = page.locator("main form").nth(0), page.locator("main form").nth(1)
    _assert_equal_weight(
        page,
        now.get_by_role("button", name=f"Yes, delete my information ({deletion.reference})"),
        now.get_by_role("button", name="No, do not delete"),
    )
    _assert_equal_weight(
        page,
        with_code.get_by_role("button", name="Yes, delete my information"),
        with_code.get_by_role("button", name="No, do not delete"),
    )
    now.get_by_role("button", name="No, do not delete").click()
    expect(page).to_have_url(f"{live_server.url}/requests/status/view/")
    expect(page.locator("main [role=status]").first).to_contain_text("Nothing was deleted.")
    deletion.deletion_case.refresh_from_db()
    assert deletion.deletion_case.state == DeletionCase.State.AWAITING_CONFIRMATION

    # Opting back in to partner sharing.
    page.goto(f"{live_server.url}/do-not-sell/opt-in/")
    yes = page.get_by_role("button", name="Confirm opt-in")
    no = page.get_by_role("button", name="No, keep me opted out")
    _assert_equal_weight(page, yes, no)
    page.get_by_label(re.compile("I want RakuNest to sell and share")).check()
    no.click()
    expect(page).to_have_url(f"{live_server.url}/requests/status/view/")
    expect(page.locator("main [role=status]").first).to_have_text("Nothing was changed: you stay opted out.")
    assert not Consumer.objects.get(email=MAYA["email"]).sale_opt_ins.exists()


def test_signing_the_declaration_and_going_on_without_it_weigh_the_same(page: Page, live_server):
    call_command("seed_demo", "--consumers", "0", "--no-progress", stdout=io.StringIO())
    tour = Tour(page, live_server.url)
    _maya_verified(tour, Kind.ACCESS_SPECIFIC)
    expect(page).to_have_url(re.compile("/requests/verify/next/$"))
    _assert_equal_weight(
        page,
        page.get_by_role("button", name="Sign and continue"),
        page.get_by_role("button", name="Continue without signing"),
    )
