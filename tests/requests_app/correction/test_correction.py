import io
import random
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from records.models import ConsumerStatement, DataPoint, Recipient
from records.vault import vault_get
from requests_app.correction import services as correction
from requests_app.correction.services import ItemInput
from requests_app.exceptions import RequestError
from requests_app.fulfilment import FULFILMENT_TASKS, request_approve
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.models import (
    CorrectionCase,
    CorrectionDocument,
    Kind,
    ProcessorNotice,
    RequestEvent,
    Status,
    SystemRun,
)
from requests_app.states import state_change
from requests_app.systems import services as systems
from requests_app.web import STATUS_ACCESS_KEY
from staff.evidence import correction_decision_record
from tests.factories import ConsumerFactory, PrivacyRequestFactory, staff_member
from tests.mfa_support import staff_login
from tests.requests_app.systems.conftest import billing_system
from verification.uploads import SanitizedUpload

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya():
    consumer = ConsumerFactory(
        email="maya.chen@example.com", phone="+14155550101", member_number="RN00000001"
    )
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(2)).rich(consumer))
    return consumer


@pytest.fixture
def correct_request(maya):
    request = PrivacyRequestFactory(
        kind=Kind.CORRECT, status=Status.FULFILLING, consumer=maya, submission__email="maya.chen@example.com"
    )
    CorrectionCase.objects.create(request=request, invited_at=timezone.now())
    return request


@pytest.fixture
def approver():
    """The staff member who decides corrections: the approver role (staff/permissions.py)."""
    return staff_member("approver", "approver", password="x" * 12)


@pytest.fixture
def recipients_by_email():
    Recipient.objects.exclude(notify_by=Recipient.Notify.NONE).update(
        notify_by=Recipient.Notify.EMAIL, notify_email="privacy@recipient.example"
    )


def _point(consumer, system: str, type_code: str) -> DataPoint:
    return DataPoint.objects.get(consumer=consumer, system__code=system, point_type__code=type_code)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _sanitized_png() -> SanitizedUpload:
    return SanitizedUpload(
        content=_png(),
        content_type="image/png",
        extension=".png",
        display_name="lease.png",
        pages=None,
        removed=(),
    )


def test_the_correct_kind_registers_its_fulfilment_task_which_invites_the_requester(
    maya, outbox, django_capture_on_commit_callbacks
):
    assert FULFILMENT_TASKS["correct"].name == "requests.correction.start"
    request = PrivacyRequestFactory(
        kind=Kind.CORRECT, status=Status.IN_REVIEW, consumer=maya, submission__email="maya.chen@example.com"
    )
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request)
    [invite] = outbox
    assert "Tell us what to correct" in invite.subject
    assert request.correction_case.state == CorrectionCase.State.AWAITING_DETAILS


def test_only_values_that_describe_the_person_are_offered_for_correction(correct_request):
    offered = {p.point_type.code for p in correction.correctable_points(request=correct_request)}
    assert {"full_name", "postal_address", "passport_number", "temperature_check"} <= offered
    assert "page_view" not in offered  # activity logs record what happened


def test_an_approved_correction_changes_the_records_instructs_recipients_and_forgets_the_values(
    correct_request, approver, outbox, recipients_by_email, django_capture_on_commit_callbacks
):
    address = _point(correct_request.consumer, "member_accounts", "postal_address")
    case = correction.correction_submit(
        request=correct_request,
        items=[ItemInput(address.pk, "500 Howard Street, San Francisco, CA 94105")],
        explanation="I moved in March.",
        documents=[_sanitized_png()],
    )
    document = CorrectionDocument.objects.get(case=case)
    assert vault_get(document.storage_name, sha256=document.sha256) == _png()  # encrypted at rest, intact
    with default_storage.open(document.storage_name, "rb") as handle:
        assert _png() not in handle.read()

    with django_capture_on_commit_callbacks(execute=True):
        correction.correction_decide(
            request=correct_request, actor=approver, approve=True, notes="Lease attached matches."
        )

    address.refresh_from_db()
    assert address.value == "500 Howard Street, San Francisco, CA 94105"
    correct_request.refresh_from_db()
    assert (correct_request.status, correct_request.outcome) == (Status.COMPLETED, "complied")
    notice = ProcessorNotice.objects.get(request=correct_request, action="correct")
    assert notice.recipient.code == "it_hosting"
    processor_mail = next(m for m in outbox if m.to == ["privacy@recipient.example"])
    assert "500 Howard Street" in processor_mail.body  # the recipient needs the corrected value
    assert "maya.chen@example.com" not in processor_mail.body
    assert any("is complete" in m.subject for m in outbox)
    assert set(case.items.values_list("corrected_value", flat=True)) == {""}
    assert not default_storage.exists(document.storage_name)
    decided = RequestEvent.objects.get(request=correct_request, name="requests.correction.decided")
    assert decided.actor == approver
    assert "Howard" not in str(decided.data)


def test_a_denial_gives_the_basis_and_lets_the_consumer_add_a_health_statement(
    correct_request, approver, outbox
):
    check = _point(correct_request.consumer, "health_checks", "temperature_check")
    correction.correction_submit(request=correct_request, items=[ItemInput(check.pk, "36.5 °C")])

    correction.correction_decide(
        request=correct_request,
        actor=approver,
        approve=False,
        notes="Device log shows 36.7.",
        basis="The reading was recorded by a calibrated device and nothing shows it was wrong.",
    )

    correct_request.refresh_from_db()
    assert (correct_request.status, correct_request.denial_reason) == (Status.DENIED, "correction_denied")
    denial = outbox[-1]
    assert "calibrated device" in denial.body
    assert "250 words" in denial.body
    check.refresh_from_db()
    assert check.value.startswith("36.7")

    with pytest.raises(RequestError):
        correction.correction_statement_add(request=correct_request, text="word " * 251)
    statement = correction.correction_statement_add(
        request=correct_request, text="I had just come in from the heat."
    )
    assert statement.consumer == correct_request.consumer
    assert statement.system.code == "health_checks"
    with pytest.raises(RequestError):
        correction.correction_statement_add(request=correct_request, text="Again.")


def test_a_denial_of_non_health_information_offers_no_statement(correct_request, approver, outbox):
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    correction.correction_submit(request=correct_request, items=[ItemInput(name.pk, "Maya Chen-Lee")])
    correction.correction_decide(
        request=correct_request, actor=approver, approve=False, notes="n", basis="No proof."
    )
    assert "250 words" not in outbox[-1].body
    with pytest.raises(RequestError):
        correction.correction_statement_add(request=correct_request, text="Please.")
    assert not ConsumerStatement.objects.exists()


def test_changing_the_email_needs_confirmation_at_the_old_address_which_is_told_afterwards(
    correct_request, approver, outbox
):
    email = _point(correct_request.consumer, "member_accounts", "email")
    case = correction.correction_submit(
        request=correct_request, items=[ItemInput(email.pk, "Maya.Chen@NewMail.com")]
    )
    assert case.contact_change
    [code_mail] = outbox
    assert code_mail.to == ["maya.chen@example.com"]
    code = re.search(r"^\s+(\d{6})$", code_mail.body, re.MULTILINE).group(1)

    with pytest.raises(RequestError) as refused:
        correction.correction_decide(
            request=correct_request, actor=approver, approve=True, notes="Looks right."
        )
    assert refused.value.code == "contact_unconfirmed"

    assert correction.correction_contact_confirm(request=correct_request, code=code)
    correction.correction_decide(
        request=correct_request, actor=approver, approve=True, notes="Confirmed at old address."
    )

    correct_request.consumer.refresh_from_db()
    assert correct_request.consumer.email == "maya.chen@newmail.com"
    notice_to_old = next(m for m in outbox if "were changed" in m.subject)
    assert notice_to_old.to == ["maya.chen@example.com"]


def test_a_decision_needs_staff_notes_and_for_a_denial_a_basis(correct_request, approver):
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    correction.correction_submit(request=correct_request, items=[ItemInput(name.pk, "Maya Chen-Lee")])
    member = get_user_model().objects.create_user("member")
    with pytest.raises(PermissionDenied):  # the staff app's role table decides who may decide
        correction_decision_record(request=correct_request, actor=member, approve=True, notes="x", basis="")
    for kwargs, code in [
        ({"actor": AnonymousUser(), "approve": True, "notes": "x"}, "not_staff"),
        ({"actor": approver, "approve": True, "notes": " "}, "no_notes"),
        ({"actor": approver, "approve": False, "notes": "x", "basis": ""}, "no_basis"),
    ]:
        with pytest.raises(RequestError) as refused:
            correction.correction_decide(request=correct_request, **kwargs)
        assert refused.value.code == code
    correct_request.refresh_from_db()
    assert correct_request.status == Status.FULFILLING


def test_a_submission_with_an_item_that_is_not_the_consumers_writes_nothing(correct_request):
    stranger = ConsumerFactory()
    other = DataPoint.objects.create(
        consumer=stranger,
        system_id=_point(correct_request.consumer, "member_accounts", "full_name").system_id,
        point_type_id=_point(correct_request.consumer, "member_accounts", "full_name").point_type_id,
        source_id=_point(correct_request.consumer, "member_accounts", "full_name").source_id,
        value="Someone Else",
        collected_at=timezone.now(),
    )
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    with pytest.raises(RequestError):
        correction.correction_submit(
            request=correct_request,
            items=[ItemInput(name.pk, "Maya Chen-Lee"), ItemInput(other.pk, "Hacked")],
            documents=[_sanitized_png()],
        )
    case = CorrectionCase.objects.get(request=correct_request)
    assert case.state == CorrectionCase.State.AWAITING_DETAILS
    assert not case.items.exists()
    assert not CorrectionDocument.objects.exists()


# --- Views ------------------------------------------------------------------------------------------


def _open_status(client, request, *, on_record: bool = False) -> None:
    session = client.session
    session[STATUS_ACCESS_KEY] = {
        "id": request.pk,
        "until": timezone.now().timestamp() + 600,
        "on_record": on_record,
    }
    session.save()


def test_a_status_code_to_the_address_on_record_stands_in_for_the_contact_change_code(
    client, correct_request, outbox
):
    """Issue 15, item 7: the status code went to the address on record, which the contact code proves."""
    _open_status(client, correct_request, on_record=True)
    email = _point(correct_request.consumer, "member_accounts", "email")
    response = client.post(
        reverse("requests_app:correction_details", args=[correct_request.reference]),
        {f"dp_{email.pk}": "maya.chen@newmail.com"},
    )
    assert "reviewing what you sent" in response.content.decode()
    case = CorrectionCase.objects.get(request=correct_request)
    assert case.contact_change and case.contact_confirmed_at is not None
    assert not outbox  # no second code
    event = RequestEvent.objects.get(request=correct_request, name="requests.correction.contact_confirmed")
    assert event.data == {"via": "status_code_on_record"}


def test_a_status_code_to_a_typed_address_still_needs_the_contact_change_code(
    client, correct_request, outbox
):
    _open_status(client, correct_request, on_record=False)
    email = _point(correct_request.consumer, "member_accounts", "email")
    response = client.post(
        reverse("requests_app:correction_details", args=[correct_request.reference]),
        {f"dp_{email.pk}": "maya.chen@newmail.com"},
    )
    assert response["Location"] == reverse(
        "requests_app:correction_contact", args=[correct_request.reference]
    )
    assert CorrectionCase.objects.get(request=correct_request).contact_confirmed_at is None
    assert [m.to for m in outbox] == [["maya.chen@example.com"]]


def test_the_correction_page_needs_the_status_page_access_of_that_request(client, correct_request):
    url = reverse("requests_app:correction_details", args=[correct_request.reference])
    assert client.get(url).status_code == 404
    _open_status(client, PrivacyRequestFactory(kind=Kind.CORRECT))
    assert client.get(url).status_code == 404
    _open_status(client, correct_request)
    assert client.get(url).status_code == 200


def test_the_correction_page_shows_what_we_hold_but_never_a_withheld_value(client, correct_request):
    _open_status(client, correct_request)
    page = client.get(
        reverse("requests_app:correction_details", args=[correct_request.reference])
    ).content.decode()
    assert "123 Market Street" in page
    assert "Passport number" in page
    assert "X12345678" not in page
    assert "4111 1111" not in page


def test_the_requester_sends_a_correction_with_a_document_from_the_page(client, correct_request):
    _open_status(client, correct_request)
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    response = client.post(
        reverse("requests_app:correction_details", args=[correct_request.reference]),
        {
            f"dp_{name.pk}": "Maya Chen-Lee",
            "explanation": "Married",
            "document": SimpleUploadedFile("id.png", _png()),
        },
    )
    assert response.status_code == 200
    assert "reviewing what you sent" in response.content.decode()
    case = CorrectionCase.objects.get(request=correct_request)
    assert case.state == CorrectionCase.State.SUBMITTED
    assert case.documents.count() == 1


def test_an_unsafe_upload_is_refused_with_a_message_and_nothing_is_written(client, correct_request):
    _open_status(client, correct_request)
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    response = client.post(
        reverse("requests_app:correction_details", args=[correct_request.reference]),
        {
            f"dp_{name.pk}": "Maya Chen-Lee",
            "document": SimpleUploadedFile("id.png", b"<script>alert(1)</script>"),
        },
    )
    assert response.status_code == 200
    assert "PDF, JPEG or PNG" in response.content.decode()
    assert CorrectionCase.objects.get(request=correct_request).state == CorrectionCase.State.AWAITING_DETAILS


def test_a_document_with_a_nul_in_its_name_is_refused_though_django_strips_it(client, correct_request):
    _open_status(client, correct_request)
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    response = client.post(
        reverse("requests_app:correction_details", args=[correct_request.reference]),
        {f"dp_{name.pk}": "Maya Chen-Lee", "document": SimpleUploadedFile("id.html\x00.png", _png())},
    )
    assert response.status_code == 200
    assert "characters that are not allowed" in response.content.decode()
    assert CorrectionCase.objects.get(request=correct_request).state == CorrectionCase.State.AWAITING_DETAILS


def test_an_empty_or_invalid_correction_is_refused_with_a_message(client, correct_request):
    _open_status(client, correct_request)
    url = reverse("requests_app:correction_details", args=[correct_request.reference])
    assert "at least one item" in client.post(url, {}).content.decode()
    email = _point(correct_request.consumer, "member_accounts", "email")
    response = client.post(url, {f"dp_{email.pk}": "not an address"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_correction_on_the_staff_request_page_is_for_staff_roles_only(client, correct_request, approver):
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    correction.correction_submit(request=correct_request, items=[ItemInput(name.pk, "Maya Chen-Lee")])
    url = reverse("staff:request_detail", args=[correct_request.reference])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    get_user_model().objects.create_user("member", password="y" * 12)
    client.login(username="member", password="y" * 12)
    assert client.get(url).status_code == 403  # signed in, but no staff role
    staff_login(client, approver)
    response = client.get(url)
    assert response.status_code == 200
    assert "Maya Chen-Lee" in response.content.decode()


def test_staff_decide_from_the_staff_page(client, correct_request, approver, outbox):
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    correction.correction_submit(request=correct_request, items=[ItemInput(name.pk, "Maya Chen-Lee")])
    staff_login(client, approver)
    url = reverse("staff:request_action", args=[correct_request.reference, "correction-decide"])
    refused = client.post(url, {"decision": "deny", "notes": "n", "basis": "", "confirm": "on"}, follow=True)
    assert "Give the basis" in refused.content.decode()
    response = client.post(
        url, {"decision": "approve", "notes": "Marriage certificate seen.", "confirm": "on"}
    )
    assert response.status_code == 302
    name.refresh_from_db()
    assert name.value == "Maya Chen-Lee"
    correct_request.consumer.refresh_from_db()
    assert correct_request.consumer.last_name == "Chen-Lee"


def test_a_staff_member_downloads_a_document_and_it_is_logged(client, correct_request, approver):
    case = correction.correction_submit(
        request=correct_request,
        items=[ItemInput(_point(correct_request.consumer, "member_accounts", "full_name").pk, "M. Chen")],
        documents=[_sanitized_png()],
    )
    document = case.documents.get()
    url = reverse("staff:correction_document", args=[correct_request.reference, document.pk])
    assert client.get(url).status_code == 302
    staff_login(client, approver)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == _png()
    assert RequestEvent.objects.filter(name="requests.correction.document_viewed", actor=approver).exists()


def test_the_statement_page_is_only_there_after_a_denied_health_correction(client, correct_request, approver):
    _open_status(client, correct_request)
    url = reverse("requests_app:correction_statement", args=[correct_request.reference])
    assert client.get(url).status_code == 404
    check = _point(correct_request.consumer, "health_checks", "temperature_check")
    correction.correction_submit(request=correct_request, items=[ItemInput(check.pk, "36.5 °C")])
    correction.correction_decide(request=correct_request, actor=approver, approve=False, notes="n", basis="b")
    too_long = client.post(url, {"text": "word " * 260})
    assert "the limit is 250" in too_long.content.decode()
    done = client.post(url, {"text": "It was a hot day."})
    assert "Your statement is now part of your record" in done.content.decode()


# --- The state machine of a correction case -------------------------------------------------------


def test_the_correction_table_has_a_row_for_every_state_and_leads_only_to_states():
    states = set(CorrectionCase.State.values)
    assert set(correction.CORRECTION_STATES) == states
    assert set().union(*correction.CORRECTION_STATES.values()) <= states


def test_a_denied_correction_cannot_become_approved():
    case = CorrectionCase.objects.create(
        request=PrivacyRequestFactory(kind=Kind.CORRECT, status=Status.DENIED),
        state=CorrectionCase.State.DENIED,
    )

    with pytest.raises(RequestError) as refused:
        state_change(
            obj=case,
            field="state",
            to=CorrectionCase.State.APPROVED,
            table=correction.CORRECTION_STATES,
            request=case.request,
            event="requests.correction.decided",
            notes="changed my mind",
        )

    assert refused.value.code == "illegal_state_change"
    case.refresh_from_db()
    assert (case.state, case.notes) == (CorrectionCase.State.DENIED, "")
    assert not RequestEvent.objects.filter(request=case.request).exists()


# --- Withheld values: never shown, never typed back; the requester says "this is wrong" (issue 15, item 2)


def test_withheld_and_image_values_get_a_this_is_wrong_box_instead_of_a_text_box(client, correct_request):
    _open_status(client, correct_request)
    page = client.get(
        reverse("requests_app:correction_details", args=[correct_request.reference])
    ).content.decode()
    for system, type_code in [
        ("member_accounts", "account_password"),
        ("member_accounts", "passport_number"),
        ("payments", "payment_card"),
        ("building_access", "entry_image"),
    ]:
        point = _point(correct_request.consumer, system, type_code)
        assert f'name="dp_{point.pk}"' not in page, type_code
        assert f'<input type="checkbox" name="wrong_{point.pk}"' in page, type_code
        assert point.value not in page
    name = _point(correct_request.consumer, "member_accounts", "full_name")
    assert f'<input type="text" name="dp_{name.pk}"' in page


def test_a_typed_value_for_a_withheld_type_is_never_taken(client, correct_request):
    passport = _point(correct_request.consumer, "member_accounts", "passport_number")
    with pytest.raises(RequestError, match="not take"):
        correction.correction_submit(request=correct_request, items=[ItemInput(passport.pk, "X99999999")])
    _open_status(client, correct_request)
    response = client.post(
        reverse("requests_app:correction_details", args=[correct_request.reference]),
        {f"dp_{passport.pk}": "X99999999"},
    )
    assert "at least one item" in response.content.decode()
    assert not CorrectionCase.objects.get(request=correct_request).items.exists()


def test_a_wrong_password_is_flagged_and_approving_tells_the_requester_a_reset_link_is_sent(
    client, correct_request, approver, outbox, django_capture_on_commit_callbacks
):
    password = _point(correct_request.consumer, "member_accounts", "account_password")
    held = password.value
    _open_status(client, correct_request)
    response = client.post(
        reverse("requests_app:correction_details", args=[correct_request.reference]),
        {f"wrong_{password.pk}": "on"},
    )
    assert "reviewing what you sent" in response.content.decode()
    [item] = CorrectionCase.objects.get(request=correct_request).items.all()
    assert (item.point_type.code, item.corrected_value) == ("account_password", "")

    staff = client.__class__()
    staff_login(staff, approver)
    page = staff.get(reverse("staff:request_detail", args=[correct_request.reference])).content.decode()
    assert "Flagged as wrong" in page and held not in page

    with django_capture_on_commit_callbacks(execute=True):
        correction.correction_decide(
            request=correct_request, actor=approver, approve=True, notes="Password reset link sent."
        )
    password.refresh_from_db()
    assert password.value == held  # nothing typed back into the records
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED
    completed = next(m for m in outbox if "is complete" in m.subject)
    assert "reset link" in completed.body and held not in completed.body


def test_an_approved_correction_waits_for_the_external_systems_before_the_requester_is_told(
    correct_request, approver, outbox, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    billing = billing_system(tmp_path, monkeypatch, url=f"sqlite:///{tmp_path / 'billing.sqlite3'}")
    address = _point(correct_request.consumer, "member_accounts", "postal_address")
    correction.correction_submit(
        request=correct_request, items=[ItemInput(address.pk, "500 Howard Street, San Francisco, CA 94105")]
    )
    with django_capture_on_commit_callbacks(execute=False):  # the run's task is not run yet
        correction.correction_decide(
            request=correct_request, actor=approver, approve=True, notes="Lease seen."
        )

    address.refresh_from_db()
    assert address.value.startswith("500 Howard Street")  # the portal's own tables at once
    correct_request.refresh_from_db()
    assert correct_request.status == Status.FULFILLING
    assert correct_request.correction_case.state == CorrectionCase.State.APPROVED
    assert not any("is complete" in m.subject for m in outbox)
    run = SystemRun.objects.get(request=correct_request, system=billing, step=SystemRun.Step.CORRECT)

    with django_capture_on_commit_callbacks(execute=True):
        systems.system_run_execute(run_id=run.pk)
    correct_request.refresh_from_db()
    assert (correct_request.status, correct_request.outcome) == (Status.COMPLETED, "complied")
    [done] = [m for m in outbox if "is complete" in m.subject]
    assert "Postal address (Member accounts)" in done.body and "systems of ours: Billing" in done.body
