"""The one place a request's status changes (DESIGN §3).

`request_transition` locks the row, checks the transition table, stamps times and writes the audit
event in the same transaction. Nothing else assigns `status`.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import deadlines
from requests_app.exceptions import RequestError
from requests_app.models import ACCESS_KINDS, CLOSED_STATUSES, PrivacyRequest, RequestEvent, Status
from requests_app.regimes import Regime

S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.AWAITING_VERIFICATION, S.FULFILLING, S.WITHDRAWN}),
    S.AWAITING_VERIFICATION: frozenset(
        {S.AWAITING_CONSUMER_CONFIRMATION, S.IN_REVIEW, S.APPROVED, S.DENIED, S.UNVERIFIABLE, S.WITHDRAWN}
    ),
    S.AWAITING_CONSUMER_CONFIRMATION: frozenset(
        {S.IN_REVIEW, S.APPROVED, S.DENIED, S.UNVERIFIABLE, S.WITHDRAWN}
    ),
    S.IN_REVIEW: frozenset({S.AWAITING_VERIFICATION, S.APPROVED, S.DENIED, S.UNVERIFIABLE, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.FULFILLING, S.WITHDRAWN}),
    # Withdrawn: a requester cancels a confirmed deletion within its cancel window (Regs §7022(d)).
    S.FULFILLING: frozenset({S.COMPLETED, S.DENIED, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.DENIED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.UNVERIFIABLE: frozenset(),
}

# Fields a transition may set alongside the status (everything else has its own service).
TRANSITION_FIELDS = frozenset(
    {"outcome", "denial_reason", "consumer", "matched_fields", "verification_level", "assignee"}
)

# Rules of the right packages that every transition honours, registered by RequestsAppConfig.ready()
# (this core module imports no right): called with request= inside the transaction after every move
# into a closed status; and asked before approval or fulfilment for a refusal message (or None).
# Channels that follow a request from outside (DRP status callbacks, API webhooks) register transition
# hooks: called with request= and event= inside the transaction after every status change, so that what
# they send is an outbox row committed with the change (or rolled back with it). Acknowledgement hooks
# likewise, with request=, inside the transaction recording each confirmation of receipt (Regs §7021(a)).
ON_CLOSE_HOOKS: list[Callable[..., None]] = []
RELEASE_CHECKS: list[Callable[[PrivacyRequest], str | None]] = []
ON_TRANSITION_HOOKS: list[Callable[..., None]] = []
ON_ACKNOWLEDGED_HOOKS: list[Callable[..., None]] = []
# Purge hooks: called with submission_ids= inside the transaction that blanks those submissions' personal
# data (at close, or at the end of retention), for what a channel keeps of the person elsewhere.
ON_PURGE_HOOKS: list[Callable[..., None]] = []


def lifecycle_hooks_register(
    *,
    on_close: list[Callable[..., None]] = (),
    release_checks: list[Callable[[PrivacyRequest], str | None]] = (),
    on_transition: list[Callable[..., None]] = (),
    on_acknowledged: list[Callable[..., None]] = (),
    on_purge: list[Callable[..., None]] = (),
) -> None:
    ON_CLOSE_HOOKS.extend(hook for hook in on_close if hook not in ON_CLOSE_HOOKS)
    RELEASE_CHECKS.extend(check for check in release_checks if check not in RELEASE_CHECKS)
    ON_TRANSITION_HOOKS.extend(hook for hook in on_transition if hook not in ON_TRANSITION_HOOKS)
    ON_ACKNOWLEDGED_HOOKS.extend(hook for hook in on_acknowledged if hook not in ON_ACKNOWLEDGED_HOOKS)
    ON_PURGE_HOOKS.extend(hook for hook in on_purge if hook not in ON_PURGE_HOOKS)


def personal_data_purged(*, submission_ids: list[int]) -> None:
    """Those submissions' personal data was just blanked (call inside that transaction): the purge hooks."""
    for hook in ON_PURGE_HOOKS:
        hook(submission_ids=submission_ids)


def request_acknowledged_record(
    *, request: PrivacyRequest, data: dict[str, Any] | None = None
) -> RequestEvent:
    """The receipt of `request` was confirmed (call inside the transaction that stamps it): the audit
    event, then the acknowledgement hooks."""
    event = acknowledged_event_build(request=request, data=data)
    event.save()
    acknowledged_hooks_run(request=request)
    return event


def acknowledged_event_build(*, request: PrivacyRequest, data: dict[str, Any] | None = None) -> RequestEvent:
    """The unsaved audit event of a confirmation of receipt, for intake paths that write their rows in
    bulk; they run `acknowledged_hooks_run` later, in a task (the hooks must be idempotent)."""
    return RequestEvent(
        request=request, name="requests.request.acknowledged", actor_label="system", data=data or {}
    )


def acknowledged_hooks_run(*, request: PrivacyRequest) -> None:
    for hook in ON_ACKNOWLEDGED_HOOKS:
        hook(request=request)


def event_record(
    *,
    request: PrivacyRequest,
    name: str,
    actor=None,
    actor_label: str = "system",
    reason: str = "",
    data: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> RequestEvent:
    """Append an audit event; on its own, for what is not a status change (a download, a note)."""
    return RequestEvent.objects.create(
        request=request,
        name=name,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        actor_label=actor_label if actor is None else f"staff:{actor.get_username()}",
        reason=reason,
        data=data or {},
    )


def requests_build(
    *,
    submission,
    kinds: list[str],
    first_status: Callable[[str], str],
    actor_label: str = "requester",
    data: dict[str, Any] | None = None,
    regime: str = Regime.CALIFORNIA,
    data_range: tuple[date | None, date | None] = (None, None),
) -> tuple[list[PrivacyRequest], list[RequestEvent]]:
    """New requests, one per kind (de-duplicated, in order), received and moved to their first state,
    with their opening events; nothing saved yet.

    Creation is not a change of status, but it is recorded like one: a `received` event and the move to
    the kind's first state, checked against the transition table.
    """
    now = timezone.now()
    requests = []
    for kind in dict.fromkeys(kinds):
        status = first_status(kind)
        if status not in TRANSITIONS[S.RECEIVED]:
            raise ValueError(f"a new request cannot start as {status}")
        requests.append(
            PrivacyRequest(
                submission=submission,
                kind=kind,
                status=status,
                regime=regime,
                data_from=data_range[0] if kind in ACCESS_KINDS else None,
                data_to=data_range[1] if kind in ACCESS_KINDS else None,
                received_at=now,
                status_changed_at=now,
                ack_due=deadlines.ack_due(now),
                due_at=deadlines.response_due(now, kind, regime),
            )
        )
    events = [
        event
        for request in requests
        for event in (
            RequestEvent(
                request=request,
                name="requests.request.received",
                actor_label=actor_label,
                to_status=S.RECEIVED,
                data=data or {},
            ),
            RequestEvent(
                request=request,
                name=f"requests.request.{request.status}",
                actor_label="system",
                from_status=S.RECEIVED,
                to_status=request.status,
            ),
        )
    ]
    return requests, events


def requests_save(requests: list[PrivacyRequest], events: list[RequestEvent]) -> None:
    """Save what `requests_build` made, in two bulk inserts (intake is the hot path, DESIGN §8)."""
    # No savepoint: callers hold the outer transaction, and any failure here must undo all of it.
    with transaction.atomic(savepoint=False):
        PrivacyRequest.objects.bulk_create(requests)
        RequestEvent.objects.bulk_create(events)


def request_transition(
    *,
    request: PrivacyRequest | int,
    to: str,
    actor=None,
    actor_label: str = "system",
    reason: str = "",
    data: dict[str, Any] | None = None,
    **changes: Any,
) -> PrivacyRequest:
    unknown = set(changes) - TRANSITION_FIELDS
    if unknown:
        raise TypeError(f"request_transition cannot set {sorted(unknown)}")
    pk = request if isinstance(request, int) else request.pk
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(pk=pk)
        if to not in TRANSITIONS[locked.status]:
            raise RequestError(
                _("A request that is “%(current)s” cannot become “%(target)s”.")
                % {"current": Status(locked.status).label, "target": Status(to).label},
                code="illegal_transition",
            )
        if to in (S.DENIED, S.UNVERIFIABLE) and not changes.get("denial_reason"):
            # The §7101 log and the §7102 metrics count every denial under its reason.
            raise ValueError(f"a move to {to} needs a denial_reason (a reason code)")
        if to in (S.APPROVED, S.FULFILLING):
            _release_check(locked)
        now = timezone.now()
        from_status = locked.status
        locked.status = to
        locked.status_changed_at = now
        fields = ["status", "status_changed_at", *changes]
        for name, value in changes.items():
            setattr(locked, name, value)
        if to in CLOSED_STATUSES:
            locked.closed_at = now
            fields.append("closed_at")
        locked.save(update_fields=fields)
        event = event_record(
            request=locked,
            name=f"requests.request.{to}",
            actor=actor,
            actor_label=actor_label,
            reason=reason,
            data=data,
            from_status=from_status,
            to_status=to,
        )
        if to in CLOSED_STATUSES:
            for hook in ON_CLOSE_HOOKS:
                hook(request=locked)
        for hook in ON_TRANSITION_HOOKS:
            hook(request=locked, event=event)
    if not isinstance(request, int):
        request.refresh_from_db()
    return locked


def _release_check(request: PrivacyRequest) -> None:
    """E.g. an agent's request is carried out only after staff accept the document and, for a signed
    permission, the consumer confirmed it directly (Regs §7063; requests_app.agents)."""
    for check in RELEASE_CHECKS:
        refusal = check(request)
        if refusal:
            raise RequestError(refusal, code="agent_not_released")


def request_deadline_extend(
    *, request: PrivacyRequest, actor, reason: str, today: date | None = None
) -> tuple[PrivacyRequest, RequestEvent]:
    """The one 45-day extension (90 days in all), decided before the original due date, with the reason
    the requester will be told (CCPA §1798.130(a)(2); Regs §7021(b))."""
    today = today or deadlines.local_date(timezone.now())
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
        if locked.is_closed:
            raise RequestError(_("This request is closed."), code="closed")
        if locked.kind in deadlines.NOT_EXTENDABLE:
            raise RequestError(_("This kind of request cannot be extended."), code="not_extendable")
        if locked.extended_due_at:
            raise RequestError(_("This request was already extended once."), code="already_extended")
        if today > locked.due_at:
            raise RequestError(
                _("The original due date has passed; an extension had to be sent before it."), code="too_late"
            )
        new_due = deadlines.extended_due(locked.received_at, locked.due_at, locked.regime)
        locked.extended_due_at = new_due
        locked.extension_reason = reason
        locked.save(update_fields=["extended_due_at", "extension_reason"])
        event = event_record(
            request=locked,
            name="requests.request.extended",
            actor=actor,
            reason=reason,
            data={"from": locked.due_at.isoformat(), "to": new_due.isoformat()},
        )
    return locked, event
