"""Connectors: the only way fulfilment reaches a consumer's records (DESIGN §2).

A connector implements `locate(identity)`, `export(consumer)`, `erase(consumer, plan)` and
`correct(consumer, changes)`. The built-in connector reads the portal's own tables; external systems
(another SQL database, a service provider's webhook) plug in the same way.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError

from .models import Consumer, DataPoint


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


class BuiltinConnector:
    """The portal's own `records` tables."""

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


def connectors_for(consumer: Consumer) -> list[BuiltinConnector]:
    """The connectors holding records for a consumer; only the built-in one so far."""
    return [BuiltinConnector()]
