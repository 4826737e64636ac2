"""The bars a request must clear before staff see it, shared by the consumer's and the agent's flows:
the data points each kind needs (Regs §7062), specific pieces answered as categories without the
declaration or the points (§7062(c)), and the twice-in-12-months limit on know/access requests (CCPA
§1798.100(d), §1798.130(b))."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from records.models import Consumer, DataPoint
from records.selectors import consumer_known_under_16
from requests_app.lifecycle import event_record, request_transition
from requests_app.models import ACCESS_KINDS, Kind, PrivacyRequest, Status


@dataclass(frozen=True)
class Evidence:
    """What the requester proved: the matched data points (names, never values), and whether they
    signed the declaration under penalty of perjury."""

    points: list[str]
    declared: bool


def consumer_holds_sensitive(consumer: Consumer) -> bool:
    """Delete and correct need the higher bar when the records hold a sensitive type (Regs §7062(d)),
    or when the consumer is known to be under 16 (all their information is sensitive, Regs 2026)."""
    if consumer_known_under_16(consumer):
        return True
    return DataPoint.objects.filter(
        consumer=consumer, point_type__sensitive=True, redacted_at__isnull=True
    ).exists()


def required_points(*, kind: str, sensitive: bool) -> int:
    points = settings.VERIFICATION_POINTS.get(kind, max(settings.VERIFICATION_POINTS.values()))
    if sensitive and kind in (Kind.DELETE, Kind.CORRECT):
        points = max(points, settings.VERIFICATION_POINTS_SENSITIVE)
    return points


def plus_years(moment: datetime, years: int = 1) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28) + timedelta(days=1)


def access_limit_deny(
    *, request: PrivacyRequest, next_allowed: date, points, actor_label: str = "system", **changes
) -> None:
    """Deny a third know/access request within 12 months, saying when the next one is allowed."""
    request_transition(
        request=request,
        to=Status.DENIED,
        actor_label=actor_label,
        reason="too_many_requests",
        data={"reason": "too_many_requests", "next_allowed": next_allowed.isoformat()},
        matched_fields=points,
        outcome="denied",
        denial_reason="too_many_requests",
        **changes,
    )


def access_limit_next_allowed(*, consumer: Consumer, at: datetime, exclude_submission_id: int) -> date | None:
    """None when the consumer may make another know/access request at `at`; else the first day they may.

    Counted per person (the matched consumer, whatever e-mail was used) and per submission (one form
    asking for categories and specific pieces is one request to know). Requests that ended unverifiable
    or withdrawn, or were refused under this very limit, do not count (CCPA §1798.100(d), §1798.130(b)).
    Call with the consumer row locked so that concurrent decisions count one after the other.
    """
    window_start = plus_years(at, -1)
    firsts = list(
        PrivacyRequest.objects.filter(consumer=consumer, kind__in=ACCESS_KINDS, received_at__gt=window_start)
        .exclude(status__in=[Status.UNVERIFIABLE, Status.WITHDRAWN])
        .exclude(denial_reason="too_many_requests")
        .exclude(submission_id=exclude_submission_id)
        .values("submission_id")
        .annotate(first=Min("received_at"))
        .order_by("first")
        .values_list("first", flat=True)
    )
    allowed = settings.ACCESS_REQUESTS_PER_YEAR
    if len(firsts) < allowed:
        return None
    oldest_that_must_lapse = firsts[len(firsts) - allowed]
    return timezone.localdate(plus_years(oldest_that_must_lapse)) + timedelta(days=1)


def request_close_unverifiable(request: PrivacyRequest, reason: str, data: dict | None = None) -> None:
    request_transition(
        request=request,
        to=Status.UNVERIFIABLE,
        reason=reason,
        data={"reason": reason, **(data or {})},
        outcome="denied",
        denial_reason=reason,
    )


def privacy_request_kind_change(*, request: PrivacyRequest, to_kind: str, reason: str) -> PrivacyRequest:
    """Change what a request asks for (the one service that does), with an audit event.

    Used when a specific-pieces request is verified only to the categories level (Regs §7062(c)):
    it is then answered as a categories request, and the requester is told why. Due dates do not change.
    """
    with transaction.atomic():
        locked = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
        from_kind = locked.kind
        locked.kind = to_kind
        locked.save(update_fields=["kind"])
        event_record(
            request=locked,
            name="requests.request.kind_changed",
            reason=reason,
            data={"from": from_kind, "to": to_kind, "reason": reason},
        )
    request.kind = to_kind
    return locked


def kind_as_verified(*, kind: str, evidence: Evidence, sensitive: bool) -> str:
    """A specific-pieces request without its bar (points and declaration) is answered as a categories
    request when the categories bar is met (Regs §7062(c)); every other kind stays what it is."""
    if kind != Kind.ACCESS_SPECIFIC:
        return kind
    if len(evidence.points) >= required_points(kind=kind, sensitive=sensitive) and evidence.declared:
        return kind
    if len(evidence.points) >= settings.VERIFICATION_POINTS[Kind.KNOW_CATEGORIES]:
        return Kind.KNOW_CATEGORIES
    return kind


def requests_decide(
    *,
    requests: list[PrivacyRequest],
    consumer: Consumer,
    evidence: Evidence,
    reason: str,
    data: dict,
    actor_label: str = "system",
) -> list[PrivacyRequest]:
    """Decide each request against its kind's bar and the access limit; those that clear both go to
    staff review (in_review), matched to the consumer, and are returned. Runs in the caller's transaction.

    Short of the bar: unverifiable. Over the limit: denied, saying when the next one is allowed.
    """
    # The lock serialises decisions for one person, so two concurrent know/access requests cannot both
    # see one earlier request and both be accepted.
    consumer = Consumer.objects.select_for_update().get(pk=consumer.pk)
    sensitive = consumer_holds_sensitive(consumer)
    points = list(evidence.points)
    next_allowed: date | None | bool = False
    reviewed = []
    for request in requests:
        kind = kind_as_verified(kind=request.kind, evidence=evidence, sensitive=sensitive)
        if kind != request.kind:
            why = (
                "specific_as_categories_points" if evidence.declared else "specific_as_categories_declaration"
            )
            privacy_request_kind_change(request=request, to_kind=kind, reason=why)
        need = required_points(kind=kind, sensitive=sensitive)
        if len(points) < need:
            request_close_unverifiable(
                request, "insufficient_match", data={"matched_fields": points, "needed": need}
            )
            continue
        if kind in ACCESS_KINDS:
            if next_allowed is False:
                next_allowed = access_limit_next_allowed(
                    consumer=consumer, at=request.received_at, exclude_submission_id=request.submission_id
                )
            if next_allowed is not None:
                access_limit_deny(
                    request=request,
                    next_allowed=next_allowed,
                    points=points,
                    actor_label=actor_label,
                    consumer=consumer,
                )
                continue
        level = "high" if need >= 3 else "standard"
        request_transition(
            request=request,
            to=Status.IN_REVIEW,
            actor_label=actor_label,
            reason=reason,
            data={**data, "level": level},
            matched_fields=points,
            verification_level=level,
            consumer=consumer,
        )
        reviewed.append(request)
    return reviewed
