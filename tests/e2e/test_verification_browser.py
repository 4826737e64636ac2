import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from requests_app.models import PrivacyRequest, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code_for(address: str) -> str:
    message = [m for m in mail.outbox if m.to == [address] and "confirm your e-mail" in m.subject][-1]
    return re.search(r"^\s+(\d{6})\s*$", message.body, re.MULTILINE).group(1)


def test_demo_person_maya_chen_verifies_end_to_end(page: Page, live_server, settings):
    settings.AUTO_APPROVE_VERIFIED_KINDS = []
    call_command("seed_demo", "--consumers", "0", "--no-progress", stdout=io.StringIO())
    page.goto(f"{live_server.url}/requests/new/")
    page.get_by_label("Get a copy of the specific pieces of information (portable)").check()
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("E-mail address").fill("maya.chen@example.com")
    page.get_by_label("Phone").fill("(415) 555-0101")
    page.get_by_label("ZIP code").fill("94105")
    page.get_by_label("Member number").fill("RN00000001")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="We received your request")).to_be_visible()

    page.get_by_role("link", name="Confirm your identity").click()
    page.get_by_label("Code").fill(_code_for("maya.chen@example.com"))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Sign the declaration")).to_be_visible()
    page.get_by_label("Your full name").fill("Maya Chen")
    page.get_by_label("I sign this declaration under penalty of perjury").check()
    page.get_by_role("button", name="Sign and continue").click()

    expect(page.get_by_role("heading", name="Verification result")).to_be_visible()
    expect(page.get_by_text("Your identity is confirmed.")).to_be_visible()
    request = PrivacyRequest.objects.get()
    assert (request.status, request.kind, request.verification_level) == (
        Status.IN_REVIEW,
        "access_specific",
        "high",
    )
    assert request.consumer.member_number == "RN00000001"
    assert "?" not in page.url and "RN-" not in page.url
