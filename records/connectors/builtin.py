"""The built-in connector: the portal's own tables (Consumer, DataPoint), spanning every data-map system
whose copy the portal holds.

Its handle is the Consumer itself, so fulfilment keeps calling `export(consumer)`, `erase(consumer, plan)`
and `correct(consumer, changes)` as before; `locate(identity)` finds consumers through the indexed exact
keys only. Erase and correct work in bulk statements inside one transaction.
"""

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from ..erasure import DEIDENTIFY, DELETE, RETAIN, ErasurePlan
from ..models import Consumer, ConsumerStatement, DataPoint
from .base import (
    ConnectorError,
    CorrectionChanges,
    CorrectResult,
    EraseResult,
    ExportedPoint,
    Health,
    Identity,
    SystemOutcome,
)

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


class BuiltinConnector:
    """The portal's own tables: Consumer and DataPoint."""

    name = "builtin"
    kind = "builtin"
    system_code = "builtin"
    EXPORT_CHUNK = 2000

    def locate(self, identity: Identity | dict) -> list[Consumer]:
        """Consumers on record under any of the identity's exact keys (indexed lookups, erased ones left out)."""
        found = Identity.of(identity)
        match = Q()
        for kind, value in found.items():
            match |= Q(**{kind: value})
        if not match:
            return []
        try:
            return list(Consumer.objects.filter(match, erased_at__isnull=True).order_by("pk"))
        except DatabaseError as exc:
            raise ConnectorError(f"{self.name} connector: records unavailable") from exc

    def check(self) -> Health:
        """The portal's own database answers (the tables themselves are the migrations' business)."""
        try:
            Consumer.objects.exists()
        except DatabaseError:
            return Health(system_code=self.system_code, kind=self.kind, reachable=False)
        return Health(system_code=self.system_code, kind=self.kind, reachable=True)

    def export(self, consumer: Consumer | Sequence[Consumer]) -> Iterator[ExportedPoint]:
        """Stream the consumer's live (not redacted) data points, ordered by system, then collection time."""
        consumer = _the_consumer(consumer)
        if consumer is None:
            return
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

    def erase(self, consumer: Consumer | Sequence[Consumer] | None, plan: ErasurePlan) -> EraseResult:
        """Carry out the plan in a handful of bulk statements; audit events are not touched."""
        consumer = _the_consumer(consumer)
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

    def correct(self, consumer: Consumer | Sequence[Consumer], changes: CorrectionChanges) -> CorrectResult:
        """Apply corrected values to the consumer's own data points and identifier fields."""
        consumer = _the_consumer(consumer)
        if consumer is None:
            return CorrectResult(points_updated=0, consumer_fields=())
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


def _the_consumer(handle: Consumer | Sequence[Consumer] | None) -> Consumer | None:
    """Fulfilment passes the matched consumer; the protocol passes locate()'s list. Two consumers for
    one identity are for verification to tell apart (DESIGN §5), never for a connector to merge."""
    if handle is None or isinstance(handle, Consumer):
        return handle
    handles = list(handle)
    if len(handles) > 1:
        raise ValueError("the built-in connector acts on one matched consumer at a time")
    return handles[0] if handles else None


def connectors_for(consumer: Consumer) -> list[BuiltinConnector]:
    """The connectors holding the portal's copy of a consumer's records: the built-in one, first and alone.

    External systems are reached through `records.connectors.registry` (located from an identity)."""
    return [BuiltinConnector()]
