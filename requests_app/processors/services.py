"""Notices to service providers, contractors and third parties, and their confirmations.

CCPA §1798.105(c) (deletion), Regs §7022(b)–(c), §7023(c) (correction), §7026(f) (opt-out).

What a recipient receives, and why it is enough:
- the notice id, the request reference and the action, so that it can act, confirm and keep its records;
- the categories concerned (only those the recipient receives, from the data map);
- `subject`: HMAC-SHA256 of each normalised identifier we hold (e-mail, phone, member number) under
  PROCESSOR_SUBJECT_HASH_KEY, a key shared with recipients under contract. A recipient hashes its own
  normalised identifiers with it to find the person. A payload that leaks (a log, a mis-sent e-mail)
  reveals no identifier, and guessing one needs the key. No name, address or other value is sent;
- for corrections only, the corrected values of the data-point types the recipient receives: it cannot
  correct without them. They are blanked from our row once the recipient confirms.

Webhooks are JSON POSTs signed with HMAC-SHA256 over "<timestamp>.<body>" under PROCESSOR_WEBHOOK_SECRET,
in the header `RakuNest-Signature: t=<unix seconds>,v1=<hex>`. Recipients confirm by POSTing a body signed
the same way to /processors/confirm/. E-mail recipients reply; staff record the confirmation.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from records.models import Consumer, Recipient, System
from requests_app.emails import STAFF_LANGUAGE, email_send
from requests_app.lifecycle import event_record
from requests_app.models import PrivacyRequest, ProcessorNotice
from requests_app.outbox.services import outbox_task
from requests_app.processors.tasks import processor_notice_send_task
from requests_app.states import state_change

logger = logging.getLogger(__name__)

N = ProcessorNotice.State
# ProcessorNotice.status, moved only through `_status_change` (requests_app.states). A confirmation is
# taken whenever it comes, even for a notice we could not deliver; staff may send a failed one again.
NOTICE_STATES: dict[str, frozenset[str]] = {
    N.PENDING: frozenset({N.SENT, N.FAILED, N.CONFIRMED}),
    N.SENT: frozenset({N.CONFIRMED}),
    N.FAILED: frozenset({N.PENDING, N.CONFIRMED}),
    N.CONFIRMED: frozenset(),
}

SIGNATURE_HEADER = "RakuNest-Signature"
MAX_CONFIRMATION_BYTES = 16 * 1024
CONFIRMATION_OUTCOMES = frozenset({"completed", "no_records"})
# 4xx answers that are worth retrying; any other 4xx means our request is wrong and retrying cannot help.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


class ProcessorError(Exception):
    """A refused confirmation; `code` is safe to return to the caller and to log."""

    def __init__(self, code: str, *, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


class ProcessorDeliveryError(Exception):
    """A notice could not be delivered this time; `code` names why without any personal data."""

    def __init__(self, code: str, *, retryable: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.retryable = retryable


def _status_change(notice: ProcessorNotice, to: str, *, event: str, **kwargs) -> ProcessorNotice:
    return state_change(
        obj=notice, field="status", to=to, table=NOTICE_STATES, request=notice.request, event=event, **kwargs
    )


# --- Identifiers and signatures -------------------------------------------------------------------


def subject_hashes(consumer: Consumer | None) -> dict[str, str]:
    """Keyed hashes of the consumer's normalised identifiers (those we hold), for recipients to match."""
    if consumer is None:
        return {}
    key = settings.PROCESSOR_SUBJECT_HASH_KEY.encode()
    values = {"email": consumer.email, "phone": consumer.phone, "member_number": consumer.member_number}
    return {
        name: hmac.new(key, f"{name}:{value}".encode(), hashlib.sha256).hexdigest()
        for name, value in values.items()
        if value
    }


def webhook_signature(*, body: bytes, timestamp: int, secret: str | None = None) -> str:
    """The signature header value for `body` sent at `timestamp` (unix seconds)."""
    key = (secret if secret is not None else settings.PROCESSOR_WEBHOOK_SECRET).encode()
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_signature_valid(
    *, body: bytes, header: str, secret: str | None = None, now: float | None = None
) -> bool:
    """True for a well-formed header whose signature matches and whose timestamp is recent (no replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        signature = parts["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > settings.PROCESSOR_SIGNATURE_TOLERANCE_SECONDS:
        return False
    expected = webhook_signature(body=body, timestamp=timestamp, secret=secret).split("v1=", 1)[1]
    return hmac.compare_digest(expected, signature)


# --- Creating notices -----------------------------------------------------------------------------


def recipients_for_systems(*, systems: Iterable[System]) -> list[Recipient]:
    """The recipients of these systems that we notify (data map: notify_by e-mail or webhook)."""
    return list(
        Recipient.objects.filter(systems__in=list(systems))
        .exclude(notify_by=Recipient.Notify.NONE)
        .distinct()
        .order_by("code")
    )


def _categories_held(recipient: Recipient, consumer_id: int | None) -> list[str]:
    """The categories this recipient receives of which we hold something about the consumer."""
    if consumer_id is None:
        return []
    return sorted(
        recipient.categories.filter(systems__data_points__consumer_id=consumer_id)
        .values_list("code", flat=True)
        .distinct()
    )


def processor_notices_create(
    *,
    request: PrivacyRequest,
    recipients: Iterable[Recipient],
    action: str,
    details: dict | None = None,
) -> list[ProcessorNotice]:
    """One notice per recipient (idempotent), in the caller's transaction; sending is enqueued on commit.

    Call it before the consumer's identifiers are erased: the subject hashes are computed now. `details`
    (corrections only) maps recipient code to what that recipient must change.
    """
    subject = subject_hashes(request.consumer)
    created: list[ProcessorNotice] = []
    with transaction.atomic():
        for recipient in recipients:
            if recipient.notify_by == Recipient.Notify.NONE:
                continue
            notice, is_new = ProcessorNotice.objects.get_or_create(
                request=request,
                recipient=recipient,
                action=action,
                defaults={
                    "method": recipient.notify_by,
                    "subject": subject,
                    "details": {
                        # computed now: after an erasure there is nothing left to compute them from
                        "categories": _categories_held(recipient, request.consumer_id),
                        **(details or {}).get(recipient.code, {}),
                    },
                },
            )
            if is_new:
                created.append(notice)
        if created:
            event_record(
                request=request,
                name="requests.processor.notices_created",
                data={"action": action, "recipients": [n.recipient.code for n in created]},
            )
            ids = [n.pk for n in created]
            for pk in ids:
                outbox_task(processor_notice_send_task, pk)
    return created


# --- Sending ----------------------------------------------------------------------------------------


def notice_payload(notice: ProcessorNotice, *, reminder: int = 0) -> dict:
    recipient = notice.recipient
    categories = notice.details.get("categories", [])
    payload = {
        "type": f"privacy.{notice.action}",
        "notice_id": str(notice.public_id),
        "request_reference": notice.request.reference,
        "action": notice.action,
        "recipient": recipient.code,
        "categories": categories,
        "subject": {"hash": "hmac-sha256", "identifiers": notice.subject},
        "confirm_url": settings.SITE_URL.rstrip("/") + reverse("requests_app:processor_confirm"),
        "reminder": reminder,
        "issued_at": notice.created_at.isoformat(),
    }
    if notice.details.get("changes"):
        payload["changes"] = notice.details["changes"]
    return payload


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would send a signed body somewhere the data map does not name: treat it as a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post_webhook(url: str, body: bytes) -> None:
    if urlparse(url).scheme not in ("https", "http"):
        raise ProcessorDeliveryError("webhook_url_invalid", retryable=False)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "RakuNest-Privacy/1",
        SIGNATURE_HEADER: webhook_signature(body=body, timestamp=int(time.time())),
    }
    http_request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(http_request, timeout=settings.PROCESSOR_WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        retryable = exc.code >= 500 or exc.code in _RETRYABLE_CLIENT_ERRORS
        raise ProcessorDeliveryError(f"http_{exc.code}", retryable=retryable) from None
    except TimeoutError:
        raise ProcessorDeliveryError("timeout") from None
    except urllib.error.URLError as exc:
        code = "timeout" if isinstance(exc.reason, TimeoutError) else "connection_failed"
        raise ProcessorDeliveryError(code) from None
    except OSError:
        raise ProcessorDeliveryError("connection_failed") from None


def _deliver(notice: ProcessorNotice, *, reminder: int) -> None:
    payload = notice_payload(notice, reminder=reminder)
    recipient = notice.recipient
    if notice.method == ProcessorNotice.Method.WEBHOOK:
        if not recipient.webhook_url:
            raise ProcessorDeliveryError("no_webhook_url", retryable=False)
        _post_webhook(recipient.webhook_url, json.dumps(payload, sort_keys=True).encode())
        return
    if not recipient.notify_email:
        raise ProcessorDeliveryError("no_notify_email", retryable=False)
    try:
        email_send(
            template="processor_notice",
            to=recipient.notify_email,
            # Business to business: service providers get the notice in English whatever the
            # consumer's language (it quotes our contract and the statute, not the consumer).
            language=STAFF_LANGUAGE,
            context={"notice": notice, "payload": payload, "recipient": recipient, "reminder": reminder},
        )
    except OSError:
        raise ProcessorDeliveryError("smtp_failed") from None


def processor_notice_send(*, notice_id: int, reminder: bool = False) -> bool:
    """Deliver a pending notice (or a due reminder of a sent one). True when this call delivered it.

    The row stays locked during delivery so two workers never send the same notice at once; the attempt
    is counted even when delivery fails, and the failure is raised after that is committed.
    """
    failure: ProcessorDeliveryError | None = None
    with transaction.atomic():
        notice = (
            ProcessorNotice.objects.select_for_update(of=("self",))
            .select_related("recipient", "request")
            .get(pk=notice_id)
        )
        now = timezone.now()
        if reminder:
            due = notice.next_reminder_at is not None and notice.next_reminder_at <= now
            if notice.status != ProcessorNotice.State.SENT or not due:
                return False
        elif notice.status != ProcessorNotice.State.PENDING:
            return False
        notice.attempts += 1
        try:
            _deliver(notice, reminder=notice.reminders_sent + 1 if reminder else 0)
        except ProcessorDeliveryError as exc:
            notice.last_error = exc.code
            notice.save(update_fields=["attempts", "last_error"])
            failure = exc
        else:
            notice.last_error = ""
            notice.next_reminder_at = now + timedelta(hours=settings.PROCESSOR_REMINDER_HOURS)
            data = {"recipient": notice.recipient.code, "action": notice.action, "method": notice.method}
            if reminder:
                notice.reminders_sent += 1
                notice.save(update_fields=["attempts", "last_error", "reminders_sent", "next_reminder_at"])
                event_record(request=notice.request, name="requests.processor.reminded", data=data)
            else:
                _status_change(
                    notice,
                    N.SENT,
                    event="requests.processor.sent",
                    data=data,
                    sent_at=now,
                    attempts=notice.attempts,
                    last_error=notice.last_error,
                    next_reminder_at=notice.next_reminder_at,
                )
    if failure is not None:
        logger.warning("processor notice %s not delivered: %s", notice_id, failure.code)
        raise failure
    return True


def processor_notice_fail(*, notice_id: int, code: str) -> None:
    """Give up on a notice that cannot be delivered; staff see it and can send it again."""
    with transaction.atomic():
        notice = ProcessorNotice.objects.select_for_update().select_related("recipient").get(pk=notice_id)
        if notice.status != ProcessorNotice.State.PENDING:
            return
        _status_change(
            notice,
            N.FAILED,
            event="requests.processor.failed",
            data={"recipient": notice.recipient.code, "action": notice.action, "error": code},
            last_error=code,
        )


def processor_notice_resend(*, notice_id: int, actor) -> None:
    """Staff: try a failed notice again (after fixing the recipient's address in the data map)."""
    with transaction.atomic():
        notice = ProcessorNotice.objects.select_for_update().get(pk=notice_id)
        if notice.status != ProcessorNotice.State.FAILED:
            return
        _status_change(
            notice,
            N.PENDING,
            event="requests.processor.resend",
            actor=actor,
            method=notice.recipient.notify_by,
        )
        outbox_task(processor_notice_send_task, notice_id)


# --- Confirmations ----------------------------------------------------------------------------------


def _confirm(*, notice: ProcessorNotice, via: str, outcome: str, actor=None, note: str = "") -> bool:
    if notice.status == ProcessorNotice.State.CONFIRMED:
        return False
    _status_change(
        notice,
        N.CONFIRMED,
        event="requests.processor.confirmed",
        actor=actor,
        reason=note,
        data={"recipient": notice.recipient.code, "action": notice.action, "via": via, "outcome": outcome},
        confirmed_at=timezone.now(),
        confirmed_via=via,
        next_reminder_at=None,
        details={},  # corrected values are no longer needed once the recipient has them
    )
    return True


def processor_confirmation_receive(*, body: bytes, signature_header: str) -> ProcessorNotice:
    """A recipient's signed callback: {"notice_id": "<uuid>", "outcome": "completed" | "no_records"}."""
    if len(body) > MAX_CONFIRMATION_BYTES:
        raise ProcessorError("too_large", status=413)
    if not webhook_signature_valid(body=body, header=signature_header):
        raise ProcessorError("bad_signature", status=401)
    try:
        message = json.loads(body)
        notice_id = uuid.UUID(str(message["notice_id"]))
        outcome = str(message.get("outcome", "completed"))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ProcessorError("malformed") from None
    if outcome not in CONFIRMATION_OUTCOMES:
        raise ProcessorError("unknown_outcome")
    with transaction.atomic():
        notice = (
            ProcessorNotice.objects.select_for_update(of=("self",))
            .select_related("recipient", "request")
            .filter(public_id=notice_id)
            .first()
        )
        if notice is None:
            raise ProcessorError("unknown_notice", status=404)
        _confirm(notice=notice, via="webhook", outcome=outcome)
    return notice


def processor_notice_confirm_by_staff(
    *, notice_id: int, actor, note: str = "", outcome: str = "completed"
) -> bool:
    """Staff record a confirmation that arrived another way (an e-mail reply, a portal screenshot)."""
    # Which staff roles may do this is the staff app's decision (staff/evidence.py checks its role table).
    if actor is None or not actor.is_authenticated:
        raise ProcessorError("not_staff", status=403)
    if outcome not in CONFIRMATION_OUTCOMES:
        raise ProcessorError("unknown_outcome")
    with transaction.atomic():
        notice = (
            ProcessorNotice.objects.select_for_update(of=("self",))
            .select_related("recipient", "request")
            .get(pk=notice_id)
        )
        return _confirm(notice=notice, via="staff", outcome=outcome, actor=actor, note=note)


# --- Reminders and the sweeper ----------------------------------------------------------------------


def processor_reminders_enqueue(*, now=None) -> int:
    """Remind recipients that have not confirmed, and re-enqueue notices whose first message was lost."""
    now = now or timezone.now()
    due = list(
        ProcessorNotice.objects.filter(status=ProcessorNotice.State.SENT, next_reminder_at__lte=now)
        .order_by("next_reminder_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        processor_notice_send_task.delay(pk, reminder=True)
    stuck_before = now - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    lost = list(
        ProcessorNotice.objects.filter(
            status=ProcessorNotice.State.PENDING, attempts=0, created_at__lt=stuck_before
        ).values_list("pk", flat=True)[:500]
    )
    for pk in lost:
        processor_notice_send_task.delay(pk)
    return len(due) + len(lost)
