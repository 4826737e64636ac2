"""Authorized agents: the form and its hostile uploads through HTTP, the consumer's confirmation at the
on-record address, the agent's own status page, staff's download and decision (Regs §7063)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pikepdf
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from records.vault import vault_get
from requests_app.agents import services as agents
from requests_app.exceptions import RequestError
from requests_app.fulfilment import request_approve
from requests_app.models import (
    AgentAuthorization,
    OutboxMessage,
    PrivacyRequest,
    RequestEvent,
    Status,
    Submission,
)
from requests_app.outbox.services import outbox_relay
from tests.equal_work import web_statements
from tests.factories import ConsumerFactory, PrivacyRequestFactory, staff_member
from tests.mfa_support import staff_login
from tests.verification.test_uploads import (
    CountingZeroStream,
    all_dictionaries,
    blank_pdf,
    pdf_bytes,
    png_bomb,
)

pytestmark = pytest.mark.django_db

NEW = reverse("requests_app:agent_new")
SUBMITTED = reverse("requests_app:agent_submitted")
STATUS_LOOKUP = reverse("requests_app:agent_status_lookup")
STATUS_CODE = reverse("requests_app:agent_status_code")
STATUS_VIEW = reverse("requests_app:agent_status_view")
CONFIRM = reverse("requests_app:confirm_open")
CONFIRM_ANSWER = reverse("requests_app:confirm_answer")
CONFIRM_DONE = reverse("requests_app:confirm_done")
RESEND = reverse("requests_app:confirm_resend")


# --- personas and documents -------------------------------------------------------------------------


@pytest.fixture
def maya():
    """README's demo person, as she is in our records (her on-record e-mail is the one we write to)."""
    return ConsumerFactory(
        first_name="Maya",
        last_name="Chen",
        email="maya.chen@example.com",
        phone="+14155550101",
        member_number="RN00000001",
        date_of_birth=date(1990, 4, 2),
    )


def png_permission() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (300, 120), "white").save(output, "PNG")
    return output.getvalue()


def pdf_permission() -> bytes:
    return pdf_bytes(blank_pdf())


class CountingBody(CountingZeroStream):
    """A WSGI input of zero bytes that records how much of it the portal read."""

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def agent_data(document, **overrides) -> dict:
    data = {
        "agent_name": "Alex Rivera",
        "agent_email": "Alex@Agents.example",
        "agent_organisation": "Rivera Privacy Services",
        "agent_is_entity": "on",
        "agent_sos_number": "C1234567",
        "kinds": ["know_categories", "delete"],
        "first_name": "Maya",
        "last_name": "Chen",
        # The agent types an address that is not the one on record: we must never write to it.
        "email": "maya.typed.by.agent@example.net",
        "phone": "(415) 555-0101",
        "member_number": "RN00000001",
        "zip_code": "94105",
        "document_type": "permission",
        "document": document,
    }
    data.update(overrides)
    return data


def submit(client, commit, data):
    with commit(execute=True):
        return client.post(NEW, data)


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / agents.DOCUMENT_FOLDER
    return sorted(folder.glob("*")) if folder.exists() else []


def assert_nothing_written() -> None:
    assert not Submission.objects.exists()
    assert not AgentAuthorization.objects.exists()
    assert not PrivacyRequest.objects.exists()
    assert stored_files() == []


@pytest.fixture(autouse=True)
def _empty_document_folder():
    for path in stored_files():
        path.unlink()


@pytest.fixture
def submitted(client, maya, outbox, django_capture_on_commit_callbacks):
    """Alex has submitted a permission for Maya; the confirmation e-mail is in the outbox."""
    response = submit(
        client, django_capture_on_commit_callbacks, agent_data(upload("permission.png", png_permission()))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return AgentAuthorization.objects.get()


# --- intake -----------------------------------------------------------------------------------------


def test_both_entry_pages_link_to_the_agent_form(client):
    for page in (reverse("requests_app:home"), reverse("requests_app:request_new")):
        body = client.get(page).content.decode()
        assert f'href="{NEW}"' in body and "I am an authorized agent" in body


def test_the_agent_form_opens_for_anyone(client):
    response = client.get(NEW)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_an_agent_submission_stores_the_document_encrypted_under_a_random_name(submitted):
    authorization = submitted
    [path] = stored_files()
    raw = path.read_bytes()
    assert b"PNG" not in raw[:16] and b"Maya" not in raw
    assert re.fullmatch(r"[0-9a-f]{32}\.bin", path.name)
    content = vault_get(authorization.document_storage_name, sha256=authorization.document_sha256)
    assert content.startswith(b"\x89PNG")
    assert authorization.document_content_type == "image/png"
    assert authorization.document_display_name == "permission.png"
    assert authorization.agent_email == "alex@agents.example"
    assert authorization.agent_sos_number == "C1234567"
    assert authorization.document_type == AgentAuthorization.DocumentType.PERMISSION


def test_the_consumer_is_asked_at_the_on_record_address_and_the_agent_gets_the_receipt(submitted, outbox):
    receipts = [m for m in outbox if m.to == ["alex@agents.example"]]
    confirmations = [m for m in outbox if m.to == ["maya.chen@example.com"]]
    assert len(receipts) == 1 and len(confirmations) == 1
    assert not [m for m in outbox if "maya.typed.by.agent@example.net" in m.to]
    body = confirmations[0].body
    assert "/requests/confirm/" in body and "Alex Rivera" in body
    assert re.search(r"\b\d{6}\b", body)
    # The link carries nothing: the reference and code are typed in, never put in a URL.
    assert not re.search(r"/requests/confirm/\S*(RN-|\d{6})", body)
    statuses = set(PrivacyRequest.objects.values_list("status", flat=True))
    assert statuses == {Status.AWAITING_CONSUMER_CONFIRMATION}


def test_an_unknown_consumer_gets_the_same_answer_and_nobody_is_e_mailed(
    client, outbox, django_capture_on_commit_callbacks
):
    response = submit(
        client, django_capture_on_commit_callbacks, agent_data(upload("permission.pdf", pdf_permission()))
    )
    assert response.status_code == 302 and response["Location"] == SUBMITTED
    assert [m.to for m in outbox] == [["alex@agents.example"]]
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {
        Status.AWAITING_CONSUMER_CONFIRMATION
    }


def test_an_agents_opt_out_waits_like_the_rest(client, maya, django_capture_on_commit_callbacks):
    submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("permission.png", png_permission()), kinds=["opt_out"]),
    )
    assert PrivacyRequest.objects.get().status == Status.AWAITING_CONSUMER_CONFIRMATION


def test_a_business_agent_must_give_its_registration_number(client, django_capture_on_commit_callbacks):
    response = submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("permission.png", png_permission()), agent_sos_number=""),
    )
    assert "California Secretary of State registration number" in response.content.decode()
    assert_nothing_written()


def test_consumer_fields_are_validated_like_the_consumer_form(client, django_capture_on_commit_callbacks):
    response = submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("permission.png", png_permission()), last_name="", zip_code="9410", email="x@"),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter the consumer&#x27;s last name." in body
    assert "ZIP" in body
    assert_nothing_written()


def test_the_form_still_checks_csrf(maya):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(NEW, agent_data(upload("permission.png", png_permission())))
    assert response.status_code == 403
    assert_nothing_written()


# --- the malicious-upload corpus, through HTTP ---------------------------------------------------------


def encrypted_pdf() -> bytes:
    return pdf_bytes(blank_pdf(), encryption=pikepdf.Encryption(owner="owner", user="secret"))


REFUSED = {
    "png_header_then_html": (
        "permission.png",
        b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>",
        "could not be read as a valid PNG",
    ),
    "svg": (
        "permission.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "This type of file is not accepted",
    ),
    "svg_named_png": (
        "permission.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "This type of file is not accepted",
    ),
    "double_extension_html": (
        "permission.pdf.html",
        b"<html><script>alert(1)</script></html>",
        "This type of file is not accepted",
    ),
    "nul_in_the_name": ("permission.html\x00.pdf", pdf_permission(), "characters that are not allowed"),
    "png_then_html": (
        "permission.png",
        png_permission() + b"<html><script>alert(1)</script></html>",
        "after the end",
    ),
    "decompression_bomb": ("scan.png", png_bomb(), "too many pixels"),
    "encrypted_pdf": ("permission.pdf", encrypted_pdf(), "password-protected or encrypted"),
    "pdf_named_png": ("permission.png", pdf_permission(), "rename it to end in .pdf"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_hostile_uploads_are_refused_with_what_to_send_instead_and_nothing_is_written(
    client, maya, outbox, django_capture_on_commit_callbacks, case
):
    name, content, message = REFUSED[case]
    response = submit(client, django_capture_on_commit_callbacks, agent_data(upload(name, content)))

    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert "Please" in body and re.search(r"PDF|JPEG|PNG|\.pdf|\.png", body)
    assert_nothing_written()
    assert outbox == []


def raw_multipart(file_name: bytes, content: bytes) -> tuple[bytes, str]:
    """The agent form as a raw multipart body, the file name's bytes written exactly as given."""
    boundary = "----rakunest-raw-boundary"
    fields = {key: value for key, value in agent_data(None).items() if key != "document"}
    parts = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{item}\r\n'.encode()
            )
    parts.append(
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="document"; filename="'
        + file_name
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "file_name",
    [
        b"permis\x00sion.png",
        b"\x00",
        b"permission\x1b.png",
        b"permission.html\r.png",
        b"permission&#13;.html.png",
    ],
    ids=["nul", "only-nul", "escape", "carriage-return", "html-entity-control"],
)
def test_control_characters_in_the_raw_file_name_are_refused_though_django_strips_them(
    client, maya, outbox, django_capture_on_commit_callbacks, file_name
):
    body, content_type = raw_multipart(file_name, png_permission())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic("POST", NEW, body, content_type=content_type)

    assert response.status_code == 400
    assert "characters that are not allowed" in response.content.decode()
    assert_nothing_written()
    assert outbox == []


def test_a_raw_multipart_body_with_an_ordinary_name_is_accepted(
    client, maya, django_capture_on_commit_callbacks
):
    body, content_type = raw_multipart("Permission signée.png".encode(), png_permission())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic("POST", NEW, body, content_type=content_type)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert AgentAuthorization.objects.get().document_display_name == "Permission signée.png"


def test_a_pdf_with_javascript_and_an_open_action_is_stored_without_them(
    client, maya, django_capture_on_commit_callbacks
):
    pdf = blank_pdf()
    script = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.launchURL('https://evil')"))
    )
    pdf.Root.OpenAction = script
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), script]))
    )

    response = submit(
        client, django_capture_on_commit_callbacks, agent_data(upload("permission.pdf", pdf_bytes(pdf)))
    )

    assert response.status_code == 302
    authorization = AgentAuthorization.objects.get()
    assert {"OpenAction", "JavaScript"} <= set(authorization.document_removed)
    stored = vault_get(authorization.document_storage_name, sha256=authorization.document_sha256)
    assert b"launchURL" not in stored
    with pikepdf.open(io.BytesIO(stored)) as cleaned:
        assert "/OpenAction" not in cleaned.Root
        assert not any({"/JS", "/JavaScript"} & set(obj.keys()) for obj in all_dictionaries(cleaned))
    event = RequestEvent.objects.filter(name="agents.document.stored").first()
    assert "JavaScript" in event.data["removed"]


def test_a_jpeg_is_stored_without_its_exif_gps_position(client, maya, django_capture_on_commit_callbacks):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (37.0, 47.0, 24.0), 3: "W", 4: (122.0, 23.0, 46.0)}
    photo = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(photo, "JPEG", exif=exif.tobytes())

    submit(client, django_capture_on_commit_callbacks, agent_data(upload("photo.jpg", photo.getvalue())))

    authorization = AgentAuthorization.objects.get()
    assert "EXIF metadata" in authorization.document_removed
    stored = vault_get(authorization.document_storage_name)
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as reopened:
        assert len(reopened.getexif()) == 0
        assert reopened.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_a_50_mb_body_is_refused_before_any_of_it_is_read(client):
    body = CountingBody(50 * 1024 * 1024)
    response = client.post(
        NEW,
        data=b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(body.size)},
    )
    assert response.status_code == 413
    assert body.bytes_read == 0
    assert "larger than 10 MB" in response.content.decode()
    assert_nothing_written()


def test_a_file_over_the_limit_inside_an_allowed_body_is_refused(
    client, maya, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_MAX_BYTES = 100 * 1024
    big = png_permission() + bytes(150 * 1024)
    response = submit(client, django_capture_on_commit_callbacks, agent_data(upload("permission.png", big)))
    assert response.status_code == 400
    assert "larger than 100 KB" in response.content.decode()
    assert_nothing_written()


def test_a_broken_multipart_body_gets_a_message_not_an_error(client):
    response = client.post(
        NEW,
        data=b'--BoUnDaRy\r\nContent-Disposition: form-data; name="document"; filename="a.png"\r\n',
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert "could not read" in response.content.decode()
    assert_nothing_written()


def test_a_failed_save_leaves_no_file_behind(client, maya, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(agents, "_volume_check", broken)
    with pytest.raises(RuntimeError):
        submit(
            client, django_capture_on_commit_callbacks, agent_data(upload("permission.png", png_permission()))
        )
    assert_nothing_written()


# --- the consumer's confirmation --------------------------------------------------------------------------


def reference_of(authorization) -> str:
    return authorization.submission.requests.order_by("pk").first().reference


def confirmation_code(outbox) -> str:
    return code_in([m for m in outbox if m.to == ["maya.chen@example.com"]][-1])


def open_confirmation(client, authorization, outbox):
    return client.post(CONFIRM, {"reference": reference_of(authorization), "code": confirmation_code(outbox)})


def test_the_consumer_confirms_and_the_requests_go_to_review(client, submitted, outbox):
    assert open_confirmation(client, submitted, outbox)["Location"] == CONFIRM_ANSWER
    page = client.get(CONFIRM_ANSWER).content.decode()
    assert "Alex Rivera" in page

    response = client.post(
        CONFIRM_ANSWER, {"gave_permission": "yes", "agent_may_receive": "no", "date_of_birth": "1990-04-02"}
    )

    assert response["Location"] == CONFIRM_DONE
    assert "you confirmed the request" in client.get(CONFIRM_DONE).content.decode()
    submitted.refresh_from_db()
    assert submitted.consumer_confirmed is True and submitted.agent_may_receive is False
    for request in PrivacyRequest.objects.all():
        assert request.status == Status.IN_REVIEW
        assert request.matched_fields == ["email", "dob"]
        assert request.consumer.email == "maya.chen@example.com"


def test_details_that_do_not_match_are_asked_again_then_the_request_closes(
    client, submitted, outbox, settings
):
    settings.AGENT_CONFIRMATION_MAX_FAILURES = 2
    open_confirmation(client, submitted, outbox)
    wrong = {"gave_permission": "yes", "agent_may_receive": "yes", "date_of_birth": "1991-01-01"}

    first = client.post(CONFIRM_ANSWER, wrong)
    assert "do not match what we hold" in first.content.decode()
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {
        Status.AWAITING_CONSUMER_CONFIRMATION
    }

    client.post(CONFIRM_ANSWER, wrong)
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {Status.UNVERIFIABLE}


def test_the_consumer_who_gave_no_permission_stops_the_requests(client, submitted, outbox):
    open_confirmation(client, submitted, outbox)
    client.post(CONFIRM_ANSWER, {"gave_permission": "no"})
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {Status.DENIED}
    assert set(PrivacyRequest.objects.values_list("denial_reason", flat=True)) == {
        agents.REASON_NOT_CONFIRMED
    }


def test_a_wrong_code_or_reference_opens_nothing(client, submitted, outbox):
    code = confirmation_code(outbox)
    wrong_code = "000000" if code != "000000" else "111111"
    for data in (
        {"reference": reference_of(submitted), "code": wrong_code},
        {"reference": "RN-2222-2222-2222", "code": code},
    ):
        response = client.post(CONFIRM, data)
        assert "do not open a request waiting for you" in response.content.decode()
    assert client.get(CONFIRM_ANSWER)["Location"] == CONFIRM


def test_the_answer_page_needs_the_code_first(client, submitted):
    assert client.get(CONFIRM_ANSWER)["Location"] == CONFIRM
    assert client.post(CONFIRM_ANSWER, {"gave_permission": "no"})["Location"] == CONFIRM
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {
        Status.AWAITING_CONSUMER_CONFIRMATION
    }


def test_a_new_code_goes_only_to_the_on_record_address(
    client, submitted, outbox, django_capture_on_commit_callbacks
):
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND, {"reference": reference_of(submitted)})
    assert "Check your e-mail" in response.content.decode()
    assert [m.to for m in outbox] == [["maya.chen@example.com"]]

    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        other = client.post(RESEND, {"reference": "RN-2222-2222-2222"})
    assert other.content == response.content
    assert outbox == []


def test_an_unanswered_request_closes_as_unverifiable_after_the_window(submitted, settings):
    agents.agent_sweep()
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {
        Status.AWAITING_CONSUMER_CONFIRMATION
    }
    with time_machine.travel(
        timezone.now() + timezone.timedelta(days=settings.AGENT_CONFIRMATION_DAYS, hours=1)
    ):
        assert agents.agent_sweep()["expired"] == 2
    statuses = set(PrivacyRequest.objects.values_list("status", flat=True))
    assert statuses == {Status.UNVERIFIABLE}
    assert set(PrivacyRequest.objects.values_list("denial_reason", flat=True)) == {
        agents.REASON_CONFIRMATION_EXPIRED
    }


def test_the_expiry_task_is_on_the_beat_schedule():
    from requests_app.agents.tasks import agent_sweep_task

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert agent_sweep_task.name in schedule


# --- nothing is carried out without the consumer and staff ---------------------------------------------------


@pytest.fixture
def staff_user():
    """The staff member who reviews agents' documents: the approver role (staff/permissions.py)."""
    return staff_member("analyst", "approver", password="x" * 12)


def test_without_the_consumers_confirmation_nothing_is_approved_or_fulfilled(submitted, staff_user):
    agents.agent_document_review(authorization=submitted, actor=staff_user, accepted=True)
    for request in PrivacyRequest.objects.all():
        with pytest.raises(RequestError) as refused:
            request_approve(request=request, actor=staff_user)
        assert refused.value.code == "agent_not_released"
        request.refresh_from_db()
        assert request.status == Status.AWAITING_CONSUMER_CONFIRMATION
    assert not RequestEvent.objects.filter(
        name__in=["requests.request.approved", "requests.request.fulfilling"]
    )


def test_after_confirmation_the_document_must_still_be_accepted(client, submitted, outbox, staff_user):
    open_confirmation(client, submitted, outbox)
    client.post(
        CONFIRM_ANSWER, {"gave_permission": "yes", "agent_may_receive": "yes", "phone": "415 555 0101"}
    )
    request = PrivacyRequest.objects.order_by("pk").first()
    with pytest.raises(RequestError):
        request_approve(request=request, actor=staff_user)

    agents.agent_document_review(authorization=submitted, actor=staff_user, accepted=True)
    request_approve(request=request, actor=staff_user)

    request.refresh_from_db()
    assert request.status == Status.FULFILLING


def test_a_power_of_attorney_needs_no_consumer_confirmation_but_staff_acceptance(
    client, maya, outbox, staff_user, django_capture_on_commit_callbacks
):
    submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("poa.pdf", pdf_permission()), document_type="power_of_attorney"),
    )
    assert not [m for m in outbox if m.to == ["maya.chen@example.com"]]
    request = PrivacyRequest.objects.order_by("pk").first()
    assert request.status == Status.IN_REVIEW
    assert request.consumer == maya
    with pytest.raises(RequestError):
        request_approve(request=request, actor=staff_user)
    agents.agent_document_review(
        authorization=AgentAuthorization.objects.get(), actor=staff_user, accepted=True
    )
    request_approve(request=request, actor=staff_user)
    request.refresh_from_db()
    assert request.status == Status.FULFILLING


def test_a_rejected_document_denies_the_open_requests_with_an_event(submitted, staff_user):
    agents.agent_document_review(authorization=submitted, actor=staff_user, accepted=False, note="unsigned")
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {Status.DENIED}
    event = RequestEvent.objects.filter(name="agents.document.rejected").first()
    assert event.actor == staff_user and event.reason == "unsigned"


def test_consumer_requests_are_not_held_by_the_agent_rules(consumer_details, staff_user):
    from requests_app.intake.services import privacy_request_submit

    [request] = privacy_request_submit(kinds=["delete"], requester=consumer_details)
    request_approve(request=request, actor=staff_user)
    request.refresh_from_db()
    assert request.status == Status.FULFILLING


# --- the agent's status page -----------------------------------------------------------------------------


def agent_opens_status(client, reference: str, email: str, outbox) -> None:
    before = len(outbox)
    client.post(STATUS_LOOKUP, {"reference": reference, "email": email})
    if len(outbox) > before:
        client.post(STATUS_CODE, {"code": code_in(outbox[-1])})


def test_the_agent_sees_progress_but_none_of_the_consumers_data(client, submitted, outbox):
    agent_opens_status(client, reference_of(submitted), "alex@agents.example", outbox)
    response = client.get(STATUS_VIEW)
    # Random tokens (CSRF) may hold any digits; only the page's own text is checked.
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    assert response.status_code == 200
    assert reference_of(submitted) in body
    assert "Waiting for the consumer to confirm" in body
    for personal in (
        "Maya",
        "Chen",
        "maya.chen@example.com",
        "maya.typed.by.agent",
        "555-01",
        "4155550101",
        "94105",
        "RN00000001",
    ):
        assert personal not in body


def test_an_agent_cannot_see_another_agents_request(
    client, submitted, outbox, django_capture_on_commit_callbacks
):
    other_agent = Client()
    submit(
        other_agent,
        django_capture_on_commit_callbacks,
        agent_data(upload("permission.png", png_permission()), agent_email="eve@other-agents.example"),
    )
    eves = AgentAuthorization.objects.get(agent_email="eve@other-agents.example")
    sent = len(outbox)

    # Eve tries Alex's reference with her own address: no code, no access.
    other_agent.post(
        STATUS_LOOKUP, {"reference": reference_of(submitted), "email": "eve@other-agents.example"}
    )
    assert len(outbox) == sent
    assert other_agent.post(STATUS_CODE, {"code": "123456"}).status_code == 200
    assert other_agent.get(STATUS_VIEW)["Location"] == STATUS_LOOKUP

    # With her own reference she sees her request only.
    agent_opens_status(other_agent, reference_of(eves), "eve@other-agents.example", outbox)
    body = other_agent.get(STATUS_VIEW).content.decode()
    assert reference_of(eves) in body
    assert reference_of(submitted) not in body


def test_the_consumers_choice_is_shown_to_the_agent(client, submitted, outbox):
    consumer = Client()
    open_confirmation(consumer, submitted, outbox)
    consumer.post(
        CONFIRM_ANSWER, {"gave_permission": "yes", "agent_may_receive": "yes", "member_number": "rn00000001"}
    )
    agent_opens_status(client, reference_of(submitted), "alex@agents.example", outbox)
    body = client.get(STATUS_VIEW).content.decode()
    assert "allowed us to send you the results" in body
    assert "In review" in body


def test_the_agent_status_page_needs_a_code(client, submitted):
    assert client.get(STATUS_VIEW)["Location"] == STATUS_LOOKUP
    assert client.get(STATUS_CODE)["Location"] == STATUS_LOOKUP


def test_agent_status_access_lapses(client, submitted, outbox):
    agent_opens_status(client, reference_of(submitted), "alex@agents.example", outbox)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=settings.STATUS_ACCESS_MINUTES + 1)):
        assert client.get(STATUS_VIEW)["Location"] == STATUS_LOOKUP


def test_an_agent_status_lookup_does_the_same_work_for_a_match_and_a_non_match(
    submitted, outbox, relay_in_worker
):
    reference = reference_of(submitted)

    def lookup(reference, email):
        assert (
            Client().post(STATUS_LOOKUP, {"reference": reference, "email": email})["Location"] == STATUS_CODE
        )

    lookup(reference, "warm.up@agents.example")
    OutboxMessage.objects.all().delete()
    outbox.clear()
    matched = web_statements(lambda: lookup(reference, "alex@agents.example"))
    wrong_email = web_statements(lambda: lookup(reference, "eve@other-agents.example"))
    unknown = web_statements(lambda: lookup("RN-2222-2222-2222", "alex@agents.example"))

    assert matched == wrong_email == unknown
    assert sum('INTO "requests_app_outboxmessage"' in sql for sql in matched) == 1
    assert outbox == []
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert [row.payload["args"] for row in rows] == [[submitted.pk], [None], [None]]
    assert not any("@" in str(row.payload) for row in rows)

    outbox_relay()  # the worker
    assert [m.to for m in outbox] == [["alex@agents.example"]]
    assert RequestEvent.objects.filter(name="agents.status.code_sent").count() == 1


def test_asking_for_a_new_confirmation_code_does_the_same_work_for_any_reference(
    submitted, outbox, relay_in_worker
):
    agents_own = reference_of(submitted)
    consumers_own = PrivacyRequestFactory(submission__email="maya.chen@example.com").reference

    def resend(reference):
        assert "Check your e-mail" in Client().post(RESEND, {"reference": reference}).content.decode()

    resend("RN-3333-3333-3333")
    OutboxMessage.objects.all().delete()
    outbox.clear()
    agents_reference = web_statements(lambda: resend(agents_own))
    not_an_agents = web_statements(lambda: resend(consumers_own))
    unknown = web_statements(lambda: resend("RN-2222-2222-2222"))

    assert agents_reference == not_an_agents == unknown
    assert [row.payload["args"] for row in OutboxMessage.objects.order_by("pk")] == [
        [submitted.pk],
        [None],
        [None],
    ]
    outbox_relay()
    assert [m.to for m in outbox] == [["maya.chen@example.com"]]


def test_the_submitted_page_shows_only_this_browsers_submission(client, submitted):
    assert reference_of(submitted) in client.get(SUBMITTED).content.decode()
    assert Client().get(SUBMITTED)["Location"] == NEW


# --- staff ---------------------------------------------------------------------------------------------


def download_url(authorization) -> str:
    return reverse("staff:agent_document", args=[reference_of(authorization)])


def test_only_staff_may_download_the_document(client, submitted):
    url = download_url(submitted)
    assert client.get(url).status_code == 302  # anonymous: to the staff login
    get_user_model().objects.create_user("member", password="x" * 12)
    client.login(username="member", password="x" * 12)
    assert client.get(url).status_code == 403  # signed in without a staff role
    viewer = staff_member("viewer", "viewer")
    staff_login(client, viewer)
    assert client.get(url).status_code == 403  # a role that may not see personal data
    assert not RequestEvent.objects.filter(name="agents.document.downloaded").exists()


def test_staff_download_is_an_attachment_that_browsers_will_not_render(client, submitted, staff_user):
    staff_login(client, staff_user)
    response = client.get(download_url(submitted))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="permission.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.content.startswith(b"\x89PNG")
    event = RequestEvent.objects.get(name="agents.document.downloaded")
    assert event.actor == staff_user


def test_download_of_an_unknown_document_is_not_found(client, staff_user):
    staff_login(client, staff_user)
    unknown = reverse("staff:agent_document", args=["RN-2222-2222-2222"])
    assert client.get(unknown).status_code == 404
    not_an_agents = PrivacyRequestFactory()
    url = reverse("staff:agent_document", args=[not_an_agents.reference])
    assert client.get(url).status_code == 404


def test_an_agent_filing_many_requests_in_a_day_is_flagged(
    client, maya, settings, django_capture_on_commit_callbacks
):
    settings.AGENT_DAILY_REQUEST_WARNING = 4  # two requests per submission
    for _ in range(2):
        submit(
            client, django_capture_on_commit_callbacks, agent_data(upload("permission.png", png_permission()))
        )
    assert not AgentAuthorization.objects.filter(volume_flagged=True).exists()

    submit(client, django_capture_on_commit_callbacks, agent_data(upload("permission.png", png_permission())))

    flagged = AgentAuthorization.objects.filter(volume_flagged=True)
    assert flagged.count() == 1
    warning = RequestEvent.objects.filter(name="agents.agent.volume_warning").first()
    assert warning.data == {"requests_in_24h": 6, "threshold": 4}


# --- lost messages, and what is kept after closing -------------------------------------------------------


def test_lost_agent_tasks_are_redone_by_the_sweeper_and_never_reach_the_typed_address(
    client, maya, outbox, django_capture_on_commit_callbacks
):
    from requests_app.intake.tasks import sweep_stuck_requests
    from requests_app.verify.tasks import verification_sweep

    with django_capture_on_commit_callbacks(execute=False):  # the broker lost both messages
        client.post(NEW, agent_data(upload("permission.png", png_permission())))
    assert outbox == []

    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=settings.STUCK_REQUEST_MINUTES + 1)):
        with django_capture_on_commit_callbacks(execute=True):
            sweep_stuck_requests()
            verification_sweep()
        assert outbox == []  # the consumer flow's sweepers leave agent submissions alone
        with django_capture_on_commit_callbacks(execute=True):
            swept = agents.agent_sweep()

    assert swept["reprocessed"] == 1 and swept["reacknowledged"] == 1
    assert sorted(m.to[0] for m in outbox) == ["alex@agents.example", "maya.chen@example.com"]


def test_a_power_of_attorney_never_counts_the_agents_unproven_e_mail(
    client, maya, django_capture_on_commit_callbacks
):
    submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("poa.pdf", pdf_permission()), document_type="power_of_attorney", email=maya.email),
    )
    request = PrivacyRequest.objects.order_by("pk").first()
    assert request.matched_fields and "email" not in request.matched_fields


def test_the_document_and_codes_are_deleted_once_every_request_is_closed(
    client, submitted, outbox, django_capture_on_commit_callbacks
):
    name = submitted.document_storage_name
    assert (Path(settings.MEDIA_ROOT) / name).exists()
    open_confirmation(client, submitted, outbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CONFIRM_ANSWER, {"gave_permission": "no"})

    submitted.refresh_from_db()
    assert submitted.document_storage_name == ""
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert submitted.document_sha256 and submitted.document_removed is not None
    assert RequestEvent.objects.filter(name="agents.document.purged").count() == 2


def test_the_document_stays_while_a_request_is_open(
    submitted, staff_user, django_capture_on_commit_callbacks
):
    first = PrivacyRequest.objects.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        from requests_app.lifecycle import request_transition

        request_transition(request=first, to=Status.WITHDRAWN, actor=staff_user)
    submitted.refresh_from_db()
    assert submitted.document_storage_name


def test_guessing_confirmation_codes_from_one_network_is_throttled(client, submitted, outbox, settings):
    settings.OTP_CHECKS_PER_IP_PER_15_MIN = 2
    code = confirmation_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        client.post(CONFIRM, {"reference": reference_of(submitted), "code": wrong})
    response = client.post(CONFIRM, {"reference": reference_of(submitted), "code": code})
    assert "Too many attempts from your network" in response.content.decode()
    assert client.get(CONFIRM_ANSWER)["Location"] == CONFIRM


def test_a_large_upload_is_kept_in_memory_and_never_written_to_a_temporary_file(
    client, maya, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files import uploadhandler

    def no_temporary_files(*args, **kwargs):
        raise AssertionError("the unsanitised upload went to a temporary file")

    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "new_file", no_temporary_files)
    noise = Image.frombytes("L", (1800, 1800), bytes(range(256)) * (1800 * 1800 // 256 + 1))
    output = io.BytesIO()
    noise.save(output, "PNG", compress_level=0)
    assert len(output.getvalue()) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    response = submit(
        client, django_capture_on_commit_callbacks, agent_data(upload("scan.png", output.getvalue()))
    )

    assert response.status_code == 302
    assert AgentAuthorization.objects.get().document_content_type == "image/png"


@pytest.mark.parametrize(
    "url",
    [NEW, STATUS_LOOKUP, CONFIRM, RESEND],
)
def test_the_public_agent_and_confirmation_pages_open_for_anyone(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("url", "goes_to"),
    [
        (STATUS_CODE, STATUS_LOOKUP),
        (STATUS_VIEW, STATUS_LOOKUP),
        (CONFIRM_ANSWER, CONFIRM),
        (CONFIRM_DONE, CONFIRM),
    ],
)
def test_pages_behind_a_code_send_a_stranger_back_to_the_start(client, submitted, url, goes_to):
    assert Client().get(url)["Location"] == goes_to


# --- the consumer flow's bar per kind applies to an agent's requests too ----------------------------------


def test_an_agents_specific_pieces_request_is_answered_as_categories(
    client, maya, outbox, django_capture_on_commit_callbacks
):
    submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("permission.png", png_permission()), kinds=["access_specific"]),
    )
    authorization = AgentAuthorization.objects.get()
    open_confirmation(client, authorization, outbox)
    client.post(CONFIRM_ANSWER, {"gave_permission": "yes", "agent_may_receive": "no", "phone": "4155550101"})

    request = PrivacyRequest.objects.get()
    assert (request.kind, request.status) == ("know_categories", Status.IN_REVIEW)
    assert RequestEvent.objects.filter(request=request, name="requests.request.kind_changed").exists()


def test_deleting_sensitive_records_needs_a_third_data_point(
    client, maya, outbox, django_capture_on_commit_callbacks
):
    from records.models import DataPoint, DataPointType, Source, System

    DataPoint.objects.create(
        consumer=maya,
        system=System.objects.first(),
        point_type=DataPointType.objects.filter(sensitive=True).first(),
        source=Source.objects.first(),
        value="X1234567",
        collected_at=timezone.now(),
    )
    submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("permission.png", png_permission()), kinds=["delete"]),
    )
    open_confirmation(client, AgentAuthorization.objects.get(), outbox)
    answer = {"gave_permission": "yes", "agent_may_receive": "no", "date_of_birth": "1990-04-02"}

    not_enough = client.post(CONFIRM_ANSWER, answer)
    assert "not enough for this request" in not_enough.content.decode()
    assert PrivacyRequest.objects.get().status == Status.AWAITING_CONSUMER_CONFIRMATION

    client.post(CONFIRM_ANSWER, {**answer, "member_number": "RN00000001"})
    request = PrivacyRequest.objects.get()
    assert request.status == Status.IN_REVIEW
    assert request.matched_fields == ["email", "member_number", "dob"]
    assert request.verification_level == "high"


# --- The state machine of an agent's document ------------------------------------------------------------


def test_the_review_table_has_a_row_for_every_review_and_leads_only_to_reviews():
    reviews = set(AgentAuthorization.Review.values)
    assert set(agents.REVIEW_STATES) == reviews
    assert set().union(*agents.REVIEW_STATES.values()) <= reviews


def test_an_accepted_document_cannot_be_rejected_afterwards(submitted, staff_user):
    agents.agent_document_review(authorization=submitted, actor=staff_user, accepted=True)
    events = RequestEvent.objects.count()

    with pytest.raises(RequestError) as refused:
        agents.agent_document_review(authorization=submitted, actor=staff_user, accepted=False, note="no")

    assert refused.value.code == "illegal_state_change"
    submitted.refresh_from_db()
    assert submitted.review == AgentAuthorization.Review.ACCEPTED
    assert RequestEvent.objects.count() == events
    assert not PrivacyRequest.objects.filter(status=Status.DENIED).exists()
    accepted = RequestEvent.objects.filter(name="agents.document.accepted").first()
    assert accepted.data == {"document_type": "permission", "from": "pending", "to": "accepted"}


def test_the_agent_form_asks_the_consumers_residency_and_stores_the_regime(
    client, maya, django_capture_on_commit_callbacks
):
    assert 'name="residency"' in client.get(NEW).content.decode()
    submit(
        client,
        django_capture_on_commit_callbacks,
        agent_data(upload("permission.png", png_permission()), residency="VA"),
    )
    assert set(PrivacyRequest.objects.values_list("regime", flat=True)) == {"VA"}
