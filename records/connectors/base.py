"""The connector protocol and the results every connector returns (DESIGN §2).

A connector reaches one place where the business holds personal data. Fulfilment asks it, in this order:
`locate(identity) -> handles` (which records are this person's), `export(handles) -> data points`,
`erase(handles, plan) -> EraseResult`, `correct(handles, changes) -> CorrectResult`; operators ask
`check() -> Health`. Handles are opaque to the caller and hold keys only (a primary key, a vendor's
record id), never the identity values that found them. Results carry no personal data, except export's,
whose whole point is to hand the data over; errors never do.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from ..erasure import ErasurePlan

# The identifiers a connector may look a person up by: the indexed exact keys of DESIGN §5.
IDENTITY_KINDS = ("email", "phone", "member_number")


class ConnectorError(Exception):
    """A connector could not reach its records; the caller retries later. Carries no personal data."""


@dataclass(frozen=True)
class Identity:
    """Who to look for, already normalised by the caller (verification.normalize): exact keys only."""

    email: str = ""
    phone: str = ""
    member_number: str = ""

    @classmethod
    def of(cls, value: "Identity | Mapping[str, str | None]") -> "Identity":
        """Accept the plain dict fulfilment holds ({"email": ..., "phone": ...}); unknown keys are refused."""
        if isinstance(value, Identity):
            return value
        unknown = set(value) - set(IDENTITY_KINDS)
        if unknown:
            raise ValueError(f"unknown identity kinds {sorted(unknown)}; use {', '.join(IDENTITY_KINDS)}")
        return cls(**{kind: (value.get(kind) or "").strip() for kind in IDENTITY_KINDS})

    def items(self) -> list[tuple[str, str]]:
        """The identity kinds that have a value, in a fixed order."""
        return [(kind, getattr(self, kind)) for kind in IDENTITY_KINDS if getattr(self, kind)]

    def __repr__(self) -> str:  # never print the values (logs, tracebacks)
        return f"Identity(kinds={[kind for kind, _ in self.items()]})"


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
    """Corrected values. The built-in connector takes `points` (its DataPoint ids) and `consumer_fields`
    (already normalised by the caller); external connectors take `point_types`, the new value per
    data-point type code, and write it to every field of the person's records mapped to that type."""

    points: tuple[PointChange, ...] = ()
    consumer_fields: dict[str, Any] = field(default_factory=dict)
    point_types: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CorrectResult:
    points_updated: int
    consumer_fields: tuple[str, ...]


@dataclass(frozen=True)
class Health:
    """What `check()` found; problems and warnings name tables, columns and endpoints, never values."""

    system_code: str
    kind: str
    reachable: bool
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reachable and not self.problems


@runtime_checkable
class Connector(Protocol):
    """What every connector offers; `Handle` is whatever the connector's `locate` returns."""

    kind: str
    system_code: str

    def locate(self, identity: Identity) -> Sequence[Any]: ...

    def export(self, handles: Sequence[Any]) -> Iterator[ExportedPoint]: ...

    def erase(self, handles: Sequence[Any], plan: ErasurePlan) -> EraseResult: ...

    def correct(self, handles: Sequence[Any], changes: CorrectionChanges) -> CorrectResult: ...

    def check(self) -> Health: ...
