"""Outbox: write a message in the caller's transaction (`outbox_put`), relay it after commit (`outbox_relay`).

Why here: every sender is in requests_app or staff (verification only supplies transports such as
`verification.sms`), so requests_app's core is the lowest layer all of them import.

Delivery is at-least-once with one remaining window: a relay killed after the SMTP server (or the broker)
accepted a message and before its `sent_at` committed sends it again on the next drain. (A relay that
lives on but loses its database connection at that moment marks the message on a fresh connection, for up
to MARK_RETRY_SECONDS, so a PostgreSQL restart does not open the window.) Each row is
claimed, sent and marked in its own short transaction, so that window is one message wide; e-mails carry
a Message-ID derived from the row, so a duplicate is recognisable downstream.
"""

import hmac
import logging
import os
import queue
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.db.models import F
from django.utils import timezone

from requests_app.outbox.models import OutboxKind, OutboxMessage

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
MARK_RETRY_SECONDS = 15  # how long a relay keeps trying to mark a delivered message when the database is away
FAILING_ATTEMPTS = 3  # from this many failed attempts on, staff see the message (outbox_failing)


def outbox_put(*, key: str, kind: str, payload: dict, relay_at_once: bool = False) -> None:
    """Write one message in the current transaction; a second put with the same key is a no-op.

    `relay_at_once` only matters under OUTBOX_RELAY_SYNC (unit settings): this row is relayed in place
    instead of in the commit hook, for a task that reads nothing the caller's transaction wrote (a
    code lookup), so that tests read mail.outbox right after it as they do after an e-mail."""
    key = key[:200]
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(key=key, kind=kind, payload=payload)], ignore_conflicts=True
    )
    if relay_at_once and getattr(settings, "OUTBOX_RELAY_SYNC", False):
        outbox_relay_one(key=key)
        return
    outbox_wake_on_commit(kind)


def outbox_task(task, *args, key: str | None = None, relay_at_once: bool = False, **kwargs) -> None:
    """Enqueue a Celery task (primary keys only) through the outbox: published once the transaction commits."""
    payload = {"task": task.name, "args": list(args)}
    if kwargs:
        payload["kwargs"] = kwargs
    outbox_put(
        key=key or f"{task.name}:{uuid.uuid4().hex}",
        kind=OutboxKind.TASK,
        payload=payload,
        relay_at_once=relay_at_once,
    )


def outbox_task_if_matched(task, candidate, *, typed: str, on_file: str):
    """The web half of a "send me a code" lookup, the same work whether or not `typed` matches: one
    constant-time comparison and one outbox row for `task`, whose argument is the candidate's id on a match
    and None otherwise (never what was typed); the worker decides, issues and sends. Returns the match."""
    matched = candidate is not None and hmac.compare_digest(typed.encode(), on_file.encode())
    found = candidate if matched else None
    outbox_task(task, found.pk if found else None, relay_at_once=True)
    return found


def outbox_email(*, key: str | None, to: str, template: str, subject: str, text: str, html: str) -> None:
    outbox_put(
        key=key or f"email:{template}:{uuid.uuid4().hex}",
        kind=OutboxKind.EMAIL,
        payload={"template": template, "to": to, "subject": subject, "text": text, "html": html},
    )


def outbox_sms(*, key: str | None, to: str, body: str) -> None:
    outbox_put(key=key or f"sms:{uuid.uuid4().hex}", kind=OutboxKind.SMS, payload={"to": to, "body": body})


# --- Waking the relay ---------------------------------------------------------------------------------
# In the web process the wake (a Celery publish) is done by one background thread, so that neither the
# publish nor a broker outage is on the request's path. The thread publishes at once when woken after a
# quiet spell, then at most once per WAKE_INTERVAL_SECONDS: every wake that arrives meanwhile is folded into
# the next publish, since one relay drains every due row. Under load that is a few publishes a second
# instead of one per request (a publish costs about as much CPU as the rest of an intake POST; bench/intake.py).
# With OUTBOX_RELAY_SYNC (eager/unit settings) the relay runs in the commit hook itself.

WAKE_INTERVAL_SECONDS = 0.05
_STOP = object()
_wakes: queue.Queue = queue.Queue()
_waker: dict = {"thread": None, "pid": None}
_waker_lock = threading.Lock()


def outbox_wake_on_commit(kind: str = OutboxKind.TASK) -> None:
    if getattr(settings, "OUTBOX_RELAY_SYNC", False) and kind != OutboxKind.TASK:
        # Eager/unit set-ups (settings_test): an e-mail or text is handed to the (locmem) backend at once,
        # so that tests read mail.outbox right after the service; task enqueues still wait for the commit.
        outbox_relay(kinds=(OutboxKind.EMAIL, OutboxKind.SMS))
        return
    transaction.on_commit(outbox_wake)


def outbox_wake() -> None:
    if getattr(settings, "OUTBOX_RELAY_SYNC", False):
        outbox_relay()
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # An eager publish runs the relay at once, in the caller's thread: no waker thread, which would
        # run it in the background against the same database (unit settings with OUTBOX_RELAY_SYNC off).
        _wake_publish()
        return
    with _waker_lock:
        if _waker["thread"] is None or _waker["pid"] != os.getpid() or not _waker["thread"].is_alive():
            thread = threading.Thread(target=_waker_loop, name="outbox-waker", daemon=True)
            _waker.update(thread=thread, pid=os.getpid())
            thread.start()
    _wakes.put_nowait(1)


def outbox_waker_stop(timeout: float = 5) -> None:
    """Stop this process's waker thread, if it has one (tests: no thread outlives the test that started
    it, to relay rows of a later test). A later wake starts a new one."""
    with _waker_lock:
        thread = _waker["thread"]
        _waker.update(thread=None, pid=None)
        if thread is None or not thread.is_alive():
            return
        _wakes.put_nowait(_STOP)
    thread.join(timeout)


def _waker_loop() -> None:
    while True:
        wakes = [_wakes.get()]
        while not _wakes.empty():  # coalesce
            wakes.append(_wakes.get_nowait())
        if _STOP in wakes:
            return
        if not _wake_publish():
            time.sleep(1)
        time.sleep(WAKE_INTERVAL_SECONDS)


def _wake_publish() -> bool:
    from requests_app.outbox.tasks import outbox_relay_task

    try:
        outbox_relay_task.apply_async(retry=False)
    except Exception as exc:  # the broker is down: the beat drain relays the rows later
        logger.warning("outbox wake not published (%s); the periodic drain will relay", type(exc).__name__)
        return False
    return True


# --- Relaying -----------------------------------------------------------------------------------------


def _deliver(message: OutboxMessage) -> None:
    payload = message.payload
    if message.kind == OutboxKind.EMAIL:
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"
        email = EmailMultiAlternatives(
            subject=payload["subject"],
            body=payload["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[payload["to"]],
            headers={"Message-ID": f"<outbox-{message.pk}@{domain}>"},  # the same on a resend
        )
        email.attach_alternative(payload["html"], "text/html")
        email.send()
    elif message.kind == OutboxKind.SMS:
        from verification.sms import sms_send

        sms_send(to=payload["to"], body=payload["body"])
    elif message.kind == OutboxKind.TASK:
        from celery import current_app

        current_app.tasks[payload["task"]].apply_async(
            args=payload.get("args", []), kwargs=payload.get("kwargs", {}), retry=False
        )
    else:
        raise ValueError("unknown outbox kind")


def _sent_payload(message: OutboxMessage) -> dict:
    """What stays once a message is sent: no addresses or bodies (personal data) in a delivered row."""
    if message.kind == OutboxKind.TASK:
        return message.payload
    return {"template": message.payload.get("template", "")}


def outbox_relay_one(*, kinds: tuple[str, ...] = (), key: str | None = None) -> bool | None:
    """Claim one due message (SKIP LOCKED: concurrent relays take different rows), send it, mark it;
    only of `kinds` / only the one with `key` when given.
    Returns True if sent, False if it failed (and was rescheduled), None if nothing was due."""
    delivered: list[OutboxMessage] = []
    try:
        return _relay_one(kinds=kinds, key=key, delivered=delivered)
    except (DatabaseError, InterfaceError):
        eager_task = delivered and delivered[0].kind == OutboxKind.TASK and settings.CELERY_TASK_ALWAYS_EAGER
        if not delivered or connection.in_atomic_block or eager_task:
            raise  # nothing went out, or what went out (an eager task's writes) rolled back with it
        # Accepted downstream, but the transaction marking it died with its connection (a PostgreSQL
        # restart, found by tests/integration/test_fault_drills.py): mark it on a fresh connection, or
        # the next drain sends it again.
        _sent_mark_again(delivered[0])
        return True


def _sent_mark_again(message: OutboxMessage) -> None:
    deadline = time.monotonic() + MARK_RETRY_SECONDS
    while True:
        connection.close()
        try:
            OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, payload=_sent_payload(message)
            )
            return
        except (DatabaseError, InterfaceError):
            if time.monotonic() > deadline:
                raise  # still down: the one duplicate window of the module docstring
            time.sleep(0.5)


def _relay_one(*, kinds: tuple[str, ...], key: str | None, delivered: list[OutboxMessage]) -> bool | None:
    now = timezone.now()
    only = {**({"kind__in": kinds} if kinds else {}), **({"key": key} if key is not None else {})}
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, next_attempt_at__lte=now, **only)
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if message is None:
            return None
        try:
            with transaction.atomic():  # an eager task's own writes roll back alone if it raises
                _deliver(message)
        except Exception as exc:
            message.attempts += 1
            message.last_error = type(exc).__name__[:100]
            # A task enqueue fails only while the broker is away: retry it at the base interval, so that
            # fulfilment resumes within seconds of the broker's return rather than after a long backoff.
            ceiling = RETRY_BASE_SECONDS if message.kind == OutboxKind.TASK else RETRY_MAX_SECONDS
            delay = min(RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), ceiling)
            message.next_attempt_at = now + timedelta(seconds=delay)
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning("outbox message %s (%s) failed: %s", message.pk, message.kind, message.last_error)
            if getattr(settings, "OUTBOX_RELAY_SYNC", False) and getattr(
                settings, "CELERY_TASK_EAGER_PROPAGATES", False
            ):
                raise
            return False
        delivered.append(message)
        message.sent_at = timezone.now()
        message.attempts += 1
        message.payload = _sent_payload(message)
        message.save(update_fields=["sent_at", "attempts", "payload"])
    return True


def outbox_relay(*, limit: int = 500, kinds: tuple[str, ...] = ()) -> int:
    """Relay due messages (of `kinds`, default all) until none is left (or `limit`); the number sent."""
    sent = 0
    for _ in range(limit):
        result = outbox_relay_one(kinds=kinds)
        if result is None:
            break
        sent += bool(result)
    return sent
