"""Reads of the external systems' runs: the points for the report, the runs for the staff page."""

import json
from collections.abc import Iterator
from datetime import datetime

from records.connectors import ExportedPoint
from records.vault import vault_get
from requests_app.models import PrivacyRequest, SystemRun


def run_points(content: bytes) -> list[ExportedPoint]:
    """The points of a run's vault file (written by requests_app.systems.services)."""
    return [
        ExportedPoint(
            system_code=p["system_code"],
            type_code=p["type_code"],
            source_code=p["source_code"],
            value=p["value"],
            collected_at=datetime.fromisoformat(p["collected_at"]),
        )
        for p in json.loads(content)
    ]


def system_run_points(*, request: PrivacyRequest) -> Iterator[ExportedPoint]:
    """The points the external systems exported for an access request, decrypted, in data-map order."""
    runs = (
        SystemRun.objects.filter(request=request, step=SystemRun.Step.EXPORT, state=SystemRun.State.DONE)
        .exclude(points_name="")
        .order_by("system__position", "system_id")
        .values_list("points_name", "points_sha256")
    )
    for name, sha256 in runs:
        yield from run_points(vault_get(name, sha256=sha256))


def request_system_runs(*, request: PrivacyRequest) -> list[SystemRun]:
    return list(
        SystemRun.objects.filter(request=request)
        .select_related("system", "skipped_by", "owner_task")
        .defer("identity_sealed")
        .order_by("step", "system__position", "pk")
    )
