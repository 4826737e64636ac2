"""Issue 14 part 2: axe-core (WCAG 2.0/2.1/2.2 A and AA) on every public and staff page, each form also
with its errors shown, in every language of settings.LANGUAGES (asked for by Accept-Language, as a browser
does). A serious or critical violation fails the test, which prints its rule, elements and help URL.

The tour fills forms by field name, never by visible text, so that it walks the same way in any language.
"""

import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Browser, Page

from records.models import System
from requests_app.models import CorrectionCase, Kind, PrivacyRequest
from tests.e2e.a11y_support import AXE_PAGES, AXE_SOURCE, Tour, axe_failures, open_status, request_as_maya
from tests.factories import staff_member
from tests.mfa_support import totp_code, totp_device_for
from tests.requests_app.flow_helpers import MAYA, code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "frontdesk@rakunest.example"
AGENT = "alex@agents.example"
PASSWORD = "a long enough password"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _agent_code(address: str) -> str:
    message = [m for m in mail.outbox if m.to == [address]][-1]
    return re.search(r":\s+(\d{6})\s*$", message.body, re.MULTILINE).group(
        1
    )  # "Code:   123456", any language


def _consumer_pages(tour: Tour) -> None:
    page = tour.page
    tour.go("/")
    # A request that verifies at once, with a declaration, and goes to a manual system's owner.
    request_as_maya(tour, Kind.ACCESS_SPECIFIC, Kind.DELETE, Kind.CORRECT)
    submission = PrivacyRequest.objects.filter(kind=Kind.DELETE).latest("pk").submission
    requests = {r.kind: r for r in submission.requests.all()}
    page.locator("main a[href='/requests/verify/']").click()
    tour.check("code only")
    tour.fill(code="000000")
    tour.submit(what="wrong code")
    tour.fill(code=code_sent_to(mail.outbox, MAYA["email"]))
    tour.submit(what="declaration")
    tour.submit(what="declaration with its errors")
    tour.fill(signed_name="Maya Chen")
    page.locator("main [name=accept]").check()
    tour.submit(what="outcome")

    # The manual system's owner answers (the access request waits for them).
    owner_mail = next(m for m in mail.outbox if m.to == [OWNER])
    owner_link = "/systems/owner/" + owner_mail.body.split("/systems/owner/")[1].split("/")[0] + "/"
    tour.go(owner_link, "export task")
    tour.submit(what="upload without a file")
    page.locator("main form:has(input[name=action][value=nothing]) button").click()
    tour.check("answered")

    open_status(tour, requests[Kind.DELETE].reference)
    tour.go("/requests/status/report/", "report ready")
    tour.go("/requests/status/appeal/", "not appealable")  # its form (one optional field) is for denials
    tour.go("/do-not-sell/opt-in/")
    tour.submit()

    correction = requests[Kind.CORRECT]
    tour.go(f"/requests/correct/{correction.reference}/")
    tour.submit()
    page.locator("main input[type=text][name^=dp_]").first.fill("Maya Chen-Lee")
    tour.submit(what="sent")
    tour.go(f"/requests/correct/{correction.reference}/contact/")
    tour.submit()
    # A denied correction of health information lets the requester add a statement (Regs §7023(f)).
    CorrectionCase.objects.filter(request=correction).update(
        state=CorrectionCase.State.DENIED, health_statement_allowed=True
    )
    tour.go(f"/requests/correct/{correction.reference}/statement/")
    tour.fill(text="word " * 300)
    tour.submit()

    # The deletion: a new code, the confirmation page with and without its code, then cancel.
    tour.go("/requests/status/view/")
    page.locator("main form[action='/requests/delete/resend/'] button").click()
    tour.check("new code sent")
    tour.go("/requests/delete/confirm/", "confirm without a code")
    tour.submit("main form:not([action])")
    tour.fill(reference=requests[Kind.DELETE].reference, code=code_sent_to(mail.outbox, MAYA["email"]))
    tour.submit("main form:not([action])", what="confirmed")
    tour.submit(what="cancelled")

    # Opt-out by e-mail.
    tour.go("/do-not-sell/")
    tour.submit()
    tour.fill(email=MAYA["email"])
    tour.submit(what="done")
    # The verification page of someone without a fresh submission: reference, e-mail and code.
    tour.page.context.clear_cookies()
    tour.go("/requests/verify/", "with reference")
    tour.submit()


def _agent_pages(tour: Tour) -> None:
    page = tour.page
    tour.go("/requests/agent/")
    tour.submit()
    page.locator(f"main input[name=kinds][value={Kind.KNOW_CATEGORIES}]").check()
    tour.fill(
        first_name="Maya",
        last_name="Chen",
        email=MAYA["email"],
        member_number="RN00000001",
        zip_code="94105",
        agent_name="Alex Rivera",
        agent_email=AGENT,
    )
    page.locator("main input[name=document_type][value=permission]").check()
    page.locator("main input[name=document]").set_input_files(
        files=[{"name": "permission.png", "mimeType": "image/png", "buffer": PNG}]
    )
    tour.submit(what="sent")
    reference = (
        PrivacyRequest.objects.filter(submission__agent_authorization__isnull=False).latest("pk").reference
    )

    tour.go("/requests/confirm/new-code/")
    tour.submit()
    tour.go("/requests/confirm/")
    tour.submit()
    tour.fill(reference=reference, code=_agent_code(MAYA["email"]))
    tour.submit(what="answer")
    tour.submit(what="answer with its errors")
    page.locator("main input[name=gave_permission][value=yes]").check()
    page.locator("main input[name=agent_may_receive][value=no]").check()
    tour.fill(date_of_birth="1990-04-02")
    tour.submit(what="done")

    open_status(tour, reference, AGENT, path="/requests/agent/status/")


def _staff_pages(tour: Tour) -> None:
    page = tour.page
    approver = staff_member("april", "approver", password=PASSWORD)
    device = totp_device_for(approver)  # enrolled: asked for a code
    tour.go("/staff/login/")
    tour.fill(username="april", password="not the password")
    tour.submit()
    tour.fill(username="april", password=PASSWORD)
    tour.submit(what="second factor")
    tour.submit(what="second factor with its errors")
    page.wait_for_timeout(1100)  # django-otp's throttle after a wrong code
    tour.fill(code=totp_code(device))
    tour.submit(what="queue")
    assert tour.seen >= {"staff:mfa", "staff:queue"}, page.url
    tour.go("/staff/requests/")
    tour.go(f"/staff/requests/{PrivacyRequest.objects.filter(kind=Kind.DELETE).latest('pk').reference}/")
    tour.go("/staff/appeals/")
    tour.go("/staff/metrics/")
    tour.go("/staff/mfa/recovery-codes/")
    tour.submit()
    page.locator("header form button, form[action='/staff/logout/'] button").first.click()

    admin = staff_member("adam", "admin", password=PASSWORD)  # the API-token page is the admins'
    admin_device = totp_device_for(admin)
    tour.go("/staff/login/")
    tour.fill(username="adam", password=PASSWORD)
    tour.submit(what="second factor")
    tour.fill(code=totp_code(admin_device))
    tour.submit(what="queue")
    tour.go("/staff/api-tokens/")  # its create form sits in a closed <details>: the page as it opens
    page.locator("header form button, form[action='/staff/logout/'] button").first.click()

    staff_member("ana", "analyst", password=PASSWORD)  # no authenticator yet: enrols at first sign-in
    tour.go("/staff/login/")
    tour.fill(username="ana", password=PASSWORD)
    tour.submit(what="enrolment")
    tour.submit(what="enrolment with its errors")


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_page_has_no_serious_accessibility_violation(browser: Browser, live_server, settings, language):
    if not AXE_SOURCE.exists():
        pytest.skip("axe-core is not installed (scripts/ensure-axe.sh installs it)")
    settings.AUTO_APPROVE_VERIFIED_KINDS = [Kind.ACCESS_SPECIFIC, Kind.DELETE, Kind.CORRECT]
    call_command("seed_demo", "--consumers", "0", "--no-progress", stdout=io.StringIO())
    System.objects.create(
        code="front_desk_visitor_log",
        name="Visitor log",
        connector=System.Connector.MANUAL,
        owner_email=OWNER,
        description="The front desk's paper visitor log.",
        retention="A year.",
        position=90,
    )
    context = browser.new_context(extra_http_headers={"Accept-Language": language})
    try:
        tour = Tour(context.new_page(), live_server.url)
        _consumer_pages(tour)
        _agent_pages(tour)
        _staff_pages(tour)
    finally:
        context.close()
    assert tour.failures == [], "\n".join(tour.failures)
    assert tour.seen >= AXE_PAGES, f"listed in AXE_PAGES but not visited: {AXE_PAGES - tour.seen}"


def test_the_check_reports_a_serious_violation_with_its_rule_element_and_help(page: Page):
    if not AXE_SOURCE.exists():
        pytest.skip("axe-core is not installed (scripts/ensure-axe.sh installs it)")
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>Form</h1>'
        '<input type="text" id="nameless"><p style="color:#ccc;background:#fff">faint</p></main></body></html>'
    )
    failures = axe_failures(page)
    assert any(f.startswith("label (critical): #nameless — https://dequeuniversity.com/") for f in failures)
    assert any(f.startswith("color-contrast (serious)") for f in failures)
