"""The outbox: a message is a row of the sender's transaction, relayed after commit, sent once."""

import pytest
from django.core import mail
from django.db import OperationalError, transaction
from django.test import override_settings

from requests_app.emails import email_send
from requests_app.models import OutboxMessage
from requests_app.outbox.selectors import outbox_failing
from requests_app.outbox.services import FAILING_ATTEMPTS, outbox_relay, outbox_relay_one

pytestmark = pytest.mark.django_db


def _send(key: str = "k1") -> None:
    email_send(
        template="staff_reminder", to="analyst@example.com", context={"requests": []}, key=key, language="en"
    )


@pytest.fixture
def relay_on_commit(settings, monkeypatch):
    """As in production, the relay runs after commit (here in the commit hook, not in a worker)."""
    from requests_app.outbox import services

    settings.OUTBOX_RELAY_SYNC = False
    monkeypatch.setattr(services, "outbox_wake", services.outbox_relay)


def test_a_rolled_back_transaction_sends_nothing_and_leaves_no_row(
    relay_on_commit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _send()
            raise RuntimeError("the state change failed")
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_a_committed_message_is_relayed_on_commit_once(relay_on_commit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _send()
        assert mail.outbox == []  # not sent inside the transaction
    assert len(mail.outbox) == 1
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None and message.attempts == 1
    assert "analyst@example.com" not in str(message.payload)  # a delivered row keeps no address or body
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<outbox-{message.pk}@")
    assert outbox_relay() == 0
    assert len(mail.outbox) == 1


def test_the_same_key_twice_is_one_message(relay_on_commit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _send("same")
        _send("same")
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1


@override_settings(OUTBOX_RELAY_SYNC=False, EMAIL_BACKEND="tests.requests_app.test_outbox.DownBackend")
def test_a_failing_message_is_retried_later_with_its_error_kind_only_and_staff_see_it():
    _send()
    for _attempt in range(FAILING_ATTEMPTS):
        OutboxMessage.objects.update(next_attempt_at=OutboxMessage.objects.get().created_at)
        assert outbox_relay_one() is False
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == FAILING_ATTEMPTS
    assert message.last_error == "ConnectionRefusedError"  # the kind, not the text (it may name an address)
    assert message.next_attempt_at > message.created_at
    assert list(outbox_failing()) == [message]
    assert outbox_relay_one() is None  # not due yet
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        OutboxMessage.objects.update(next_attempt_at=message.created_at)
        assert outbox_relay_one() is True
    assert len(mail.outbox) == 1
    assert list(outbox_failing()) == []


@pytest.mark.django_db(transaction=True)
@override_settings(OUTBOX_RELAY_SYNC=False)
def test_a_message_sent_while_the_database_connection_dies_is_marked_and_not_sent_again(monkeypatch):
    """Found by the PostgreSQL fault drill: the SMTP server accepted the mail, then the transaction that
    marks it died with its connection; the relay marks it on a fresh connection."""
    from requests_app.outbox import services

    monkeypatch.setattr(services, "outbox_wake", lambda: None)  # the only relay is this test's own call
    _send()
    save = OutboxMessage.save

    def connection_lost(self, *args, **kwargs):
        if "sent_at" in kwargs.get("update_fields", ()):
            raise OperationalError("server closed the connection unexpectedly")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(OutboxMessage, "save", connection_lost)
    assert outbox_relay_one() is True
    monkeypatch.undo()

    message = OutboxMessage.objects.get()
    assert message.sent_at is not None and message.attempts == 1
    assert "analyst@example.com" not in str(message.payload)
    assert outbox_relay() == 0
    assert len(mail.outbox) == 1


def test_staff_see_failing_messages_in_the_admin_without_their_payload(admin_client):
    OutboxMessage.objects.create(
        key="email:x",
        kind="email",
        payload={"to": "maya.chen@example.com"},
        attempts=5,
        last_error="SMTPError",
    )
    response = admin_client.get("/admin/requests_app/outboxmessage/?delivery=failing")
    assert response.status_code == 200
    assert b"SMTPError" in response.content and b"maya.chen" not in response.content


class DownBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp.example.com:25 refused maya.chen@example.com")


def test_the_waker_publishes_at_once_then_folds_a_burst_of_wakes_into_few_publishes(settings, monkeypatch):
    """One relay drains every due row, so a wake per committed request would only cost the web process a
    broker publish each: under a steady stream, at most one publish per WAKE_INTERVAL_SECONDS."""
    import threading
    import time

    from requests_app.outbox import services, tasks

    settings.OUTBOX_RELAY_SYNC = settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: the thread
    published = []
    first = threading.Event()

    def publish(*args, **kwargs):
        published.append(time.monotonic())
        first.set()

    monkeypatch.setattr(tasks.outbox_relay_task, "apply_async", publish)
    started = time.monotonic()
    services.outbox_wake()
    assert first.wait(5), "a wake after a quiet spell is published"
    for _ in range(60):  # a request every 5 ms: 60 commits in about 0.3 s
        services.outbox_wake()
        time.sleep(0.005)
    elapsed = time.monotonic() - started
    services.outbox_waker_stop()
    assert 1 < len(published) <= elapsed / services.WAKE_INTERVAL_SECONDS + 2
    assert not services._waker["thread"]


def test_a_stopped_waker_is_started_again_by_the_next_wake(settings, monkeypatch):
    import threading

    from requests_app.outbox import services, tasks

    settings.OUTBOX_RELAY_SYNC = settings.CELERY_TASK_ALWAYS_EAGER = False
    published = threading.Event()
    monkeypatch.setattr(tasks.outbox_relay_task, "apply_async", lambda *a, **k: published.set())
    services.outbox_wake()
    thread = services._waker["thread"]
    services.outbox_waker_stop()
    assert not thread.is_alive()
    published.clear()
    services.outbox_wake()
    assert published.wait(5)
    assert services._waker["thread"].is_alive() and services._waker["thread"] is not thread


def test_with_eager_tasks_a_wake_relays_in_the_callers_thread(settings, monkeypatch):
    """Unit settings with OUTBOX_RELAY_SYNC off: no background thread runs the relay against the test's
    database (it did, and then failed a later test with 'database table is locked')."""
    import threading

    from requests_app.outbox import services, tasks

    settings.OUTBOX_RELAY_SYNC = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    callers = []
    monkeypatch.setattr(
        tasks.outbox_relay_task, "apply_async", lambda *a, **k: callers.append(threading.current_thread())
    )
    services.outbox_wake()
    assert callers == [threading.current_thread()]
    assert services._waker["thread"] is None
