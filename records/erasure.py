"""The erasure plan: for each system holding a consumer's data, delete, de-identify or retain with a reason.

CCPA §1798.105(d) and policy §7 allow keeping what is needed to collect fees owed, resolve disputes,
meet a legal obligation or protect security. The plan comes from the data map (System.erasure and its
retention statement) and from staff-set RetentionHolds for this consumer; it holds no personal data, so
it can be stored with the request and shown to the consumer.
"""

from dataclasses import asdict, dataclass

from django.conf import settings

from .models import Consumer, DataPoint, RetentionHold, System

DELETE = System.Erasure.DELETE
DEIDENTIFY = System.Erasure.DEIDENTIFY
RETAIN = System.Erasure.RETAIN

# Why a system the data map marks "retain" is kept; the words shown are the system's retention text.
SYSTEM_RETAIN_REASONS = {
    "building_access": RetentionHold.Reason.SECURITY,
    "payments": RetentionHold.Reason.LEGAL_OBLIGATION,
}
# Systems whose rows are kept only for a number of days (setting), the older ones being deleted now.
TIME_LIMITED_SYSTEMS = {"building_access": "SECURITY_LOG_RETENTION_DAYS"}


@dataclass(frozen=True)
class PlanEntry:
    system_id: int
    system_code: str
    system_name: str
    action: str  # delete | deidentify | retain
    reason: str = ""  # a RetentionHold.Reason code when retained
    explanation: str = ""  # in words a consumer understands
    retain_days: int | None = None  # retain only rows younger than this; delete the older ones


@dataclass(frozen=True)
class ErasurePlan:
    consumer_id: int | None
    entries: tuple[PlanEntry, ...]

    def as_json(self) -> list[dict]:
        return [asdict(entry) for entry in self.entries]

    @property
    def erased_systems(self) -> list[int]:
        """Systems from which something is deleted or de-identified (their recipients are notified)."""
        return [e.system_id for e in self.entries if e.action != RETAIN or e.retain_days is not None]


def erasure_plan_build(*, consumer: Consumer | None) -> ErasurePlan:
    if consumer is None:
        return ErasurePlan(consumer_id=None, entries=())
    system_ids = set(
        DataPoint.objects.filter(consumer=consumer, redacted_at__isnull=True)
        .values_list("system_id", flat=True)
        .distinct()
    )
    holds = list(RetentionHold.objects.filter(consumer=consumer, released_at__isnull=True))
    systems = System.objects.filter(pk__in=system_ids).order_by("position")
    return ErasurePlan(consumer_id=consumer.pk, entries=tuple(_plan_entry(s, holds) for s in systems))


def erasure_plan_for_systems(*, consumer: Consumer | None, system_codes: list[str]) -> ErasurePlan:
    """The plan for systems outside the portal's tables (records.connectors.registry): the same rules,
    for systems named by code, whether or not the portal holds a copy. With no consumer on record
    (someone found only in an external system) there can be no RetentionHold."""
    holds = (
        list(RetentionHold.objects.filter(consumer=consumer, released_at__isnull=True)) if consumer else []
    )
    systems = System.objects.filter(code__in=system_codes).order_by("position")
    return ErasurePlan(
        consumer_id=consumer.pk if consumer else None,
        entries=tuple(_plan_entry(s, holds) for s in systems),
    )


def _plan_entry(system: System, holds: list[RetentionHold]) -> PlanEntry:
    """A staff hold wins; then the data map's own rule for the system."""
    hold = next((h for h in holds if h.system_id in (None, system.pk)), None)
    base = {"system_id": system.pk, "system_code": system.code, "system_name": system.name}
    if hold is not None:
        reason = RetentionHold.Reason(hold.reason)
        return PlanEntry(**base, action=RETAIN, reason=reason.value, explanation=str(reason.label))
    if system.erasure == RETAIN:
        days_setting = TIME_LIMITED_SYSTEMS.get(system.code)
        return PlanEntry(
            **base,
            action=RETAIN,
            reason=SYSTEM_RETAIN_REASONS.get(system.code, RetentionHold.Reason.LEGAL_OBLIGATION).value,
            explanation=system.retention,
            retain_days=getattr(settings, days_setting) if days_setting else None,
        )
    return PlanEntry(**base, action=system.erasure)
