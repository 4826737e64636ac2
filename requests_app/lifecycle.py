"""The one place a request's status changes (DESIGN §3).

`request_transition` locks the row, checks the transition table, stamps times and writes the audit
event in the same transaction. Nothing else assigns `status`.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import RequestError
from .models import CLOSED_STATUSES, PrivacyRequest, RequestEvent, Status

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
        event_record(
            request=locked,
            name=f"requests.request.{to}",
            actor=actor,
            actor_label=actor_label,
            reason=reason,
            data=data,
            from_status=from_status,
            to_status=to,
        )
    if not isinstance(request, int):
        request.refresh_from_db()
    return locked
