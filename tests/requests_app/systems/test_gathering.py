"""The access report and the deletion response wait for every external system, and hold what each did."""

import io
import json
import random
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from records.models import DataPoint
from records.vault import vault_get
from requests_app.deletion import services as deletion
from requests_app.fulfilment import fulfilment_enqueue
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.models import AccessReport, DeletionCase, PrivacyRequest, RequestEvent, Status, SystemRun
from requests_app.reports.services import access_report_fulfil
from requests_app.systems import services as systems
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db

R = SystemRun.State
CSV = b"full_name,entry_image,collected_at\nMaya Chen,badge photo 2024-03-01 08:59,2024-03-01\n"


def owner_link(outbox) -> str:
    [message] = [m for m in outbox if m.to == ["files.owner@rakunest.example"]][-1:]
    return message.body.split("/systems/owner/")[1].split("/")[0]


def report_json(report: AccessReport) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(vault_get(report.zip_name, sha256=report.zip_sha256)))
    [name] = [n for n in archive.namelist() if n.endswith(".json")]
    return json.loads(archive.read(name))


def test_the_access_report_waits_for_every_system_and_groups_their_data_by_system(
    access_request, billing, paper_files, outbox, django_capture_on_commit_callbacks, client
):
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(2)).rich(access_request.consumer))
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment_enqueue(request=access_request)

    runs = {
        r.system.code: r for r in SystemRun.objects.filter(request=access_request).select_related("system")
    }
    assert runs["billing"].state == R.DONE and runs["paper_files"].state == R.WAITING_OWNER
    access_request.refresh_from_db()
    assert access_request.status == Status.FULFILLING  # not rendered while the owner has not answered
    assert not AccessReport.objects.filter(request=access_request, step="ready").exists()
    assert access_report_fulfil(request_id=access_request.pk) is None  # the sweeper's re-check: still waits

    token = owner_link(outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/systems/owner/{token}/",
            {"action": "upload", "file": SimpleUploadedFile("maya.csv", CSV, content_type="text/csv")},
        )
    assert response.status_code == 200 and b"Thank you" in response.content

    access_request.refresh_from_db()
    assert access_request.status == Status.COMPLETED
    report = AccessReport.objects.get(request=access_request)
    document = report_json(report)
    by_system: dict[str, list] = {}
    for point in document["data_points"]:
        by_system.setdefault(point["system"], []).append(point)
    assert {"Member accounts", "Billing", "Paper files"} <= set(by_system)
    assert list(by_system)[-2:] == ["Billing", "Paper files"]  # after the built-in systems, in data-map order
    billing_values = {p["type"]: p["value"] for p in by_system["Billing"]}
    assert (
        billing_values["Full name"] == "Maya Chen" and billing_values["Postal address"] == "123 Market Street"
    )
    assert billing_values["Payment card number"] is None  # never disclosed (Regs §7024(d)), as for built-in
    assert {p["type"]: p["value"] for p in by_system["Paper files"]} == {
        "Full name": "Maya Chen",
        # Not a §7024(d) type and not withheld by the policy: disclosed (issue 15, item 5).
        "Image captured at building entry": "badge photo 2024-03-01 08:59",
    }
    assert document["report"]["data_point_count"] == report.data_points
    # The exported points were deleted once the report was stored.
    for run in SystemRun.objects.filter(request=access_request):
        assert run.points_name == ""
    assert not default_storage.listdir("system-exports")[1]


def test_a_categories_report_counts_the_external_systems_too(
    maya, billing, django_capture_on_commit_callbacks
):
    request = PrivacyRequestFactory(kind="know_categories", status=Status.FULFILLING, consumer=maya)
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment_enqueue(request=request)
    report = AccessReport.objects.get(request=request)
    assert report.data_points == 10
    categories = {c["category"] for c in report_json(report)["categories_collected"]}
    assert {"Identifiers", "Additional customer records", "Commercial information"} <= categories


# --- Deletion --------------------------------------------------------------------------------------


@pytest.fixture
def delete_request(maya, settings):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(1)).rich(maya))
    request = PrivacyRequestFactory(
        kind="delete", status=Status.FULFILLING, consumer=maya, submission__email="maya.chen@example.com"
    )
    DeletionCase.objects.create(
        request=request,
        state=DeletionCase.State.SCHEDULED,
        confirmed_at=timezone.now(),
        erase_after=timezone.now(),
    )
    return request


def test_a_deletion_is_completed_and_answered_only_when_every_system_has_answered(
    delete_request, billing, paper_files, outbox, client, django_capture_on_commit_callbacks, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        assert deletion.deletion_execute(request_id=delete_request.pk)

    delete_request.refresh_from_db()
    case = DeletionCase.objects.get(request=delete_request)
    assert case.state == DeletionCase.State.ERASED  # the built-in part ran as before
    assert delete_request.status == Status.FULFILLING  # but the request waits for the owner
    erase = {r.system.code: r for r in SystemRun.objects.filter(request=delete_request, step="erase")}
    assert erase["billing"].state == R.DONE and (erase["billing"].found, erase["billing"].erased) == (1, 4)
    assert erase["paper_files"].state == R.WAITING_OWNER
    assert not [m for m in outbox if "is complete" in m.subject]
    assert deletion.deletion_response_send(request_id=delete_request.pk) is False  # the sweeper's try: waits
    assert deletion.deletion_complete(request_id=delete_request.pk) is False

    token = owner_link(outbox)
    page = client.get(f"/systems/owner/{token}/")
    assert b"maya.chen@example.com" in page.content and b"Delete this person" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/systems/owner/{token}/",
            {"action": "erasure", "answer": "kept", "count": "2", "reason": "security",
             "explanation": "Entry images are kept for 90 days for building security."},
        )  # fmt: skip

    delete_request.refresh_from_db()
    assert delete_request.status == Status.COMPLETED and delete_request.outcome == "partially"
    [response] = [m for m in outbox if "is complete" in m.subject]
    assert "Member accounts: deleted" in response.body
    assert "Billing: deleted" in response.body or "Billing: de-identified" in response.body
    assert "Paper files (2 items): Entry images are kept for 90 days for building security." in response.body
    completed = RequestEvent.objects.get(request=delete_request, name="requests.request.completed")
    assert "security" in completed.data["retained_reasons"]
    # Nothing is sent twice: the sweeper, a redelivered message and the continuation again do nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert deletion.deletion_complete(request_id=delete_request.pk) is False
        assert deletion.deletion_response_send(request_id=delete_request.pk) is False
        systems.system_runs_sweep()
    assert len([m for m in outbox if "is complete" in m.subject]) == 1


def test_a_skipped_system_is_named_in_the_deletion_response_with_the_reason(
    delete_request, paper_files, outbox, approver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deletion.deletion_execute(request_id=delete_request.pk)
    run = SystemRun.objects.get(request=delete_request, system=paper_files)
    with django_capture_on_commit_callbacks(execute=True):
        systems.system_run_skip(
            run_id=run.pk,
            actor=approver,
            reason="The paper files were shredded under our retention schedule.",
        )
    request = PrivacyRequest.objects.get(pk=delete_request.pk)
    assert request.status == Status.COMPLETED and request.outcome == "partially"
    [response] = [m for m in outbox if "is complete" in m.subject]
    assert "Where we could not carry out the deletion" in response.body
    assert "Paper files: The paper files were shredded under our retention schedule." in response.body
    completed = RequestEvent.objects.get(request=request, name="requests.request.completed")
    assert completed.data["skipped_systems"] == ["paper_files"]


def test_a_system_that_holds_nothing_is_listed_as_such(
    delete_request, billing, outbox, django_capture_on_commit_callbacks, maya
):
    maya.email, maya.phone, maya.member_number = "someone.else@example.com", "+14155550199", "RN00000999"
    maya.save()
    with django_capture_on_commit_callbacks(execute=True):
        deletion.deletion_execute(request_id=delete_request.pk)
    [response] = [m for m in outbox if "is complete" in m.subject]
    assert "Billing: we held nothing about you" in response.body


def test_without_external_systems_a_deletion_completes_at_once_as_before(
    delete_request, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deletion.deletion_execute(request_id=delete_request.pk)
    delete_request.refresh_from_db()
    assert delete_request.status == Status.COMPLETED
    assert not SystemRun.objects.exists()
    assert len([m for m in outbox if "is complete" in m.subject]) == 1


def test_the_recipients_of_an_external_system_are_instructed_before_the_identifiers_go(
    delete_request, billing, django_capture_on_commit_callbacks, monkeypatch
):
    from records.models import Recipient
    from requests_app.models import ProcessorNotice

    recipient = Recipient.objects.get(code="payments")
    recipient.notify_by, recipient.notify_email = "email", "privacy@payments.example"
    recipient.save()
    billing.recipients.add(recipient)
    monkeypatch.setattr("requests_app.processors.services.processor_notice_send_task.delay", lambda *a: None)
    with django_capture_on_commit_callbacks(execute=True):
        deletion.deletion_execute(request_id=delete_request.pk)
    notice = ProcessorNotice.objects.get(request=delete_request, recipient=recipient)
    assert set(notice.subject) == {"email", "phone", "member_number"}  # hashed while they were on record
