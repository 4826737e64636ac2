"""Regs §7102 metrics and the §7101 request log.

Per calendar year (of receipt, in the business's time zone) and kind: requests received, complied with
in whole or in part, denied (by reason), and the median and mean number of days to a substantive
response (closing date minus receipt date, for requests completed or denied). Counting happens in the
database, grouped down to (kind, status, outcome, reason, days), so a year of a million requests comes
back as a few hundred rows; medians are then exact from that histogram.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F
from django.db.models.functions import TruncDate

from requests_app.agents import services as agents
from requests_app.models import Kind, PrivacyRequest, Status
from requests_app.regimes import Regime

from .models import DenialReason

NO_RECORDS, OTHER, UNSPECIFIED = "no_records", "other", "unspecified"
# The §7102 column each reason code the portal closes a request with is counted under. Staff denials
# store a DenialReason (exceptions as exception:<code>); the codes below are the system's own closures.
# A code missing here lands in "unspecified", which the tests keep at zero on generated data.
REASON_BUCKETS: dict[str, str] = {
    "insufficient_match": DenialReason.UNVERIFIABLE,
    "no_contact_on_record": DenialReason.UNVERIFIABLE,
    agents.REASON_NOT_CONFIRMED: DenialReason.UNVERIFIABLE,
    agents.REASON_CONFIRMATION_EXPIRED: DenialReason.UNVERIFIABLE,
    agents.REASON_CONFIRMATION_FAILED: DenialReason.UNVERIFIABLE,
    agents.REASON_DOCUMENT_REJECTED: DenialReason.UNVERIFIABLE,
    "stl_once_per_year": DenialReason.TOO_MANY_REQUESTS,
    # The requester proved their e-mail, but no record matched the details given.
    "no_matching_records": NO_RECORDS,
    "no_matching_account": NO_RECORDS,
    # Regs §7023(b): on the totality of the circumstances the information is more likely accurate.
    "correction_denied": OTHER,
}
# The by-reason columns, in order; together they count every denial.
REASON_COLUMNS: list[tuple[str, str]] = [
    *DenialReason.choices,
    (NO_RECORDS, "No matching records"),
    (OTHER, "Other grounds"),
    (UNSPECIFIED, "No reason recorded"),
]
_COLUMN_CODES = frozenset(code for code, _label in REASON_COLUMNS)

DENIED_STATUSES = frozenset({Status.DENIED, Status.UNVERIFIABLE})
SUBSTANTIVE = frozenset({Status.COMPLETED, Status.DENIED, Status.UNVERIFIABLE})
COMPLIED_OUTCOMES = frozenset({"complied", "partially", "partially_complied"})


@dataclass
class KindMetrics:
    kind: str
    label: str
    received: int = 0
    complied: int = 0
    denied: int = 0
    denied_by_reason: Counter = field(default_factory=Counter)
    days: Counter = field(default_factory=Counter)  # days to respond -> number of requests

    @property
    def reason_counts(self) -> list[int]:
        """The denials per REASON_COLUMNS column, in that order (they add up to `denied`)."""
        return [self.denied_by_reason.get(code, 0) for code, _label in REASON_COLUMNS]

    @property
    def responded(self) -> int:
        return sum(self.days.values())

    @property
    def median_days(self) -> float | None:
        n = self.responded
        if not n:
            return None
        ordered = sorted(self.days.items())

        def nth(index: int) -> int:
            seen = 0
            for value, count in ordered:
                seen += count
                if index < seen:
                    return value
            raise IndexError(index)

        if n % 2:
            return float(nth(n // 2))
        return (nth(n // 2 - 1) + nth(n // 2)) / 2

    @property
    def mean_days(self) -> float | None:
        n = self.responded
        return round(sum(v * c for v, c in self.days.items()) / n, 1) if n else None


def denial_bucket(status: str, reason: str) -> str:
    """The §7102 column a denial is counted under (one of REASON_COLUMNS): exception:<code> counts as
    "exception", a system code as REASON_BUCKETS says."""
    if not reason:
        return DenialReason.UNVERIFIABLE if status == Status.UNVERIFIABLE else UNSPECIFIED
    code = reason.split(":", 1)[0]
    code = REASON_BUCKETS.get(code, code)
    return code if code in _COLUMN_CODES else UNSPECIFIED


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def _add(m: KindMetrics, g: dict) -> None:
    n = g["n"]
    m.received += n
    if g["status"] in DENIED_STATUSES or g["outcome"] == "denied":
        m.denied += n
        m.denied_by_reason[denial_bucket(g["status"], g["denial_reason"])] += n
    elif g["status"] == Status.COMPLETED or g["outcome"] in COMPLIED_OUTCOMES:
        m.complied += n
    if g["status"] in SUBSTANTIVE and g["days"] is not None:
        m.days[g["days"].days] += n


def _groups(year: int, by: str, regime: str | None = None):
    tz = ZoneInfo(settings.TIME_ZONE)
    start, end = _year_bounds(year)
    days = ExpressionWrapper(
        TruncDate("closed_at", tzinfo=tz) - TruncDate("received_at", tzinfo=tz), output_field=DurationField()
    )
    queryset = PrivacyRequest.objects.filter(received_at__gte=start, received_at__lt=end)
    if regime:
        queryset = queryset.filter(regime=regime)
    return (
        queryset.annotate(days=days)
        .values(by, "status", "outcome", "denial_reason", "days")
        .annotate(n=Count("pk"))
        .order_by()
    )


def metrics_for_year(year: int, regime: str | None = None) -> list[KindMetrics]:
    """One row per kind (every kind, zeros included), in the order of Kind; only one regime's requests
    when `regime` is given."""
    table = {k: KindMetrics(kind=k, label=label) for k, label in Kind.choices}
    for g in _groups(year, "kind", regime):
        _add(table.setdefault(g["kind"], KindMetrics(kind=g["kind"], label=g["kind"])), g)
    return list(table.values())


def metrics_by_regime(year: int) -> list[KindMetrics]:
    """One row per regime (requests_app.regimes) with requests that year, all kinds together, in the
    order of Regime; `kind` holds the regime code."""
    table = {code: KindMetrics(kind=code, label=label) for code, label in Regime.choices}
    for g in _groups(year, "regime"):
        _add(table.setdefault(g["regime"], KindMetrics(kind=g["regime"], label=g["regime"])), g)
    return [m for m in table.values() if m.received]


def metrics_total(rows: list[KindMetrics]) -> KindMetrics:
    total = KindMetrics(kind="all", label="All requests")
    for m in rows:
        total.received += m.received
        total.complied += m.complied
        total.denied += m.denied
        total.denied_by_reason.update(m.denied_by_reason)
        total.days.update(m.days)
    return total


def metrics_years() -> list[int]:
    tz = ZoneInfo(settings.TIME_ZONE)
    first = PrivacyRequest.objects.order_by("received_at").values_list("received_at", flat=True).first()
    last = PrivacyRequest.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    if first is None:
        return []
    return list(range(first.astimezone(tz).year, last.astimezone(tz).year + 1))


def metrics_csv_rows(year: int, regime: str | None = None):
    reasons = [code for code, _label in REASON_COLUMNS]
    yield [
        "year",
        "kind",
        "received",
        "complied_in_whole_or_part",
        "denied",
        *[f"denied_{r}" for r in reasons],
        "median_days_to_respond",
        "mean_days_to_respond",
    ]
    rows = metrics_for_year(year, regime)
    for m in [*rows, metrics_total(rows)]:
        yield [
            year,
            m.kind,
            m.received,
            m.complied,
            m.denied,
            *[m.denied_by_reason.get(r, 0) for r in reasons],
            "" if m.median_days is None else m.median_days,
            "" if m.mean_days is None else m.mean_days,
        ]


LOG_HEADER = [
    "reference",
    "received_date",
    "kind",
    "channel",
    "status",
    "response_date",
    "response_nature",
    "denial_basis",
    "extended_to",
]


def request_log_rows(*, start: datetime, end: datetime):
    """The §7101 log: no personal data in it, and used for nothing but record keeping and metrics."""
    tz = ZoneInfo(settings.TIME_ZONE)
    yield LOG_HEADER
    rows = (
        PrivacyRequest.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(channel=F("submission__channel"))
        .values_list(
            "reference",
            "received_at",
            "kind",
            "channel",
            "status",
            "closed_at",
            "outcome",
            "denial_reason",
            "extended_due_at",
        )
        .order_by("received_at", "pk")
    )
    for ref, received, kind, channel, status, closed, outcome, reason, extended in rows.iterator(
        chunk_size=2000
    ):
        yield [
            ref,
            received.astimezone(tz).date().isoformat(),
            kind,
            channel,
            status,
            closed.astimezone(tz).date().isoformat() if closed else "",
            outcome or ("complied" if status == Status.COMPLETED else ""),
            reason,
            extended.isoformat() if extended else "",
        ]


def year_of(moment: datetime) -> int:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).year
