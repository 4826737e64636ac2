"""Connectors: the only way fulfilment reaches a consumer's records (DESIGN §2).

A connector implements `export(consumer)`, `erase(consumer, plan)` and `correct(consumer, changes)`.
The built-in connector works on the portal's own tables; external systems (another SQL database, a
service provider's webhook) plug in the same way. Results carry no personal data, except export's,
whose whole point is to hand the data over. Erase and correct work in bulk statements inside one
transaction.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone

from .erasure import DEIDENTIFY, DELETE, RETAIN, ErasurePlan
from .models import Consumer, ConsumerStatement, DataPoint

# The consumer's identifiers (Consumer's own fields) belong to this system: they go when it goes.
IDENTITY_SYSTEM = "member_accounts"
IDENTITY_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "name_normalized",
    "street",
    "street_normalized",
    "city",
    "state",
    "zip5",
    "date_of_birth",
)
CORRECTABLE_CONSUMER_FIELDS = frozenset({*IDENTITY_FIELDS, "member_number"})


class ConnectorError(Exception):
    """A connector could not reach its records; the caller retries later. Carries no personal data."""


@dataclass(frozen=True, slots=True)
class ExportedPoint:
    """One data point as a connector hands it over: names from the data map, and the value."""

    system_code: str
    type_code: str
    source_code: str
    value: str
    collected_at: datetime


@dataclass(frozen=True)
class SystemOutcome:
    system_code: str
    system_name: str
    action: str
    reason: str
    explanation: str
    deleted: int = 0
    deidentified: int = 0
    retained: int = 0


@dataclass(frozen=True)
class EraseResult:
    systems: tuple[SystemOutcome, ...]
    identifiers_erased: bool
    statements_deleted: int = 0

    @property
    def totals(self) -> dict[str, int]:
        return {
            "deleted": sum(s.deleted for s in self.systems) + self.statements_deleted,
            "deidentified": sum(s.deidentified for s in self.systems),
            "retained": sum(s.retained for s in self.systems),
        }


@dataclass(frozen=True)
class PointChange:
    data_point_id: int
    value: str


@dataclass(frozen=True)
class CorrectionChanges:
    """Corrected data-point values, and the Consumer fields they imply (already normalised by the caller)."""

    points: tuple[PointChange, ...] = ()
    consumer_fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CorrectResult:
    points_updated: int
    consumer_fields: tuple[str, ...]


class BuiltinConnector:
    """The portal's own tables: Consumer and DataPoint."""

    name = "builtin"
    EXPORT_CHUNK = 2000

    def export(self, consumer: Consumer) -> Iterator[ExportedPoint]:
        """Stream the consumer's live (not redacted) data points, ordered by system, then collection time."""
        rows = (
            DataPoint.objects.filter(consumer=consumer, redacted_at__isnull=True)
            .order_by("system__position", "system_id", "collected_at", "pk")
            .values_list("system__code", "point_type__code", "source__code", "value", "collected_at")
        )
        try:
            for row in rows.iterator(chunk_size=self.EXPORT_CHUNK):
                yield ExportedPoint(*row)
        except DatabaseError as exc:
            raise ConnectorError(f"{self.name} connector: records unavailable") from exc

    def erase(self, consumer: Consumer | None, plan: ErasurePlan) -> EraseResult:
        """Carry out the plan in a handful of bulk statements; audit events are not touched."""
        if consumer is None:
            return EraseResult(systems=(), identifiers_erased=False)
        now = timezone.now()
        live = DataPoint.objects.filter(consumer=consumer, redacted_at__isnull=True)
        with transaction.atomic():
            counts = dict(live.values_list("system_id").annotate(n=Count("pk")).order_by())
            by_action: dict[str, list[int]] = {DELETE: [], DEIDENTIFY: []}
            for entry in plan.entries:
                if entry.action in by_action:
                    by_action[entry.action].append(entry.system_id)
            if by_action[DELETE]:
                DataPoint.objects.filter(consumer=consumer, system_id__in=by_action[DELETE]).delete()
            if by_action[DEIDENTIFY]:
                # Rows stay (aggregate figures keep their integrity); the value and the link to a person go.
                live.filter(system_id__in=by_action[DEIDENTIFY]).update(value="", redacted_at=now)
            outcomes = []
            for entry in plan.entries:
                held = counts.get(entry.system_id, 0)
                base = {
                    "system_code": entry.system_code,
                    "system_name": entry.system_name,
                    "action": entry.action,
                    "reason": entry.reason,
                    "explanation": entry.explanation,
                }
                if entry.action == DELETE:
                    outcomes.append(SystemOutcome(**base, deleted=held))
                elif entry.action == DEIDENTIFY:
                    outcomes.append(SystemOutcome(**base, deidentified=held))
                else:
                    expired = 0
                    if entry.retain_days is not None:
                        cutoff = now - timedelta(days=entry.retain_days)
                        expired, _ = live.filter(system_id=entry.system_id, collected_at__lt=cutoff).delete()
                    outcomes.append(SystemOutcome(**base, deleted=expired, retained=held - expired))
            statements, _ = ConsumerStatement.objects.filter(consumer=consumer).delete()
            identity_kept = any(e.system_code == IDENTITY_SYSTEM and e.action == RETAIN for e in plan.entries)
            anything_retained = any(o.retained for o in outcomes)
            fields: dict[str, Any] = {
                "erased_at": now,
                # The sale and marketing selectors leave erased consumers out (erased_at): the
                # rights flags themselves stay untouched here (CCPA §1798.125, tests/test_non_discrimination).
                "account_active": False,
            }
            if not identity_kept:
                fields.update({name: "" for name in IDENTITY_FIELDS if name != "date_of_birth"})
                fields["date_of_birth"] = None
                if not anything_retained:
                    fields["member_number"] = None  # nothing left to link it to
            Consumer.objects.filter(pk=consumer.pk).update(**fields)
        return EraseResult(
            systems=tuple(outcomes), identifiers_erased=not identity_kept, statements_deleted=statements
        )

    def correct(self, consumer: Consumer, changes: CorrectionChanges) -> CorrectResult:
        """Apply corrected values to the consumer's own data points and identifier fields."""
        unknown = set(changes.consumer_fields) - CORRECTABLE_CONSUMER_FIELDS
        if unknown:
            raise ValueError(f"cannot correct consumer fields {sorted(unknown)}")
        with transaction.atomic():
            points = {
                p.pk: p
                for p in DataPoint.objects.select_for_update().filter(
                    consumer=consumer,
                    pk__in=[c.data_point_id for c in changes.points],
                    redacted_at__isnull=True,
                )
            }
            if len(points) != len(changes.points):
                raise ValueError("a corrected data point is not this consumer's, or no longer held")
            for change in changes.points:
                points[change.data_point_id].value = change.value
            DataPoint.objects.bulk_update(points.values(), ["value"])
            if changes.consumer_fields:
                Consumer.objects.filter(pk=consumer.pk).update(**changes.consumer_fields)
        return CorrectResult(
            points_updated=len(points), consumer_fields=tuple(sorted(changes.consumer_fields))
        )


def connectors_for(consumer: Consumer) -> list[BuiltinConnector]:
    """The connectors holding records for a consumer; only the built-in one so far."""
    return [BuiltinConnector()]
