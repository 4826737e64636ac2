"""The manual connector: a system with no API (the building-access vendor, paper files).

Its owner answers for it. Owner tasks (the e-mailed expiring link to System.owner_email, the upload
validated against the data map, reminders) belong to fulfilment (requests_app/systems/): this connector
only says that the system needs its owner: it locates nothing by itself and cannot erase or correct.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from ..erasure import ErasurePlan
from .base import (
    ConnectorError,
    CorrectionChanges,
    CorrectResult,
    EraseResult,
    ExportedPoint,
    Health,
    Identity,
)


class ManualConnector:
    kind = "manual"
    needs_owner = True

    def __init__(self, system_code: str, *, system_name: str = "") -> None:
        self.system_code = system_code
        self.system_name = system_name or system_code

    def __repr__(self) -> str:
        return f"ManualConnector({self.system_code})"

    def locate(self, identity: Identity | dict) -> list[Any]:
        Identity.of(identity)  # the same refusal of unknown kinds as every connector
        return []

    def export(self, handles: Sequence[Any]) -> Iterator[ExportedPoint]:
        return iter(())

    def erase(self, handles: Sequence[Any], plan: ErasurePlan) -> EraseResult:
        raise ConnectorError(f"{self.system_code}: a manual system is erased by its owner")

    def correct(self, handles: Sequence[Any], changes: CorrectionChanges) -> CorrectResult:
        raise ConnectorError(f"{self.system_code}: a manual system is corrected by its owner")

    def check(self) -> Health:
        return Health(self.system_code, self.kind, True, warnings=("answered by the system's owner",))
