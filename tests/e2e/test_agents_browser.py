"""The whole authorized-agent journey in Chromium, for README's demo person Maya Chen: the agent uploads
a signed permission, Maya confirms with the code we e-mailed to her on-record address, the agent sees it."""

import io
import re
from datetime import date

import pytest
from django.core import mail
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from requests_app.models import AgentAuthorization, PrivacyRequest, Status
from tests.factories import ConsumerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_permission_png() -> bytes:
    image = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), "I, Maya Chen, authorize Alex Rivera to make privacy requests for me.", fill="black")
    draw.line((20, 200, 300, 180), fill="black", width=3)  # the signature
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def code_sent_to(address: str) -> str:
    message = [m for m in mail.outbox if m.to == [address]][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_an_agent_request_is_confirmed_by_the_consumer_and_the_agent_sees_the_progress(
    page: Page, live_server
):
    ConsumerFactory(
        first_name="Maya",
        last_name="Chen",
        email="maya.chen@example.com",
        phone="+14155550101",
        member_number="RN00000001",
        date_of_birth=date(1990, 4, 2),
    )

    # The agent.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="I am an authorized agent").click()
    page.get_by_label("Your full name").fill("Alex Rivera")
    page.get_by_label("Your e-mail address").fill("alex@agents.example")
    page.get_by_label("Organisation").fill("Rivera Privacy Services")
    page.get_by_label("I act for a business entity").check()
    page.get_by_label("Secretary of State registration number").fill("C1234567")
    page.get_by_label("Know what categories of information we hold").check()
    page.get_by_label("Consumer's first name").fill("Maya")
    page.get_by_label("Consumer's last name").fill("Chen")
    page.get_by_label("Consumer's e-mail address").fill("maya.chen@example.com")
    page.get_by_label("Consumer's member number").fill("RN00000001")
    page.get_by_label("ZIP code").fill("94105")
    page.get_by_label("Signed permission from the consumer").check()
    page.get_by_label("Signed document").set_input_files(
        {"name": "permission.png", "mimeType": "image/png", "buffer": signed_permission_png()}
    )
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", name="We received the request")).to_be_visible()
    request = PrivacyRequest.objects.get()
    expect(page.get_by_text(request.reference)).to_be_visible()
    assert AgentAuthorization.objects.get().document_content_type == "image/png"

    # Maya, with the code from the e-mail sent to her on-record address.
    consumer = page.context.browser.new_page()
    consumer.goto(f"{live_server.url}/requests/confirm/")
    consumer.get_by_label("Reference").fill(request.reference)
    consumer.get_by_label("Code").fill(code_sent_to("maya.chen@example.com"))
    consumer.get_by_role("button", name="Continue").click()
    expect(consumer.get_by_text("Alex Rivera")).to_be_visible()
    consumer.get_by_label("Yes, I gave this permission").check()
    consumer.get_by_label("The agent may receive them").check()
    consumer.get_by_label("Date of birth").fill("1990-04-02")
    consumer.get_by_role("button", name="Send my answer").click()
    expect(consumer.get_by_role("heading", name="Thank you, you confirmed the request")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW

    # The agent follows the progress.
    page.goto(f"{live_server.url}/requests/agent/status/")
    page.get_by_label("Reference").fill(request.reference)
    page.get_by_label("Your e-mail address").fill("alex@agents.example")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(code_sent_to("alex@agents.example"))
    page.get_by_role("button", name="Open the request").click()

    expect(page.get_by_role("heading", name="Request status")).to_be_visible()
    expect(page.get_by_role("cell", name="In review")).to_be_visible()
    expect(page.get_by_text("We asked the consumer to confirm your permission")).to_be_visible()
    expect(page.get_by_text("allowed us to send you the results")).to_be_visible()
    expect(page.get_by_text("maya.chen@example.com")).to_have_count(0)


def test_a_refused_upload_shows_what_to_send_instead(page: Page, live_server):
    page.goto(f"{live_server.url}/requests/agent/")
    page.get_by_label("Your full name").fill("Alex Rivera")
    page.get_by_label("Your e-mail address").fill("alex@agents.example")
    page.get_by_label("Know what categories of information we hold").check()
    page.get_by_label("Consumer's first name").fill("Maya")
    page.get_by_label("Consumer's last name").fill("Chen")
    page.get_by_label("Consumer's e-mail address").fill("maya.chen@example.com")
    page.get_by_label("Signed permission from the consumer").check()
    page.get_by_label("Signed document").set_input_files(
        {"name": "permission.pdf.html", "mimeType": "text/html", "buffer": b"<script>alert(1)</script>"}
    )
    page.get_by_role("button", name="Send request").click()

    expect(
        page.get_by_text("This type of file is not accepted. Please upload a PDF, JPEG or PNG")
    ).to_be_visible()
    expect(page.get_by_label("Consumer's first name")).to_have_value("Maya")
    assert not PrivacyRequest.objects.exists()
