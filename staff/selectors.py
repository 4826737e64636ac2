"""Reads for the staff pages. The queue costs a fixed number of queries whatever the page size."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from requests_app.appeals.models import Appeal
from requests_app.models import (
    CLOSED_STATUSES,
    AgentAuthorization,
    Channel,
    Kind,
    PrivacyRequest,
    RequestEvent,
    Status,
)

from .models import DenialReason, DenialReasonTemplate, VerificationLowering
from .permissions import Role

OPEN = "open"
ALL = "all"
CLOSED_COUNTS_KEY = "staff:closed-status-counts"
CLOSED_COUNTS_SECONDS = 600
# The same predicate as the queue's partial indexes (PrivacyRequest.Meta: staff_open_by_effective_due, …).
OPEN_Q = ~Q(status__in=["completed", "denied", "withdrawn", "unverifiable"])


@dataclass(frozen=True)
class QueueFilters:
    status: str = OPEN
    kind: str = ""
    channel: str = ""
    assignee: str = ""  # "", "me", "none" or a user id
    overdue: bool = False
    due_within: int | None = None
    agent: bool = False  # only requests an authorized agent submitted
    reference: str = ""
    email: str = ""
    regime: str = ""
    due_before: date | None = None  # effective due date on or before (the API's filters)
    due_after: date | None = None  # effective due date on or after
    descending: bool = False
    after: tuple[date, int] | None = None  # keyset cursor: (effective due, pk) of the last row shown
    page_size: int = 25


def queue_queryset(*, filters: QueueFilters, user, today: date) -> QuerySet[PrivacyRequest]:
    qs = PrivacyRequest.objects.annotate(effective=Coalesce(F("extended_due_at"), F("due_at")))
    if filters.status == OPEN:
        qs = qs.filter(OPEN_Q)
    elif filters.status != ALL:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.channel:
        qs = qs.filter(submission__channel=filters.channel)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.overdue:
        qs = qs.filter(effective__lt=today)
    if filters.due_within is not None:
        qs = qs.filter(effective__lte=today + timedelta(days=filters.due_within))
    if filters.regime:
        qs = qs.filter(regime=filters.regime)
    if filters.due_before is not None:
        qs = qs.filter(effective__lte=filters.due_before)
    if filters.due_after is not None:
        qs = qs.filter(effective__gte=filters.due_after)
    if filters.agent:
        # A subquery in the page's one query. Over open requests it reads only the partial index
        # staff_open_by_submission and the agents' table, so that the heap is read for the agents' requests
        # alone: a join instead read every open request's row (~30,000 at 1M requests) to match them.
        agents = AgentAuthorization.objects.values("submission_id")
        if filters.status == OPEN:
            qs = qs.filter(
                pk__in=PrivacyRequest.objects.filter(OPEN_Q, submission_id__in=agents).values("pk")
            )
        else:
            qs = qs.filter(submission_id__in=agents)
    if filters.reference:
        qs = qs.filter(reference=filters.reference)
    if filters.email:
        qs = qs.filter(submission__email=filters.email)
    return qs


def queue_page(*, filters: QueueFilters, user, today: date) -> tuple[list[PrivacyRequest], str | None]:
    """One page of the queue, sorted by due date, and the cursor of the next page (keyset pagination:
    the cost of page 1,000 is the cost of page 1, and no COUNT(*) over the filtered set)."""
    qs = queue_queryset(filters=filters, user=user, today=today)
    if filters.after is not None:
        due, pk = filters.after
        if filters.descending:
            qs = qs.filter(effective__lte=due).filter(Q(effective__lt=due) | Q(pk__lt=pk))
        else:
            qs = qs.filter(effective__gte=due).filter(Q(effective__gt=due) | Q(pk__gt=pk))
    order = ("-effective", "-pk") if filters.descending else ("effective", "pk")
    rows = list(
        qs.select_related("assignee", "submission")
        .only(
            "reference",
            "kind",
            "status",
            "regime",
            "received_at",
            "due_at",
            "extended_due_at",
            "ack_due",
            "assignee__username",
            "submission__channel",
            "submission__acknowledged_at",
        )
        # Labelled "by an agent" in the queue: a subquery in the page's one query.
        .annotate(by_agent=Exists(AgentAuthorization.objects.filter(submission_id=OuterRef("submission_id"))))
        .order_by(*order)[: filters.page_size + 1]
    )
    cursor = None
    if len(rows) > filters.page_size:
        rows = rows[: filters.page_size]
        cursor = f"{rows[-1].effective.isoformat()}.{rows[-1].pk}"
    # get_FOO_display() rebuilds a dict of the choices on every call: label the page's rows once here.
    kinds, statuses = _labels(Kind.choices), _labels(Status.choices)
    channels = _labels(Channel.choices)
    for row in rows:
        row.kind_label = kinds.get(row.kind, row.kind)
        row.status_label = statuses.get(row.status, row.status)
        row.channel_label = channels.get(row.submission.channel, row.submission.channel)
    return rows, cursor


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def status_counts() -> dict[str, int]:
    """Requests per status. Open statuses are counted live (a partial index keeps it cheap); the
    closed ones grow without end and change only by closing work, so they are cached for 10 minutes."""
    counts = dict.fromkeys(Status.values, 0)
    open_counts = (
        PrivacyRequest.objects.filter(~Q(status__in=["completed", "denied", "withdrawn", "unverifiable"]))
        .values_list("status")
        .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): an index-only scan of staff_open_status
        .order_by()
    )
    counts.update(dict(open_counts))
    closed = cache.get(CLOSED_COUNTS_KEY)
    if closed is None:
        closed = dict(
            PrivacyRequest.objects.filter(status__in=CLOSED_STATUSES)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        cache.set(CLOSED_COUNTS_KEY, closed, CLOSED_COUNTS_SECONDS)
    counts.update(closed)
    return counts


def staff_assignees():
    """Active people who can work requests (analyst and above), for assignment menus."""
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name__in=[Role.ANALYST, Role.APPROVER, Role.ADMIN]))
        .filter(is_active=True)
        .distinct()
        .only("username", "first_name", "last_name")
        .order_by("username")
    )


FOLDED_EVENTS = frozenset({"staff.request.viewed"})


def request_timeline(*, request: PrivacyRequest) -> list[RequestEvent]:
    """The request's events in order; consecutive "request viewed" events are folded into the first
    of the run, which carries `folded` (how many more) and `last_at` (the last view's time)."""
    events: list[RequestEvent] = []
    for event in (
        RequestEvent.objects.filter(request=request).select_related("actor").order_by("created_at", "pk")
    ):
        previous = events[-1] if events else None
        if previous is not None and event.name in FOLDED_EVENTS and previous.name == event.name:
            previous.folded += 1
            previous.last_at = event.created_at
            previous.viewers[event.actor_label] = None
            continue
        event.folded, event.last_at, event.viewers = 0, None, {event.actor_label: None}
        events.append(event)
    return events


def pending_lowering(*, request: PrivacyRequest) -> VerificationLowering | None:
    return (
        VerificationLowering.objects.filter(request=request, state=VerificationLowering.State.PENDING)
        .select_related("proposed_by")
        .first()
    )


def appeal_queue(*, decided: bool, limit: int = 200) -> list[Appeal]:
    """Appeals in the order they are worked, each with `reason_label`: the denial basis in words
    (a template's title for an exception, the reason's label, or the closure code made readable)."""
    qs = Appeal.objects.select_related("request", "decided_by").filter(decided_at__isnull=not decided)
    appeals = list((qs.order_by("-decided_at", "pk") if decided else qs.order_by("due_at", "pk"))[:limit])
    titles = {
        f"exception:{code}": title
        for code, title in DenialReasonTemplate.objects.values_list("code", "title")
    }
    reasons = _labels(DenialReason.choices)
    for appeal in appeals:
        code = appeal.request.denial_reason or ""
        appeal.reason_label = (
            titles.get(code) or reasons.get(code) or code.replace("_", " ").capitalize() or "—"
        )
    return appeals
