"""Opt-out of sale/sharing (with Global Privacy Control), Shine the Light, unsubscribe and close account.

Intake goes through privacy_request_submit; each kind's fulfilment task (optout/tasks.py) calls one of
the `*_fulfil` services below, which lock the request, act only while it is `fulfilling` (so a
re-delivered task does nothing twice), complete it through request_transition and send the response
e-mail after commit. The consumer's flags are changed only through records.choices.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from records.choices import (
    consumer_account_close,
    consumer_marketing_unsubscribe,
    consumer_sale_opt_in,
    consumer_sale_opt_out,
)
from records.exceptions import RecordsError
from records.models import Consumer, Recipient, SaleOptIn
from records.selectors import consumer_is_sale_opted_out, direct_marketing_disclosures
from requests_app.emails import email_send
from requests_app.fulfilment import fulfilling_request_lock
from requests_app.intake.services import privacy_request_submit
from requests_app.lifecycle import event_record, request_transition
from requests_app.models import CLOSED_STATUSES, AgentAuthorization, Channel, Kind, PrivacyRequest, Status
from requests_app.optout.tasks import send_choice_response_task
from requests_app.outbox.services import outbox_task
from requests_app.processors.services import processor_notices_create
from requests_app.requester import RequesterDetails

logger = logging.getLogger(__name__)

CHOICE_KINDS = frozenset({Kind.OPT_OUT, Kind.SHINE_THE_LIGHT, Kind.UNSUBSCRIBE, Kind.CLOSE_ACCOUNT})
RESPONSE_SENT = "requests.response.sent"
COMPLIED = "complied"


# --- Opt-out of sale/sharing (Regs §7025–7026) ------------------------------------------------------


def opt_out_submit(
    *,
    email: str = "",
    channel: str = Channel.WEB,
    consumer: Consumer | None = None,
    language: str = "en",
    ip: str = "",
    user_agent: str = "",
) -> PrivacyRequest:
    """Record an opt-out: no verification and minimal data (Regs §7026(d)), only an e-mail if any.

    `consumer` is given when we already know who it is (a Global Privacy Control signal on a status
    page the consumer opened with a one-time code); otherwise the task matches the e-mail exactly.
    """
    with transaction.atomic():
        [request] = privacy_request_submit(
            kinds=[Kind.OPT_OUT],
            requester=RequesterDetails(first_name="", last_name="", email=email),
            channel=channel,
            language=language,
            ip=ip,
            user_agent=user_agent,
        )
        if consumer is not None:
            # Not a status change: the request is already fulfilling and its task runs after commit.
            PrivacyRequest.objects.filter(pk=request.pk).update(consumer=consumer, matched_fields=["session"])
            event_record(request=request, name="requests.request.matched", data={"fields": ["session"]})
            request.refresh_from_db()
    return request


def gpc_consumer_opt_out(*, status_request_id: int) -> PrivacyRequest | None:
    """A Global Privacy Control signal from the browser of a known consumer: record it as their opt-out.

    Known means: the browser holds a status-page session (opened with a one-time code) for a request
    matched to a consumer. Nothing is recorded when they are already opted out or an opt-out is open.
    """
    request = PrivacyRequest.objects.filter(pk=status_request_id, consumer__isnull=False).first()
    if request is None:
        return None
    with transaction.atomic():
        consumer = Consumer.objects.select_for_update().get(pk=request.consumer_id)
        if consumer_is_sale_opted_out(consumer=consumer):
            return None
        open_opt_out = (
            PrivacyRequest.objects.filter(consumer=consumer, kind=Kind.OPT_OUT)
            .exclude(status__in=CLOSED_STATUSES)
            .exists()
        )
        if open_opt_out:
            return None
        return opt_out_submit(channel=Channel.GPC, consumer=consumer)


def sale_partners_notify(*, request: PrivacyRequest, recipients: list[Recipient]) -> int:
    """Tell the partners that receive "sold" data to stop for this consumer (Regs §7026(f)).

    One notice per partner through the processor-notice module (e-mail or signed webhook, tracked until
    the partner confirms); the notice identifies the consumer by keyed hashes of `request.consumer`'s
    identifiers, so the caller sets the matched consumer on the request first.
    """
    return len(processor_notices_create(request=request, recipients=recipients, action="opt_out"))


def _exact_email_matches(request: PrivacyRequest) -> list[Consumer]:
    if request.consumer_id is not None:
        return [request.consumer]
    if not request.submission.email:
        return []
    # Both sides are normalised (verification.normalize); only an exact match is acted on.
    return list(
        Consumer.objects.filter(email=request.submission.email, erased_at__isnull=True).order_by("pk")
    )


def _complete(request: PrivacyRequest, consumers: list[Consumer], data: dict) -> None:
    request_transition(
        request=request,
        to=Status.COMPLETED,
        outcome=COMPLIED,
        consumer=request.consumer or (consumers[0] if consumers else None),
        matched_fields=request.matched_fields or (["email"] if consumers else []),
        data=data,
    )
    _response_enqueue(request)


def _response_enqueue(request: PrivacyRequest) -> None:
    pk = request.pk
    outbox_task(send_choice_response_task, pk)


def opt_out_fulfil(*, request_id: int) -> bool:
    """Apply an opt-out to every consumer whose e-mail matches exactly; notify sale partners; complete.

    The response says the same whether or not anyone matched: it must not reveal who is in our records.
    """
    with transaction.atomic():
        request = fulfilling_request_lock(request_id, Kind.OPT_OUT)
        if request is None:
            return False
        consumers = _exact_email_matches(request)
        now = timezone.now()
        changed = [c for c in consumers if consumer_sale_opt_out(consumer_id=c.pk, at=now)]
        partners = list(Recipient.objects.filter(receives_sale=True).order_by("pk")) if changed else []
        if partners:
            request.consumer = request.consumer or changed[0]  # saved by the transition below
            sale_partners_notify(request=request, recipients=partners)
        _complete(
            request,
            consumers,
            {"consumers_matched": len(consumers), "partners": [p.code for p in partners]},
        )
    logger.info("opt-out %s applied", request.reference)
    return True


# --- Opt-in to sale/sharing that the consumer confirmed (Regs §7028(a)) ---------------------------


def sale_opt_in_fulfil(*, request_id: int) -> RecordsError | None:
    """Record the opt-in of an agent's request as the consumer's own, and complete the request.

    Such a request reaches `fulfilling` only through the consumer's separate confirmation on our site
    (requests_app.agents.agent_opt_in_answer, which runs this at once; the release check refuses anyone
    else). Returns records.choices' refusal (a child under 13, within 12 months of an opt-out) once the
    request is denied with its code; None otherwise, also when there is nothing to do.
    """
    with transaction.atomic():
        request = fulfilling_request_lock(request_id, Kind.SALE_OPT_IN)
        if request is None:
            return None
        # The consent is the consumer's only if they gave it: never an agent's word or a staff action.
        if not AgentAuthorization.objects.filter(
            submission_id=request.submission_id, consumer_confirmed=True
        ).exists():
            return None
        try:
            consumer_sale_opt_in(consumer_id=request.consumer_id, given_by=SaleOptIn.GivenBy.CONSUMER)
        except RecordsError as exc:
            request_transition(
                request=request, to=Status.DENIED, outcome="denied", denial_reason=exc.code, reason=exc.code
            )
            return exc
        request_transition(
            request=request, to=Status.COMPLETED, outcome=COMPLIED, data={"given_by": "consumer"}
        )
    return None


# --- Shine the Light (Civ. Code §1798.83) ----------------------------------------------------------


def _calendar_year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def shine_the_light_fulfil(*, request_id: int) -> bool:
    """List what went to third parties for their direct marketing in the preceding calendar year.

    Once per calendar year per consumer (§1798.83(c)(1)): a second request in the same year is denied.
    """
    with transaction.atomic():
        request = fulfilling_request_lock(request_id, Kind.SHINE_THE_LIGHT)
        if request is None:
            return False
        year = timezone.localtime(request.received_at).year
        consumer = request.consumer
        if consumer is not None:
            start, end = _calendar_year_bounds(year)
            answered_this_year = (
                PrivacyRequest.objects.filter(
                    consumer=consumer,
                    kind=Kind.SHINE_THE_LIGHT,
                    outcome=COMPLIED,
                    received_at__gte=start,
                    received_at__lt=end,
                )
                .exclude(pk=request.pk)
                .exists()
            )
            if answered_this_year:
                request_transition(
                    request=request,
                    to=Status.DENIED,
                    outcome="denied",
                    denial_reason="stl_once_per_year",
                    data={"year": year},
                )
                _response_enqueue(request)
                return True
        disclosures = direct_marketing_disclosures(consumer=consumer, year=year - 1) if consumer else []
        _complete(
            request,
            [consumer] if consumer else [],
            {
                "year": year - 1,
                "disclosures": [
                    {"name": d.name, "postal_address": d.postal_address, "categories": list(d.categories)}
                    for d in disclosures
                ],
            },
        )
    return True


# --- Marketing and account choices (policy §6C) ----------------------------------------------------


def unsubscribe_fulfil(*, request_id: int) -> bool:
    """Stop marketing e-mails to the matched consumer, or to every record holding the verified e-mail.

    Control of the e-mail address is enough for this: it only stops mail to that mailbox and releases
    nothing (the same as an unsubscribe link in a marketing e-mail). Transactional e-mails continue.
    """
    with transaction.atomic():
        request = fulfilling_request_lock(request_id, Kind.UNSUBSCRIBE)
        if request is None:
            return False
        consumers = _exact_email_matches(request)
        for consumer in consumers:
            consumer_marketing_unsubscribe(consumer_id=consumer.pk)
        _complete(request, consumers, {"consumers_matched": len(consumers)})
    return True


def close_account_fulfil(*, request_id: int) -> bool:
    """Deactivate the matched consumer's account; only for a request verified against that consumer."""
    with transaction.atomic():
        request = fulfilling_request_lock(request_id, Kind.CLOSE_ACCOUNT)
        if request is None:
            return False
        if request.consumer is None:
            request_transition(
                request=request, to=Status.DENIED, outcome="denied", denial_reason="no_matching_account"
            )
            _response_enqueue(request)
            return True
        consumer_account_close(consumer_id=request.consumer_id)
        _complete(request, [request.consumer], {})
    return True


# --- The response e-mail ---------------------------------------------------------------------------


def choice_response_send(*, request_id: int) -> bool:
    """E-mail the outcome of an opt-out, Shine-the-Light, unsubscribe or close-account request, once."""
    with transaction.atomic():
        request = (
            PrivacyRequest.objects.select_for_update(of=("self",))
            .select_related("submission")
            .get(pk=request_id)
        )
        if (
            request.kind not in CHOICE_KINDS
            or request.status not in (Status.COMPLETED, Status.DENIED)
            or not request.submission.email
            or request.events.filter(name=RESPONSE_SENT).exists()
        ):
            return False
        closing = request.events.filter(to_status=request.status).order_by("-pk").first()
        context = {
            "request": request,
            "data": closing.data if closing else {},
            "denied": request.status == Status.DENIED,
            "site_url": settings.SITE_URL,
        }
        email_send(
            template="choice_response",
            to=request.submission.email,
            context=context,
            language=request.submission.language,
        )
        event_record(request=request, name=RESPONSE_SENT)
    return True


def choice_response_sweep() -> int:
    """Re-enqueue responses whose message was lost (a request closed in the last week without one).
    Requests stuck in fulfilling are re-enqueued by the one fulfilment sweeper (fulfilment_sweep)."""
    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    unsent = (
        PrivacyRequest.objects.filter(
            kind__in=CHOICE_KINDS,
            status__in=[Status.COMPLETED, Status.DENIED],
            status_changed_at__lt=cutoff,
            status_changed_at__gte=cutoff - timedelta(days=7),
        )
        .exclude(submission__email="")
        .exclude(events__name=RESPONSE_SENT)
    )
    ids = list(unsent.values_list("pk", flat=True)[:500])
    for pk in ids:
        send_choice_response_task.delay(pk)
    if ids:
        logger.info("sweeper re-enqueued %d opt-out-area response(s)", len(ids))
    return len(ids)
