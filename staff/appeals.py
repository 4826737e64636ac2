"""Staff decide appeals in writing within APPEAL_RESPONSE_DAYS; the decision e-mail names the Attorneys
General. A reversal reopens the request as a new one in review, with a fresh deadline. The requester's
side (the window, the submission) is requests_app/appeals."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import deadlines
from requests_app.appeals.models import Appeal
from requests_app.exceptions import RequestError
from requests_app.lifecycle import event_record, request_transition
from requests_app.models import PrivacyRequest, Status

from .services import requester_notify_after_commit


def appeal_decide(*, appeal: Appeal, actor, decision: str, explanation: str) -> Appeal:
    """Decide in writing. Whoever denied the request may not decide its appeal."""
    explanation = (explanation or "").strip()
    if decision not in (Appeal.Decision.UPHELD, Appeal.Decision.REVERSED):
        raise RequestError(_("Choose whether the denial is upheld or reversed."), code="decision")
    if not explanation:
        raise RequestError(_("Write the explanation the requester will read."), code="missing_text")
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().select_related("request").get(pk=appeal.pk)
        if not locked.is_open:
            raise RequestError(_("This appeal has already been decided."), code="decided")
        request = locked.request
        denier = (
            request.events.filter(name__in=["requests.request.denied", "requests.request.unverifiable"])
            .order_by("-pk")
            .values_list("actor_id", flat=True)
            .first()
        )
        if denier is not None and denier == actor.pk:
            raise RequestError(
                _("Someone other than the person who denied the request must decide the appeal."),
                code="four_eyes",
            )
        now = timezone.now()
        locked.decision, locked.explanation = decision, explanation
        locked.decided_by, locked.decided_at = actor, now
        if decision == Appeal.Decision.REVERSED:
            locked.reopened_request = _reopen(request=request, actor=actor, now=now)
        locked.save(update_fields=["decision", "explanation", "decided_by", "decided_at", "reopened_request"])
        event = event_record(
            request=request,
            name="requests.appeal.decided",
            actor=actor,
            reason=explanation,
            data={
                "decision": decision,
                "reopened": locked.reopened_request.reference if locked.reopened_request else "",
            },
        )
        requester_notify_after_commit(event)
    return locked


def _reopen(*, request: PrivacyRequest, actor, now: datetime) -> PrivacyRequest:
    reopened = PrivacyRequest.objects.create(
        submission_id=request.submission_id,
        kind=request.kind,
        regime=request.regime,
        received_at=now,
        status_changed_at=now,
        ack_due=deadlines.ack_due(now),
        due_at=deadlines.response_due(now, request.kind, request.regime),
        consumer_id=request.consumer_id,
        matched_fields=request.matched_fields,
        verification_level=request.verification_level,
    )
    event_record(
        request=reopened,
        name="requests.request.received",
        actor=actor,
        to_status=Status.RECEIVED,
        data={"appeal_of": request.reference},
    )
    request_transition(request=reopened, to=Status.AWAITING_VERIFICATION, actor=actor)
    request_transition(request=reopened, to=Status.IN_REVIEW, actor=actor, reason="appeal reversed")
    return reopened
