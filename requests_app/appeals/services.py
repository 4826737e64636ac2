"""Appeals of a denial (required in Virginia, Colorado and Connecticut; offered to everyone), the
requester's side: a denied requester appeals from the status page within APPEAL_WINDOW_DAYS of the
denial and is e-mailed a receipt. Staff decide (staff/appeals.py)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import deadlines
from requests_app.appeals.models import Appeal
from requests_app.appeals.tasks import appeal_received_task
from requests_app.emails import email_send
from requests_app.exceptions import RequestError
from requests_app.lifecycle import event_record
from requests_app.models import PrivacyRequest, RequestEvent, Status
from requests_app.outbox.services import outbox_task
from requests_app.regimes import appeal_decision_days

RECEIPT_SENT = "requests.appeal.receipt_sent"

APPEALABLE = frozenset({Status.DENIED, Status.UNVERIFIABLE})
STATEMENT_MAX = 4000


def appeal_deadline(request: PrivacyRequest):
    """The last day to appeal, or None when the request was not denied."""
    if request.status not in APPEALABLE or request.closed_at is None:
        return None
    return deadlines.local_date(request.closed_at) + timedelta(days=settings.APPEAL_WINDOW_DAYS)


def appeal_window_open(request: PrivacyRequest, *, now: datetime | None = None) -> bool:
    last_day = appeal_deadline(request)
    return last_day is not None and deadlines.local_date(now or timezone.now()) <= last_day


def appeal_submit(*, request_id: int, statement: str) -> Appeal:
    statement = (statement or "").strip()
    if len(statement) > STATEMENT_MAX:
        raise RequestError(
            _("Keep the statement under %(n)d characters.") % {"n": STATEMENT_MAX}, code="long"
        )
    now = timezone.now()
    with transaction.atomic():
        request = PrivacyRequest.objects.select_for_update().get(pk=request_id)
        if Appeal.objects.filter(request=request).exists():
            raise RequestError(_("This request has already been appealed."), code="already_appealed")
        if not appeal_window_open(request, now=now):
            raise RequestError(_("This request can no longer be appealed."), code="window_closed")
        appeal = Appeal.objects.create(
            request=request,
            submitted_at=now,
            due_at=deadlines.local_date(now) + timedelta(days=appeal_decision_days(request.regime)),
            statement=statement,
        )
        event = event_record(
            request=request,
            name="requests.appeal.submitted",
            actor_label="requester",
            data={"appeal": appeal.pk},
        )
        event_id = event.pk
        outbox_task(appeal_received_task, event_id)
    return appeal


def appeal_receipt_send(*, event_id: int) -> bool:
    """E-mail the receipt of an appeal once; True when this call sent it."""
    with transaction.atomic():
        event = (
            RequestEvent.objects.select_related("request__submission")
            .select_for_update(of=("self",))
            .get(pk=event_id)
        )
        request = event.request
        if not request.submission.email or request.events.filter(name=RECEIPT_SENT).exists():
            return False
        context = {
            "privacy_request": request,
            "event": event,
            "appeal": Appeal.objects.filter(request=request).first(),
            "status_url": settings.SITE_URL + reverse("requests_app:status_lookup"),
        }
        email_send(
            template="appeal_received",
            to=request.submission.email,
            context=context,
            language=request.submission.language,
        )
        event_record(request=request, name=RECEIPT_SENT, data={"event": event_id})
    return True
