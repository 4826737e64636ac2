import json
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from records.models import Recipient
from requests_app.exceptions import RequestError
from requests_app.models import Kind, ProcessorNotice, RequestEvent, Status
from requests_app.processors import services as processors
from requests_app.processors.services import (
    ProcessorError,
    processor_notice_confirm_by_staff,
    processor_notices_create,
    processor_reminders_enqueue,
    webhook_signature,
    webhook_signature_valid,
)
from requests_app.states import state_change
from tests.factories import ConsumerFactory, PrivacyRequestFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_for_maya():
    consumer = ConsumerFactory(
        email="maya.chen@example.com", phone="+14155550101", member_number="RN00000001"
    )
    return PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING, consumer=consumer)


@pytest.fixture
def webhook_recipient(webhook_server):
    recipient = Recipient.objects.get(code="it_hosting")
    recipient.notify_by = Recipient.Notify.WEBHOOK
    recipient.webhook_url = webhook_server.url
    recipient.save()
    return recipient


@pytest.fixture
def email_recipient():
    recipient = Recipient.objects.get(code="event_registration")
    recipient.notify_by = Recipient.Notify.EMAIL
    recipient.notify_email = "privacy@events.example"
    recipient.save()
    return recipient


@pytest.fixture
def fast_retries(settings):
    """Eager Celery runs each retry at once, in the caller; it then reports the outermost call as "retry",
    which must not be raised into the test (a real worker just schedules the retry)."""
    from rakunest_privacy.celery import app

    settings.PROCESSOR_SEND_MAX_RETRIES = 3
    settings.PROCESSOR_WEBHOOK_TIMEOUT_SECONDS = 0.5
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield settings
    app.conf.task_eager_propagates = saved


def _signed(body: dict, *, at: int | None = None, secret: str | None = None) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, webhook_signature(body=raw, timestamp=at or int(time.time()), secret=secret)


def test_a_webhook_notice_is_signed_and_carries_hashes_but_no_identifiers(
    request_for_maya, webhook_recipient, webhook_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = processor_notices_create(
            request=request_for_maya, recipients=[webhook_recipient], action="delete"
        )

    [call] = webhook_server.wait_for(1)
    assert webhook_signature_valid(body=call.body, header=call.headers["rakunest-signature"])
    payload = json.loads(call.body)
    assert payload["notice_id"] == str(notice.public_id)
    assert payload["request_reference"] == request_for_maya.reference
    assert payload["action"] == "delete"
    assert set(payload["subject"]["identifiers"]) == {"email", "phone", "member_number"}
    for raw in ("maya.chen@example.com", "+14155550101", "RN00000001", "Maya", "Chen"):
        assert raw not in call.body.decode()
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.SENT
    assert notice.attempts == 1
    assert notice.next_reminder_at > timezone.now()


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(
    request_for_maya, webhook_recipient, webhook_server, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                processor_notices_create(
                    request=request_for_maya, recipients=[webhook_recipient], action="delete"
                )
                raise RuntimeError("erasure failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not ProcessorNotice.objects.exists()
    assert webhook_server.received == []


def test_creating_notices_twice_for_the_same_request_and_recipient_sends_once(
    request_for_maya, webhook_recipient, webhook_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        processor_notices_create(request=request_for_maya, recipients=[webhook_recipient], action="delete")
        again = processor_notices_create(
            request=request_for_maya, recipients=[webhook_recipient], action="delete"
        )
    assert again == []
    assert ProcessorNotice.objects.count() == 1
    assert len(webhook_server.wait_for(1)) == 1


def test_an_email_notice_goes_to_the_recipients_privacy_address(
    request_for_maya, email_recipient, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = processor_notices_create(
            request=request_for_maya, recipients=[email_recipient], action="delete"
        )
    [message] = outbox
    assert message.to == ["privacy@events.example"]
    assert str(notice.public_id) in message.subject
    assert "maya.chen@example.com" not in message.body
    assert notice.subject["email"] in message.body
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.SENT


def test_a_recipient_that_is_not_notified_gets_no_notice(request_for_maya):
    authority = Recipient.objects.get(code="authorities_law")
    assert processor_notices_create(request=request_for_maya, recipients=[authority], action="delete") == []


def test_a_failing_webhook_is_retried_until_it_succeeds(
    request_for_maya, webhook_recipient, webhook_server, fast_retries, django_capture_on_commit_callbacks
):
    webhook_server.statuses = [500, 503, 200]
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = processor_notices_create(
            request=request_for_maya, recipients=[webhook_recipient], action="delete"
        )
    calls = webhook_server.wait_for(3)
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.SENT
    assert notice.attempts == 3
    assert len(calls) == 3
    # every attempt is freshly signed
    assert all(webhook_signature_valid(body=c.body, header=c.headers["rakunest-signature"]) for c in calls)


def test_a_webhook_that_keeps_failing_is_marked_failed_after_the_last_retry(
    request_for_maya, webhook_recipient, webhook_server, fast_retries, django_capture_on_commit_callbacks
):
    webhook_server.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = processor_notices_create(
            request=request_for_maya, recipients=[webhook_recipient], action="delete"
        )
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.FAILED
    assert notice.attempts == 1 + fast_retries.PROCESSOR_SEND_MAX_RETRIES
    assert notice.last_error == "http_500"
    assert RequestEvent.objects.filter(request=request_for_maya, name="requests.processor.failed").exists()


def test_a_client_error_is_not_retried(
    request_for_maya, webhook_recipient, webhook_server, fast_retries, django_capture_on_commit_callbacks
):
    webhook_server.statuses = [400]
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = processor_notices_create(
            request=request_for_maya, recipients=[webhook_recipient], action="delete"
        )
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == ("failed", 1, "http_400")


def test_a_redirect_is_not_followed(
    request_for_maya, webhook_recipient, webhook_server, fast_retries, django_capture_on_commit_callbacks
):
    webhook_server.statuses = [302]
    webhook_server.redirect_to = "http://127.0.0.1:9/elsewhere"
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = processor_notices_create(
            request=request_for_maya, recipients=[webhook_recipient], action="delete"
        )
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.FAILED
    assert len(webhook_server.received) == 1


def test_a_slow_webhook_times_out_and_is_retried(
    request_for_maya, webhook_recipient, webhook_server, fast_retries, django_capture_on_commit_callbacks
):
    fast_retries.PROCESSOR_SEND_MAX_RETRIES = 1
    webhook_server.delay_seconds = 1.5
    with django_capture_on_commit_callbacks(execute=True):
        [notice] = processor_notices_create(
            request=request_for_maya, recipients=[webhook_recipient], action="delete"
        )
    notice.refresh_from_db()
    assert notice.last_error == "timeout"
    assert notice.attempts == 2


def test_retries_back_off_exponentially(settings):
    from requests_app.processors.tasks import notice_retry_countdown

    settings.PROCESSOR_RETRY_BASE_SECONDS = 60
    assert [notice_retry_countdown(n) for n in range(4)] == [60, 120, 240, 480]
    assert notice_retry_countdown(20) == 6 * 3600


def test_the_signature_rejects_a_changed_body_a_wrong_secret_and_an_old_timestamp():
    body, header = _signed({"notice_id": "x"})
    assert webhook_signature_valid(body=body, header=header)
    assert not webhook_signature_valid(body=body + b" ", header=header)
    assert not webhook_signature_valid(body=body, header=_signed({"notice_id": "x"}, secret="other")[1])
    old_body, old_header = _signed({"notice_id": "x"}, at=int(time.time()) - 3600)
    assert not webhook_signature_valid(body=old_body, header=old_header)
    assert not webhook_signature_valid(body=body, header="garbage")
    assert not webhook_signature_valid(body=body, header="")


def _sent_notice(request, recipient, **fields) -> ProcessorNotice:
    defaults = {
        "method": recipient.notify_by,
        "status": ProcessorNotice.State.SENT,
        "sent_at": timezone.now(),
        "next_reminder_at": timezone.now() + timedelta(hours=72),
        "details": {"changes": [{"type": "phone", "value": "+14155550199"}]},
    }
    return ProcessorNotice.objects.create(
        request=request, recipient=recipient, action="correct", **{**defaults, **fields}
    )


def test_a_signed_callback_confirms_the_notice_and_forgets_the_corrected_values(
    client, request_for_maya, webhook_recipient
):
    notice = _sent_notice(request_for_maya, webhook_recipient)
    body, header = _signed({"notice_id": str(notice.public_id), "outcome": "completed"})

    response = client.post(
        reverse("requests_app:processor_confirm"),
        body,
        content_type="application/json",
        headers={"RakuNest-Signature": header},
    )

    assert response.status_code == 204
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.CONFIRMED
    assert notice.confirmed_via == "webhook"
    assert notice.details == {}
    assert notice.next_reminder_at is None
    event = RequestEvent.objects.get(request=request_for_maya, name="requests.processor.confirmed")
    assert event.data["outcome"] == "completed"


@pytest.mark.parametrize(
    ("make_body", "status", "error"),
    [
        (lambda n: _signed({"notice_id": str(n.public_id)}, secret="wrong-secret"), 401, "bad_signature"),
        (lambda n: _signed({"notice_id": str(n.public_id)}, at=int(time.time()) - 900), 401, "bad_signature"),
        (lambda n: _signed({"notice_id": "00000000-0000-0000-0000-000000000000"}), 404, "unknown_notice"),
        (lambda n: _signed({"notice_id": "not-a-uuid"}), 400, "malformed"),
        (lambda n: _signed(["a", "list"]), 400, "malformed"),
        (lambda n: _signed({"notice_id": str(n.public_id), "outcome": "maybe"}), 400, "unknown_outcome"),
    ],
)
def test_a_bad_callback_is_refused_and_changes_nothing(
    client, request_for_maya, webhook_recipient, make_body, status, error
):
    notice = _sent_notice(request_for_maya, webhook_recipient)
    body, header = make_body(notice)
    response = client.post(
        reverse("requests_app:processor_confirm"),
        body,
        content_type="application/json",
        headers={"RakuNest-Signature": header},
    )
    assert response.status_code == status
    assert response.json() == {"error": error}
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.SENT


def test_the_callback_endpoint_needs_a_signature_and_accepts_only_post(client):
    url = reverse("requests_app:processor_confirm")
    assert client.get(url).status_code == 405
    response = client.post(url, b"{}", content_type="application/json")
    assert response.status_code == 401


def test_staff_record_a_confirmation_that_came_by_email(request_for_maya, email_recipient):
    notice = _sent_notice(request_for_maya, email_recipient)
    analyst = staff_member("analyst", "analyst")

    assert processor_notice_confirm_by_staff(notice_id=notice.pk, actor=analyst, note="reply of 3 May")

    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.CONFIRMED
    assert notice.confirmed_via == "staff"
    event = RequestEvent.objects.get(request=request_for_maya, name="requests.processor.confirmed")
    assert event.actor == analyst


def test_someone_without_a_staff_role_cannot_record_a_confirmation(request_for_maya, email_recipient):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from staff.evidence import processor_confirmation_record

    notice = _sent_notice(request_for_maya, email_recipient)
    member = get_user_model().objects.create_user("member")
    with pytest.raises(PermissionDenied):
        processor_confirmation_record(
            request=request_for_maya, actor=member, notice_id=notice.pk, outcome="completed", note="Replied."
        )
    with pytest.raises(ProcessorError):
        processor_notice_confirm_by_staff(notice_id=notice.pk, actor=AnonymousUser())
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.SENT


def test_recipients_are_reminded_until_they_confirm(
    request_for_maya, email_recipient, outbox, django_capture_on_commit_callbacks
):
    overdue = _sent_notice(request_for_maya, email_recipient, next_reminder_at=timezone.now() - timedelta(1))
    other = Recipient.objects.get(code="access_control")
    other.notify_email = "privacy@access.example"
    other.save()
    _sent_notice(
        request_for_maya,
        other,
        status=ProcessorNotice.State.CONFIRMED,
        next_reminder_at=timezone.now() - timedelta(1),
    )

    assert processor_reminders_enqueue() == 1

    [reminder] = outbox
    assert reminder.subject.startswith("Reminder 1:")
    assert reminder.to == ["privacy@events.example"]
    overdue.refresh_from_db()
    assert overdue.reminders_sent == 1
    assert overdue.next_reminder_at > timezone.now() + timedelta(hours=71)
    # Not due again until the next interval.
    assert processor_reminders_enqueue() == 0


def test_a_notice_whose_message_was_lost_is_sent_by_the_sweeper(request_for_maya, email_recipient, outbox):
    notice = ProcessorNotice.objects.create(
        request=request_for_maya, recipient=email_recipient, action="delete", method="email"
    )
    ProcessorNotice.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(hours=2))

    assert processor_reminders_enqueue() == 1

    assert len(outbox) == 1
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.SENT


def test_subject_hashes_depend_on_the_shared_key(settings):
    consumer = ConsumerFactory.build(email="a@example.com", phone="", member_number=None)
    first = processors.subject_hashes(consumer)
    settings.PROCESSOR_SUBJECT_HASH_KEY = "another-key"
    assert set(first) == {"email"}
    assert processors.subject_hashes(consumer) != first


# --- The state machine of a notice -------------------------------------------------------------------


def test_the_notice_table_has_a_row_for_every_status_and_leads_only_to_statuses():
    states = set(ProcessorNotice.State.values)
    assert set(processors.NOTICE_STATES) == states
    assert set().union(*processors.NOTICE_STATES.values()) <= states


def test_a_confirmed_notice_cannot_be_sent_again(request_for_maya, email_recipient):
    notice = ProcessorNotice.objects.create(
        request=request_for_maya,
        recipient=email_recipient,
        action=ProcessorNotice.Action.DELETE,
        method=ProcessorNotice.Method.EMAIL,
        status=ProcessorNotice.State.CONFIRMED,
    )

    with pytest.raises(RequestError) as refused:
        state_change(
            obj=notice,
            field="status",
            to=ProcessorNotice.State.PENDING,
            table=processors.NOTICE_STATES,
            request=notice.request_id,
            event="requests.processor.resend",
        )

    assert refused.value.code == "illegal_state_change"
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.CONFIRMED
    assert not RequestEvent.objects.filter(request=request_for_maya).exists()
