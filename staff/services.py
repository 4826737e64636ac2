"""Staff actions on a request. Every one is audited: a status change through `request_transition`,
anything else through `event_record`, in the same transaction as the change it records.

E-mails to the requester are rendered from the audit event after commit (staff.notify), so a task
carries only the event's primary key.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app.exceptions import RequestError
from requests_app.fulfilment import FULFILMENT_TASKS, fulfilment_enqueue, request_approve
from requests_app.intake.services import privacy_request_submit
from requests_app.lifecycle import TRANSITIONS, event_record, request_deadline_extend, request_transition
from requests_app.models import MANUAL_KINDS, PrivacyRequest, RequestEvent, Status
from requests_app.outbox.services import outbox_task
from requests_app.states import state_change

from .models import DenialReason, DenialReasonTemplate, VerificationLowering
from .tasks import notify_requester_task

# Levels a second approver may accept instead of the one the kind requires (Regs §7062).
LOWER_LEVELS = {
    "reasonable": _("Reasonable degree of certainty (two data points)"),
    "email_only": _("Control of the e-mail address only"),
}
# The 45-day extension is for requests to know, delete and correct (CCPA §1798.130(a)(2)); opt-outs
# and Shine the Light have their own, shorter, unextendable deadlines.
AWAITING = frozenset({Status.AWAITING_VERIFICATION, Status.AWAITING_CONSUMER_CONFIRMATION})

L = VerificationLowering.State
# VerificationLowering.state, moved only through `_lowering_decide` (requests_app.states).
LOWERING_STATES: dict[str, frozenset[str]] = {
    L.PENDING: frozenset({L.CONFIRMED, L.WITHDRAWN}),
    L.CONFIRMED: frozenset(),
    L.WITHDRAWN: frozenset(),
}


def requester_notify_after_commit(event: RequestEvent) -> None:
    """E-mail the requester what this event calls for, once the transaction commits (staff.notify)."""
    event_id = event.pk
    outbox_task(notify_requester_task, event_id)


def _require_open(request: PrivacyRequest) -> None:
    if request.is_closed:
        raise RequestError(_("This request is closed."), code="closed")


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RequestError(_("Write the %(what)s.") % {"what": what}, code="missing_text")
    return value


def request_view_record(*, request: PrivacyRequest, actor, personal_data: bool) -> None:
    """Every opening of a request's page by staff is an audit event; it says whether details were shown."""
    event_record(
        request=request, name="staff.request.viewed", actor=actor, data={"personal_data": personal_data}
    )


def request_assign(*, request: PrivacyRequest, actor, assignee) -> PrivacyRequest:
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        event_record(
            request=locked,
            name="requests.request.assigned",
            actor=actor,
            data={"assignee": assignee.get_username() if assignee else ""},
        )
    request.assignee = assignee
    return locked


def requests_bulk_assign(*, references: list[str], actor, assignee) -> int:
    """Assign up to a page of requests in one go; all or nothing."""
    with transaction.atomic():
        locked = list(
            PrivacyRequest.objects.select_for_update().filter(reference__in=references).order_by("pk")
        )
        if len(locked) != len(set(references)):
            raise RequestError(_("Some of the chosen requests no longer exist."), code="missing")
        PrivacyRequest.objects.filter(pk__in=[r.pk for r in locked]).update(assignee=assignee)
        for request in locked:
            event_record(
                request=request,
                name="requests.request.assigned",
                actor=actor,
                data={"assignee": assignee.get_username() if assignee else "", "bulk": True},
            )
    return len(locked)


def submission_enter(*, actor, form, channel: str, via: str) -> list[PrivacyRequest]:
    """Staff enter a request received by telephone, mail or e-mail, validated by the web form (`form`,
    bound and valid): the web intake, and who entered it, in one transaction."""
    with transaction.atomic():
        created = privacy_request_submit(
            kinds=form.cleaned_data["kinds"],
            requester=form.requester(),
            channel=channel,
            regime=form.cleaned_data["residency"],
            data_range=form.data_range(),
        )
        for privacy_request in created:
            event_record(
                request=privacy_request,
                name="staff.request.entered",
                actor=actor,
                data={"channel": channel, "via": via},
            )
    return created


def request_note_add(*, request: PrivacyRequest, actor, text: str) -> RequestEvent:
    return event_record(
        request=request, name="staff.request.note", actor=actor, reason=_text(text, _("note"))
    )


def request_info_ask(*, request: PrivacyRequest, actor, message: str) -> RequestEvent:
    """E-mail the requester a question (e.g. a missing data point); the timeline keeps the question."""
    _require_open(request)
    message = _text(message, _("question to the requester"))
    with transaction.atomic():
        event = event_record(
            request=request, name="staff.request.info_requested", actor=actor, reason=message
        )
        requester_notify_after_commit(event)
    return event


def request_extend(
    *, request: PrivacyRequest, actor, reason: str, today: date | None = None
) -> PrivacyRequest:
    """Staff extend a request once (the rule is the lifecycle's), and the requester is told why."""
    reason = _text(reason, _("reason for the extension"))
    with transaction.atomic():
        locked, event = request_deadline_extend(request=request, actor=actor, reason=reason, today=today)
        requester_notify_after_commit(event)
    request.refresh_from_db()
    return locked


def staff_request_approve(*, request: PrivacyRequest, actor, reason: str = "") -> PrivacyRequest:
    """Approve a verified request in review and hand it to its fulfilment task."""
    if request.status != Status.IN_REVIEW:
        raise RequestError(
            _("Only a request in review can be approved (this one is “%(status)s”).")
            % {"status": Status(request.status).label},
            code="not_in_review",
        )
    return request_approve(request=request, actor=actor, reason=reason.strip())


def request_deny(
    *, request: PrivacyRequest, actor, template: DenialReasonTemplate, text: str = ""
) -> PrivacyRequest:
    """Deny with a reason code (and for exceptions the statute); the e-mail states the reason, the
    appeal route and, where the template says so, offers the opt-out of sale/sharing."""
    _require_open(request)
    if not template.active or not template.fits(request.kind):
        raise RequestError(_("That reason does not apply to this kind of request."), code="reason_kind")
    to = Status.DENIED
    if template.reason == DenialReason.UNVERIFIABLE and Status.UNVERIFIABLE in TRANSITIONS[request.status]:
        to = Status.UNVERIFIABLE
    with transaction.atomic():
        request_transition(
            request=request,
            to=to,
            actor=actor,
            reason=text.strip(),
            data={"template": template.code},
            outcome="denied",
            denial_reason=template.denial_code,
        )
        event = request.events.order_by("-pk").first()
        requester_notify_after_commit(event)
    return request


def request_fulfilment_rerun(*, request: PrivacyRequest, actor) -> None:
    """Enqueue the kind's task again for a request stuck in fulfilling (tasks are idempotent per step)."""
    if request.status != Status.FULFILLING:
        raise RequestError(_("Only a request being carried out can be re-run."), code="not_fulfilling")
    if request.kind not in FULFILMENT_TASKS:
        raise RequestError(_("No fulfilment task is registered for this kind yet."), code="no_task")
    with transaction.atomic():
        event_record(request=request, name="staff.request.fulfilment_rerun", actor=actor)
        fulfilment_enqueue(request=request)


def request_manual_complete(*, request: PrivacyRequest, actor, notes: str) -> PrivacyRequest:
    """Staff carried out a manual kind (the ADMT kinds) by hand: record what was done and complete it."""
    if request.kind not in MANUAL_KINDS:
        raise RequestError(_("This kind is carried out by its own task, not by hand."), code="not_manual")
    if request.status != Status.FULFILLING:
        raise RequestError(_("Only a request being carried out can be completed."), code="not_fulfilling")
    notes = _text(notes, _("what was done"))
    with transaction.atomic():
        request_transition(
            request=request,
            to=Status.COMPLETED,
            actor=actor,
            reason=notes,
            data={"manual": True},
            outcome="complied",
        )
    return request


def verification_lowering_propose(
    *, request: PrivacyRequest, actor, level: str, reason: str
) -> VerificationLowering:
    """First pair of eyes: propose accepting a lower verification level, with the reason logged."""
    if level not in LOWER_LEVELS:
        raise RequestError(_("Choose a verification level."), code="level")
    reason = _text(reason, _("reason for lowering the verification bar"))
    if request.status not in AWAITING | {Status.IN_REVIEW}:
        raise RequestError(_("Verification can only be lowered before approval."), code="state")
    try:
        with transaction.atomic():
            lowering = VerificationLowering.objects.create(
                request=request, level=level, reason=reason, proposed_by=actor
            )
            event_record(
                request=request,
                name="staff.verification.lowering_proposed",
                actor=actor,
                reason=reason,
                data={"level": level, "proposal": lowering.pk},
            )
    except IntegrityError:
        raise RequestError(
            _("A proposal is already waiting for a second approver."), code="pending"
        ) from None
    return lowering


def _pending_lowering_locked(request: PrivacyRequest) -> VerificationLowering:
    """The proposal waiting for a second approver, locked for the caller's transaction."""
    lowering = (
        VerificationLowering.objects.select_for_update()
        .filter(request=request, state=VerificationLowering.State.PENDING)
        .first()
    )
    if lowering is None:
        raise RequestError(_("There is no proposal waiting for confirmation."), code="none_pending")
    return lowering


def _lowering_decide(lowering: VerificationLowering, to: str, **kwargs) -> VerificationLowering:
    return state_change(
        obj=lowering, field="state", to=to, table=LOWERING_STATES, decided_at=timezone.now(), **kwargs
    )


def verification_lowering_confirm(*, request: PrivacyRequest, actor) -> VerificationLowering:
    """Second pair of eyes: a different approver confirms; the request then goes to review."""
    with transaction.atomic():
        lowering = _pending_lowering_locked(request)
        if lowering.proposed_by_id == actor.pk:
            raise RequestError(
                _("A second approver must confirm: you proposed this yourself."), code="four_eyes"
            )
        _require_open(request)
        _lowering_decide(
            lowering,
            L.CONFIRMED,
            request=request,
            event="staff.verification.lowering_confirmed",
            actor=actor,
            decided_by=actor,
            reason=lowering.reason,
            data={"level": lowering.level, "proposal": lowering.pk},
        )
        data = {
            "level": lowering.level,
            "proposal": lowering.pk,
            "proposed_by": lowering.proposed_by.get_username(),
        }
        if request.status in AWAITING:
            request_transition(
                request=request,
                to=Status.IN_REVIEW,
                actor=actor,
                reason=lowering.reason,
                data={**data, "verification_lowered": True},
                verification_level=lowering.level,
            )
        else:
            locked = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
            locked.verification_level = lowering.level
            locked.save(update_fields=["verification_level"])
            event_record(
                request=locked,
                name="staff.verification.lowered",
                actor=actor,
                reason=lowering.reason,
                data=data,
            )
            request.verification_level = lowering.level
    return lowering


def verification_lowering_withdraw(*, request: PrivacyRequest, actor) -> VerificationLowering:
    with transaction.atomic():
        lowering = _pending_lowering_locked(request)
        _lowering_decide(
            lowering,
            L.WITHDRAWN,
            request=request,
            event="staff.verification.lowering_withdrawn",
            actor=actor,
            decided_by=None if lowering.proposed_by_id == actor.pk else actor,
            data={"proposal": lowering.pk},
        )
    return lowering
