"""Manual systems: the owner's e-mailed task, the upload validated against the data map, reminders."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from requests_app.models import OwnerTask, RequestEvent, SystemRun
from requests_app.systems import services as systems
from tests.mfa_support import staff_login
from tests.records.external_schema import MAYA

from .conftest import OWNER

pytestmark = pytest.mark.django_db

R = SystemRun.State


@pytest.fixture
def waiting(access_request, paper_files, outbox, django_capture_on_commit_callbacks):
    """The paper-files run of Maya's access request, its owner asked."""
    with django_capture_on_commit_callbacks(execute=True):
        systems.system_runs_gather(
            request=access_request, step="export", identity=systems.consumer_identity(access_request.consumer)
        )
    run = SystemRun.objects.get(request=access_request, system=paper_files)
    assert run.state == R.WAITING_OWNER
    return run


def link_in(message) -> str:
    return "/systems/owner/" + message.body.split("/systems/owner/")[1].split("/")[0] + "/"


def owner_mails(outbox):
    return [m for m in outbox if m.to == [OWNER]]


def stored_exports() -> set[str]:
    return (
        set(default_storage.listdir("system-exports")[1])
        if default_storage.exists("system-exports")
        else set()
    )


def upload(client, url, name: str, content: bytes):
    return client.post(url, {"action": "upload", "file": SimpleUploadedFile(name, content)})


def test_the_owner_is_e_mailed_a_link_and_no_personal_data(waiting, outbox):
    [message] = owner_mails(outbox)
    assert "Export needed in Paper files" in message.subject
    assert "/systems/owner/" in message.body
    text = message.subject + message.body + message.alternatives[0][0]
    for value in (*MAYA.values(), "Maya", "Chen"):
        assert value not in text
    task = OwnerTask.objects.get(run=waiting)
    token = link_in(message).split("/")[3]
    assert task.token_hash != token and len(task.token_hash) == 64  # only the hash is stored
    assert task.expires_at - task.sent_at == timedelta(days=7)


def test_the_owner_page_shows_whom_to_search_for_and_the_column_names(waiting, outbox, client):
    page = client.get(link_in(owner_mails(outbox)[0]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"
    html = page.content.decode()
    assert MAYA["email"] in html and MAYA["member_number"] in html
    assert "<code>entry_image</code>" in html and "<code>payment_card</code>" in html
    assert "<code>page_view</code>" not in html  # not a type of this system's categories


def test_a_good_csv_upload_answers_the_task_once(waiting, outbox, client):
    url = link_in(owner_mails(outbox)[0])
    csv = b"full_name,entry_image,collected_at\nMaya Chen,badge photo,2024-03-01\n,second photo,\n"
    response = upload(client, url, "maya.csv", csv)
    assert response.status_code == 200 and b"Thank you" in response.content
    waiting.refresh_from_db()
    assert (waiting.state, waiting.found, waiting.exported) == (R.DONE, 2, 3)
    assert waiting.identity_sealed == "" and waiting.points_name
    task = OwnerTask.objects.get(run=waiting)
    assert task.answer == "uploaded" and task.answered_at
    event = RequestEvent.objects.get(request=waiting.request, name="requests.systems.done")
    assert event.actor_label == "system owner" and event.data["exported"] == 3
    assert client.get(url).status_code == 410  # single-purpose: the link is spent


def test_a_json_upload_is_accepted_too(waiting, outbox, client):
    url = link_in(owner_mails(outbox)[0])
    content = json.dumps({"records": [{"full_name": "Maya Chen", "phone": 4155550101}]}).encode()
    assert upload(client, url, "export.json", content).status_code == 200
    waiting.refresh_from_db()
    assert waiting.state == R.DONE and waiting.exported == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "maya.csv",
            b"full_name,favourite_colour\nMaya,blue\n",
            "Not a type of information this system holds: favourite_colour",
        ),
        ("maya.csv", b"full_name,collected_at\nMaya,March 1st\n", "Line 2: collected_at is not a date"),
        ("maya.csv", b"full_name,email\nMaya\n", "Line 2 has 1 cells; the first line names 2 columns."),
        ("maya.csv", b"full_name\n\n", "The file holds no values."),
        ("maya.csv", "full_name\nMaïa\n".encode("latin-1"), "The file is not UTF-8 text"),
        ("maya.json", b'[{"full_name": {"first": "Maya"}}]', "Record 1: full_name must be text or a number."),
        ("maya.json", b"{not json", "The file is not valid JSON (line 1)."),
        ("maya.xlsx", b"PK\x03\x04", "Upload a .csv or a .json file."),
    ],
)
def test_a_bad_file_is_refused_whole_with_a_message_and_nothing_is_saved(
    waiting, outbox, client, name, content, message
):
    url = link_in(owner_mails(outbox)[0])
    stored_before = stored_exports()
    response = upload(client, url, name, content)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    waiting.refresh_from_db()
    assert waiting.state == R.WAITING_OWNER and waiting.exported == 0 and waiting.points_name == ""
    assert stored_exports() == stored_before
    assert client.get(url).status_code == 200  # the owner can try again


def test_a_file_over_the_size_cap_is_refused(waiting, outbox, client, settings):
    settings.MANUAL_UPLOAD_MAX_BYTES = 100
    url = link_in(owner_mails(outbox)[0])
    response = upload(client, url, "maya.csv", b"full_name\n" + b"Maya Chen\n" * 20)
    assert response.status_code == 400 and b"larger than" in response.content


def test_an_expired_link_no_longer_works(waiting, outbox, client, settings):
    url = link_in(owner_mails(outbox)[0])
    with time_machine.travel(timezone.now() + timedelta(days=settings.MANUAL_TASK_DAYS, minutes=1)):
        response = client.get(url)
        assert response.status_code == 410 and b"This link no longer works" in response.content
        assert upload(client, url, "maya.csv", b"full_name\nMaya\n").status_code == 410
    waiting.refresh_from_db()
    assert waiting.state == R.WAITING_OWNER


def test_an_unknown_link_opens_nothing(waiting, client):
    assert client.get(reverse("requests_app:system_owner_task", args=["x" * 43])).status_code == 410


def test_a_reminder_sends_a_new_link_and_the_old_one_stops_working(waiting, outbox, client, settings):
    first = link_in(owner_mails(outbox)[0])
    assert systems.owner_tasks_remind() == 0
    with time_machine.travel(
        timezone.now() + timedelta(hours=settings.MANUAL_TASK_REMINDER_HOURS, minutes=1)
    ):
        assert systems.owner_tasks_remind() == 1
        assert systems.owner_tasks_remind() == 0  # once per period
    reminder = owner_mails(outbox)[-1]
    assert reminder.subject.startswith("Reminder: ") and "This is reminder 1" in reminder.body
    assert MAYA["email"] not in reminder.body
    assert client.get(first).status_code == 410
    assert client.get(link_in(reminder)).status_code == 200
    assert OwnerTask.objects.get(run=waiting).reminders_sent == 1


def test_no_reminder_follows_an_answer(waiting, outbox, client, settings):
    upload(client, link_in(owner_mails(outbox)[0]), "maya.csv", b"full_name\nMaya\n")
    with time_machine.travel(timezone.now() + timedelta(hours=settings.MANUAL_TASK_REMINDER_HOURS + 1)):
        assert systems.owner_tasks_remind() == 0


def test_the_owner_may_say_the_system_holds_nothing(waiting, outbox, client):
    response = client.post(link_in(owner_mails(outbox)[0]), {"action": "nothing"})
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert (waiting.state, waiting.found, waiting.exported) == (R.DONE, 0, 0)


@pytest.fixture
def erase_waiting(maya, paper_files, outbox, django_capture_on_commit_callbacks):
    from tests.factories import PrivacyRequestFactory

    request = PrivacyRequestFactory(kind="delete", status="fulfilling", consumer=maya)
    with django_capture_on_commit_callbacks(execute=True):
        systems.system_runs_gather(request=request, step="erase", identity=systems.consumer_identity(maya))
    return SystemRun.objects.get(request=request, system=paper_files)


def test_keeping_records_needs_a_reason(erase_waiting, outbox, client):
    url = link_in(owner_mails(outbox)[0])
    response = client.post(url, {"action": "erasure", "answer": "kept", "count": "1", "reason": ""})
    assert response.status_code == 400
    assert b"Choose the reason the records are kept." in response.content
    assert b"Say why the records are kept; it is required." in response.content
    erase_waiting.refresh_from_db()
    assert erase_waiting.state == R.WAITING_OWNER


def test_the_owner_confirms_an_erasure_with_the_number_of_records(erase_waiting, outbox, client):
    url = link_in(owner_mails(outbox)[0])
    assert "Erasure needed in Paper files" in owner_mails(outbox)[0].subject
    response = client.post(url, {"action": "erasure", "answer": "erased", "count": "3"})
    assert response.status_code == 200
    erase_waiting.refresh_from_db()
    assert (erase_waiting.state, erase_waiting.erased, erase_waiting.kept) == (R.DONE, 3, 0)
    assert erase_waiting.outcome["action"] == "delete" and erase_waiting.outcome["deleted"] == 3


def test_a_manual_system_without_an_owner_address_fails_as_a_configuration_problem(
    access_request, paper_files, outbox, settings, django_capture_on_commit_callbacks
):
    paper_files.owner_email = ""
    paper_files.save()
    with django_capture_on_commit_callbacks(execute=True):
        systems.system_runs_gather(
            request=access_request, step="export", identity=systems.consumer_identity(access_request.consumer)
        )
    run = SystemRun.objects.get(request=access_request, system=paper_files)
    assert run.state == R.FAILING and run.configuration_error
    assert "owner's e-mail address" in run.last_error
    assert [m.to for m in outbox] == [[settings.PRIVACY_CONTACT_EMAIL]]


# --- The staff request page ----------------------------------------------------------------------------


def test_the_request_page_lists_each_systems_run_and_offers_approvers_the_skip(
    waiting, billing, approver, monkeypatch, tmp_path
):
    from tests.factories import staff_member

    request = waiting.request
    monkeypatch.setenv("BILLING_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    failing = SystemRun.objects.create(
        request=request, system=billing, step="export", identity_sealed=waiting.identity_sealed
    )
    with pytest.raises(Exception):  # noqa: B017 - the connector's error, raised for the retry
        systems.system_run_execute(run_id=failing.pk, retries=1)

    client = Client()
    staff_login(client, approver)
    html = client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    assert "External systems" in html
    assert "waiting for the owner" in html and OWNER in html
    assert "<strong>failing</strong>, attempt 1 of 9" in html and "database unreachable" in html
    assert "Skip Paper files (export)" in html and "Try Billing again now" in html

    analyst = staff_member("ana_analyst", "analyst")
    staff_login(client, analyst)
    html = client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    assert "Skip Paper files" not in html and "Try Billing again now" in html

    staff_login(client, approver)
    response = client.post(
        reverse("staff:request_action", args=[request.reference, "system-skip"]),
        {"run": waiting.pk, "reason": "The owner left; the files are being audited.", "confirm": "on"},
    )
    assert response.status_code == 302
    html = client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    assert "skipped by april_approver: The owner left; the files are being audited." in html


def test_a_request_closed_while_the_owner_was_asked_takes_the_link_and_the_identity_away(
    waiting, outbox, client, settings
):
    from requests_app.lifecycle import request_transition

    url = link_in(owner_mails(outbox)[0])
    request_transition(request=waiting.request, to="withdrawn", reason="The requester withdrew it.")
    waiting.refresh_from_db()
    assert waiting.identity_sealed == ""
    assert client.get(url).status_code == 410
    with time_machine.travel(timezone.now() + timedelta(hours=settings.MANUAL_TASK_REMINDER_HOURS + 1)):
        assert systems.owner_tasks_remind() == 0
        assert systems.system_runs_sweep()["enqueued"] == 0


def test_a_viewer_sees_the_systems_but_neither_skips_nor_retries(waiting):
    from tests.factories import staff_member

    client = Client()
    staff_login(client, staff_member("vera_viewer", "viewer"))
    html = client.get(reverse("staff:request_detail", args=[waiting.request.reference])).content.decode()
    assert "External systems" in html and "waiting for the owner" in html
    assert "Skip Paper files" not in html and "system-skip" not in html
    response = client.post(
        reverse("staff:request_action", args=[waiting.request.reference, "system-skip"]),
        {"run": waiting.pk, "reason": "x", "confirm": "on"},
    )
    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.state == R.WAITING_OWNER
