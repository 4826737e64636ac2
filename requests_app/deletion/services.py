"""Deletion (CCPA §1798.105, Regs §7022): confirm, wait out the cancel window, erase, notify, respond.

1. The request is verified and approved; its fulfilment task (`deletion_start`) e-mails the requester a
   fresh one-time code to confirm that they want their information deleted (the two-step process of
   Regs §7022(d)).
2. `deletion_confirm` checks the code and schedules the erasure after DELETION_CANCEL_WINDOW_MINUTES;
   until then `deletion_cancel` withdraws the request.
3. `deletion_execute` builds the erasure plan, instructs recipients (before the identifiers are gone),
   records the suppression entry, erases through the connector and completes the request.
4. `deletion_response_send` e-mails what was deleted and what was kept and why, then purges the
   submission's personal data when nothing else of it is open (Regs §7101: the record of the request
   keeps only the date, kind, channel and outcome).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from records.connectors import EraseResult, connectors_for
from records.erasure import RETAIN, erasure_plan_build
from records.models import System
from records.suppression import suppression_record
from requests_app.deletion.tasks import deletion_execute_task, deletion_response_task
from requests_app.emails import email_send
from requests_app.fulfilment import fulfilling_request_lock
from requests_app.lifecycle import event_record, personal_data_purged, request_transition
from requests_app.models import (
    DeletionCase,
    Kind,
    PrivacyRequest,
    Status,
    Submission,
    SystemRun,
    submission_blanks,
)
from requests_app.outbox.services import outbox_task
from requests_app.processors.services import processor_notices_create, recipients_for_systems
from requests_app.states import state_change
from requests_app.systems.services import (
    consumer_identity,
    external_erased_system_ids,
    system_runs_answered,
    system_runs_gather,
    system_runs_outcomes,
)
from verification.otp import code_check, code_issue

logger = logging.getLogger(__name__)

D = DeletionCase.State
# DeletionCase.state, moved only through `_state_change` (requests_app.states).
DELETION_STATES: dict[str, frozenset[str]] = {
    D.AWAITING_CONFIRMATION: frozenset({D.SCHEDULED, D.CANCELLED, D.EXPIRED}),
    D.SCHEDULED: frozenset({D.ERASED, D.CANCELLED}),
    D.ERASED: frozenset(),
    D.CANCELLED: frozenset(),
    D.EXPIRED: frozenset(),
}

# The abuse signal (a keyed hash, not an address) outlives the deletion.
SUBMISSION_PERSONAL_FIELDS = submission_blanks(keep=("ip_hash",))


def _scope(request: PrivacyRequest) -> str:
    return f"deletion:{request.pk}"


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _case_locked(request_id: int) -> DeletionCase:
    return (
        DeletionCase.objects.select_for_update()
        .select_related("request__submission")
        .get(request_id=request_id)
    )


def _state_change(case: DeletionCase, to: str, *, event: str = "", **kwargs) -> DeletionCase:
    return state_change(
        obj=case,
        field="state",
        to=to,
        table=DELETION_STATES,
        request=case.request,
        event=event or f"requests.deletion.state.{to}",
        **kwargs,
    )


# --- Step 1: ask for confirmation ---------------------------------------------------------------


def deletion_start(*, request_id: int) -> bool:
    """Fulfilment of a `delete` request: open its case and e-mail the confirmation code (once)."""
    with transaction.atomic():
        request = fulfilling_request_lock(request_id, Kind.DELETE)
        if request is None:
            return False
        case, _ = DeletionCase.objects.get_or_create(request=request)
        if case.state != DeletionCase.State.AWAITING_CONFIRMATION or case.code_sent_at:
            return False
        _confirmation_code_send(case)
    return True


def _confirmation_code_send(case: DeletionCase) -> None:
    request = case.request
    code = code_issue(scope=_scope(request))
    email_send(
        template="deletion_confirm",
        to=request.submission.email,
        language=request.submission.language,
        context={
            "reference": request.reference,
            "code": code,
            "minutes": settings.OTP_TTL_MINUTES,
            "confirm_url": _site(reverse("requests_app:deletion_confirm")),
            "window_hours": settings.DELETION_CANCEL_WINDOW_MINUTES / 60,
            "confirm_days": settings.DELETION_CONFIRM_DAYS,
        },
    )
    case.code_sent_at = timezone.now()
    case.save(update_fields=["code_sent_at"])
    event_record(request=request, name="requests.deletion.confirmation_sent")


def deletion_code_resend(*, request_id: int) -> bool:
    """A new confirmation code, asked for from the status page (which itself needed a fresh code)."""
    with transaction.atomic():
        case = _case_locked(request_id)
        if case.state != DeletionCase.State.AWAITING_CONFIRMATION:
            return False
        _confirmation_code_send(case)
    return True


# --- Step 2: confirm or cancel ------------------------------------------------------------------


def deletion_confirm(*, reference: str, code: str) -> PrivacyRequest | None:
    """Schedule the erasure when the code is right; None (and nothing said about why) otherwise."""
    request = PrivacyRequest.objects.filter(reference=reference.strip().upper(), kind=Kind.DELETE).first()
    if request is None or not code_check(scope=_scope(request), code=code):
        return None
    return _deletion_schedule(request, via="confirmation_code")


def deletion_confirm_in_session(*, request_id: int) -> PrivacyRequest | None:
    """The second step of Regs §7022(d), taken on the status page inside the window its code opened (that
    code went to the same address as the confirmation code): schedule the erasure; None if not waiting."""
    request = PrivacyRequest.objects.filter(pk=request_id, kind=Kind.DELETE).first()
    if request is None:
        return None
    return _deletion_schedule(request, via="status_session")


def _deletion_schedule(request: PrivacyRequest, *, via: str) -> PrivacyRequest | None:
    with transaction.atomic():
        case = _case_locked(request.pk)
        if case.state != DeletionCase.State.AWAITING_CONFIRMATION:
            return None
        now = timezone.now()
        erase_after = now + timedelta(minutes=settings.DELETION_CANCEL_WINDOW_MINUTES)
        _state_change(
            case,
            D.SCHEDULED,
            event="requests.deletion.confirmed",
            actor_label="requester",
            data={"erase_after": erase_after.isoformat(), "via": via},
            confirmed_at=now,
            erase_after=erase_after,
        )
        if settings.DELETION_CANCEL_WINDOW_MINUTES <= 0:
            outbox_task(deletion_execute_task, request.pk)
    return request


def deletion_cancel(*, request_id: int) -> bool:
    """The requester changed their mind inside the cancel window: nothing is erased."""
    with transaction.atomic():
        case = _case_locked(request_id)
        if case.state not in (DeletionCase.State.AWAITING_CONFIRMATION, DeletionCase.State.SCHEDULED):
            return False
        _state_change(case, D.CANCELLED, actor_label="requester", cancelled_at=timezone.now())
        request_transition(
            request=case.request,
            to=Status.WITHDRAWN,
            actor_label="requester",
            reason="The requester cancelled the deletion before it ran.",
        )
    return True


# --- Step 3: erase ------------------------------------------------------------------------------


def deletion_execute(*, request_id: int) -> bool:
    """Erase a confirmed deletion whose cancel window is over. Idempotent: True only when this call erased."""
    with transaction.atomic():
        case = _case_locked(request_id)
        now = timezone.now()
        if case.state != DeletionCase.State.SCHEDULED or case.erase_after > now:
            return False
        request = (
            PrivacyRequest.objects.select_for_update(of=("self",))
            .select_related("consumer")
            .get(pk=request_id)
        )
        if request.status != Status.FULFILLING:
            return False
        consumer = request.consumer
        plan = erasure_plan_build(consumer=consumer)
        # Recipients first: their notices carry keyed hashes of identifiers the erasure removes.
        # (external systems) Their recipients too, now: the external erasures run after the identifiers go.
        erased_systems = [*plan.erased_systems, *external_erased_system_ids(consumer=consumer)]
        processor_notices_create(
            request=request,
            recipients=recipients_for_systems(systems=System.objects.filter(pk__in=erased_systems)),
            action="delete",
        )
        if consumer is not None:
            suppression_record(
                email=consumer.email, phone=consumer.phone, member_number=consumer.member_number
            )
        identity = consumer_identity(consumer)  # (external systems) taken before the erasure blanks it
        [builtin] = connectors_for(consumer)  # the portal's own copy; external systems below
        result = builtin.erase(consumer, plan)
        _state_change(case, D.ERASED, erased_at=now, plan=plan.as_json(), outcome=_outcome_json(result))
        # --- External systems (requests_app.systems, issue 11): each erases in its own task; the request
        # completes here only when none is configured, else when the last one answers (deletion_complete).
        if system_runs_gather(request=request, step=SystemRun.Step.ERASE, identity=identity):
            _request_complete(request, case)
        # ---
    logger.info("deletion for request %s erased", request_id)
    return True


def _request_complete(request: PrivacyRequest, case: DeletionCase) -> None:
    """Complete an erased deletion with what every system did, and send the response after commit."""
    external = system_runs_outcomes(request=request)
    totals = dict(case.outcome.get("totals", {}))
    for outcome in external:
        for key in ("deleted", "deidentified", "retained"):
            totals[key] = totals.get(key, 0) + outcome[key]
    every = [*case.outcome.get("systems", []), *external]
    skipped = [s["system"] for s in external if s.get("skipped")]
    request_transition(
        request=request,
        to=Status.COMPLETED,
        outcome="partially" if totals.get("retained") or skipped else "complied",
        data={
            **totals,
            "retained_reasons": sorted({s["reason"] for s in every if s["retained"]}),
            "identifiers_erased": case.outcome.get("identifiers_erased", False),
            **({"skipped_systems": skipped} if skipped else {}),
        },
    )
    request_id = request.pk
    outbox_task(deletion_response_task, request_id)


def deletion_complete(*, request_id: int) -> bool:
    """The last external system answered (or was skipped): complete the request. Idempotent."""
    with transaction.atomic():
        case = _case_locked(request_id)
        request = PrivacyRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
        if case.state != DeletionCase.State.ERASED or request.status != Status.FULFILLING:
            return False
        if not system_runs_answered(request_id=request_id, step=SystemRun.Step.ERASE):
            return False
        _request_complete(request, case)
    return True


def _outcome_json(result: EraseResult) -> dict:
    return {
        "systems": [
            {
                "system": s.system_code,
                "name": s.system_name,
                "action": s.action,
                "reason": s.reason,
                "explanation": s.explanation,
                "deleted": s.deleted,
                "deidentified": s.deidentified,
                "retained": s.retained,
            }
            for s in result.systems
        ],
        "totals": result.totals,
        "identifiers_erased": result.identifiers_erased,
    }


# --- Step 4: respond ----------------------------------------------------------------------------


def deletion_response_send(*, request_id: int) -> bool:
    """E-mail the outcome once, then forget the requester's details if nothing else of theirs is open."""
    with transaction.atomic():
        case = _case_locked(request_id)
        if case.state != DeletionCase.State.ERASED or case.response_sent_at:
            return False
        request = case.request
        if request.status != Status.COMPLETED:  # an external system has not answered yet
            return False
        # Every system: the built-in connector's, then each external system's (requests_app.systems).
        systems = [*case.outcome.get("systems", []), *system_runs_outcomes(request=request)]
        answered = [s for s in systems if not s.get("skipped")]
        notified = sorted({n.recipient.name for n in request.processor_notices.select_related("recipient")})
        email_send(
            template="deletion_completed",
            to=request.submission.email,
            language=request.submission.language,
            context={
                "reference": request.reference,
                "deleted": [s for s in answered if s["action"] != RETAIN or s["deleted"]],
                "retained": [s for s in answered if s["retained"]],
                "not_reached": [s for s in systems if s.get("skipped")],
                "nothing_held": not systems,
                "notified": notified,
            },
        )
        case.response_sent_at = timezone.now()
        case.save(update_fields=["response_sent_at"])
        event_record(request=request, name="requests.deletion.response_sent")
        submission_purge_if_closed(submission_id=request.submission_id)
    return True


def submission_purge_if_closed(*, submission_id: int) -> bool:
    """Blank what the requester typed once every request of the submission is closed (Regs §7101)."""
    submission = Submission.objects.select_for_update().get(pk=submission_id)
    if submission.personal_data_purged_at or any(not r.is_closed for r in submission.requests.all()):
        return False
    for name, blank in SUBMISSION_PERSONAL_FIELDS.items():
        setattr(submission, name, blank)
    submission.personal_data_purged_at = timezone.now()
    submission.save(update_fields=[*SUBMISSION_PERSONAL_FIELDS, "personal_data_purged_at"])
    personal_data_purged(submission_ids=[submission.pk])
    return True


# --- Unverifiable requests (sent by the verification flow) ----------------------------------------


def deletion_unverifiable_notice_send(*, request: PrivacyRequest) -> None:
    """Tell the requester a deletion was denied because we could not verify them, and offer the opt-out
    (Regs §7022(e)(1) is a choice; the consumer is offered the opt-out of sale/sharing, which needs no
    verification). The verification flow calls this when it closes a `delete` request as unverifiable."""
    email_send(
        template="deletion_unverifiable",
        to=request.submission.email,
        language=request.submission.language,
        context={
            "reference": request.reference,
            "opt_out_url": _site(reverse("requests_app:do_not_sell")),
        },
    )
    event_record(request=request, name="requests.deletion.unverifiable_notice_sent")


# --- The sweeper ------------------------------------------------------------------------------------


def deletion_sweep(*, now=None) -> dict[str, int]:
    """Beat: run erasures whose window is over, re-send lost responses, close unconfirmed deletions."""
    now = now or timezone.now()
    due = list(
        DeletionCase.objects.filter(state=DeletionCase.State.SCHEDULED, erase_after__lte=now).values_list(
            "request_id", flat=True
        )[:200]
    )
    for request_id in due:
        deletion_execute_task.delay(request_id)
    lost = list(
        DeletionCase.objects.filter(
            state=DeletionCase.State.ERASED,
            response_sent_at__isnull=True,
            erased_at__lt=now - timedelta(minutes=settings.STUCK_REQUEST_MINUTES),
        ).values_list("request_id", flat=True)[:200]
    )
    for request_id in lost:
        deletion_response_task.delay(request_id)
    expired = 0
    stale = DeletionCase.objects.filter(
        state=DeletionCase.State.AWAITING_CONFIRMATION,
        code_sent_at__lt=now - timedelta(days=settings.DELETION_CONFIRM_DAYS),
    ).values_list("request_id", flat=True)[:200]
    for request_id in list(stale):
        expired += deletion_expire(request_id=request_id)
    return {"erase": len(due), "respond": len(lost), "expired": expired}


def deletion_expire(*, request_id: int) -> bool:
    """Close a deletion the requester never confirmed: nothing is erased, and we say so."""
    with transaction.atomic():
        case = _case_locked(request_id)
        if case.state != DeletionCase.State.AWAITING_CONFIRMATION:
            return False
        _state_change(case, D.EXPIRED)
        request_transition(
            request=case.request,
            to=Status.WITHDRAWN,
            reason=f"Not confirmed within {settings.DELETION_CONFIRM_DAYS} days.",
        )
        email_send(
            template="deletion_not_confirmed",
            to=case.request.submission.email,
            language=case.request.submission.language,
            context={"reference": case.request.reference, "days": settings.DELETION_CONFIRM_DAYS},
        )
    return True
