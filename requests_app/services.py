"""Writes of the request area: intake, acknowledgement, status access."""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from verification.otp import code_check, code_issue

from .emails import email_send
from .fulfilment import fulfilment_enqueue
from .intake_sql import submission_insert
from .lifecycle import event_record, requests_build, requests_save
from .models import Channel, Kind, PrivacyRequest, Status, Submission

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequesterDetails:
    """What the requester typed, already validated and normalised by the form."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip5: str = ""
    date_of_birth: date | None = None
    member_number: str = ""


def ip_hash(ip: str) -> str:
    """Keyed hash of an IP address: lets us spot abuse without keeping the address."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest() if ip else ""


def privacy_request_submit(
    *,
    kinds: list[str],
    requester: RequesterDetails,
    channel: str = Channel.WEB,
    language: str = "en",
    ip: str = "",
    user_agent: str = "",
) -> list[PrivacyRequest]:
    """Record one submission with one request per kind, then acknowledge it after commit."""
    from .tasks import submission_received_task

    submission = Submission(
        channel=channel,
        language=language,
        ip_hash=ip_hash(ip),
        user_agent=user_agent[:300],
        **requester.__dict__,
    )
    # Opt-out needs no verification (Regs §7026(d)); everything else waits for it.
    requests, events = requests_build(
        submission=submission,
        kinds=kinds,
        first_status=lambda kind: Status.FULFILLING if kind == Kind.OPT_OUT else Status.AWAITING_VERIFICATION,
        data={"channel": channel},
    )
    if connection.vendor == "postgresql":
        # One statement, atomic by itself: no BEGIN/COMMIT round trips on the hot path (intake_sql.py).
        submission_insert(submission=submission, requests=requests, events=events)
    else:
        with transaction.atomic():
            submission.save()
            requests_save(requests, events)
    # After commit (at once when the statement committed by itself, else when the caller's transaction does).
    for request in requests:
        if request.status == Status.FULFILLING:
            fulfilment_enqueue(request=request)
    # One message for the acknowledgement and the first verification code.
    transaction.on_commit(lambda: submission_received_task.delay(submission.pk))
    logger.info("submission %s received with %d request(s)", submission.pk, len(requests))
    return requests


def acknowledgement_send(*, submission_id: int) -> bool:
    """Send the receipt e-mail once (Regs §7021(a)); True when this call sent it."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.acknowledged_at or not submission.email:
            return False
        requests = list(submission.requests.order_by("pk"))
        context = {"submission": submission, "requests": requests, "site_url": settings.SITE_URL}
        email_send(template="acknowledgement", to=submission.email, context=context)
        submission.acknowledged_at = timezone.now()
        submission.save(update_fields=["acknowledged_at"])
        for request in requests:
            event_record(request=request, name="requests.request.acknowledged")
    return True


def _status_scope(request: PrivacyRequest) -> str:
    return f"status:{request.pk}"


def status_code_send(*, reference: str, email: str) -> PrivacyRequest | None:
    """E-mail a one-time code when reference and e-mail belong together; the caller says the same either way."""
    request = (
        PrivacyRequest.objects.select_related("submission")
        .filter(reference=reference.strip().upper())
        .first()
    )
    typed = email.encode()
    on_file = (request.submission.email if request else "").encode()
    if request is None or not hmac.compare_digest(typed, on_file):
        return None
    code = code_issue(scope=_status_scope(request))
    email_send(
        template="status_code",
        to=request.submission.email,
        context={"code": code, "minutes": settings.OTP_TTL_MINUTES, "reference": request.reference},
    )
    event_record(request=request, name="requests.status.code_sent", actor_label="requester")
    return request


def status_code_verify(*, request_id: int | None, code: str) -> PrivacyRequest | None:
    if request_id is None:
        return None
    request = PrivacyRequest.objects.filter(pk=request_id).first()
    if request is None or not code_check(scope=_status_scope(request), code=code):
        return None
    event_record(request=request, name="requests.status.viewed", actor_label="requester")
    return request
