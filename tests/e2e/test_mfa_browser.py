import re
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group, User
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from staff.models import StaffEvent
from tests.mfa_support import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_enrols_an_authenticator_at_first_sign_in_and_is_asked_for_a_code_the_next_time(
    page: Page, live_server
):
    analyst = User.objects.create_user(username="ana", password="a long enough password")
    analyst.groups.add(Group.objects.get(name="analyst"))

    page.goto(f"{live_server.url}/staff/metrics/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill("000000" if f"{totp(b32decode(secret)):06d}" != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()

    page.wait_for_timeout(1100)  # django-otp's throttle after one wrong code
    page.get_by_label("Code").fill(f"{totp(b32decode(secret)):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("ul.recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    page.get_by_role("link", name="I have stored them: continue").click()
    expect(page.get_by_role("heading", name="Metrics")).to_be_visible()

    page.get_by_role("button", name="Sign out ana").click()
    browser_sign_in(page, live_server.url, analyst, "a long enough password", code=codes[0])
    expect(page.get_by_role("heading", name="Requests")).to_be_visible()
    assert StaffEvent.objects.filter(name="staff.mfa.verified", data__method="recovery_code").count() == 1
