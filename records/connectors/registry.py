"""The connectors of the data map, built from configuration, and the calls fulfilment makes across them.

Each System names its connector kind and, for sql and http, a dataset file (records.models.System).
Files are loaded and validated once per change (path and modification time), against the data map's
data-point types and sources in the database, so a bad file fails at load and in `connector_check`, not
mid-request. The functions at the bottom take a consumer's identity (the dict fulfilment holds) and
return, per system, handles, exported points, and erase / correct outcomes, running systems in parallel
threads: external systems wait on the network, not on the CPU.
"""

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections

from ..erasure import ErasurePlan
from ..models import DataPointType, Source, System
from .base import ConnectorError, CorrectionChanges, CorrectResult, EraseResult, ExportedPoint, Identity
from .datasets import Dataset, DatasetError, HttpConfig, SqlDataset, load_dataset
from .http import HttpConnector
from .manual import ManualConnector
from .sql import SqlConnector

ExternalConnector = SqlConnector | HttpConnector | ManualConnector
T = TypeVar("T")
MAX_THREADS = 8

_cache: dict[tuple[str, str, float], Dataset] = {}
_cache_lock = threading.Lock()


def dataset_file(system: System) -> Path:
    """The system's file: absolute, or relative to the project directory (where records/datasets/ is)."""
    path = Path(system.dataset_path)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def system_dataset(system: System) -> Dataset:
    """Load (or reuse) and validate the system's dataset file; DatasetError names file, line and field."""
    if system.connector not in (System.Connector.SQL, System.Connector.HTTP):
        raise ValueError(f"system {system.code} has no dataset file (connector {system.connector})")
    if not system.dataset_path:
        raise DatasetError([f"system {system.code}: connector {system.connector} needs a dataset file"])
    path = dataset_file(system)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        raise DatasetError([f"{path}: the dataset file of system {system.code} does not exist"]) from None
    key = (system.code, str(path), stamp)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    dataset = load_dataset(
        path,
        system=system.code,
        point_types=set(DataPointType.objects.values_list("code", flat=True)),
        sources=set(Source.objects.values_list("code", flat=True)),
    )
    expected = SqlDataset if system.connector == System.Connector.SQL else HttpConfig
    if not isinstance(dataset, expected):
        raise DatasetError(
            [f"{path}: says kind {dataset.kind} but system {system.code} is {system.connector}"]
        )
    with _cache_lock:
        _cache[key] = dataset
    return dataset


def system_connector(system: System) -> ExternalConnector:
    """The connector of one external (non-built-in) system."""
    if system.connector == System.Connector.MANUAL:
        return ManualConnector(system.code, system_name=system.name)
    dataset = system_dataset(system)
    if isinstance(dataset, SqlDataset):
        return SqlConnector(dataset, system_name=system.name)
    return HttpConnector(dataset, system_name=system.name)


def external_systems(codes: Iterable[str] | None = None) -> list[System]:
    systems = System.objects.exclude(connector=System.Connector.BUILTIN).order_by("position")
    return list(systems.filter(code__in=list(codes)) if codes is not None else systems)


def external_connectors(codes: Iterable[str] | None = None) -> list[ExternalConnector]:
    """The configured external connectors, in data-map order (the built-in one is `connectors_for`)."""
    return [system_connector(system) for system in external_systems(codes)]


# ---------------------------------------------------------------- across systems


@dataclass(frozen=True)
class Located:
    """What one system holds for a person: handles (keys only), or the error that stopped it."""

    system_code: str
    connector: Any
    handles: tuple = ()
    error: str = ""

    @property
    def found(self) -> bool:
        return bool(self.handles)


@dataclass(frozen=True)
class SystemRun:
    """One system's answer to export / erase / correct: its value, or an error without personal data."""

    system_code: str
    value: Any = None
    error: str = ""
    points: list[ExportedPoint] = field(default_factory=list)


def _in_parallel(items: list[T], work: Callable[[T], Any], parallel: bool) -> list[Any]:
    if not parallel or len(items) < 2:
        return [work(item) for item in items]

    def in_thread(item: T) -> Any:
        try:
            return work(item)
        finally:
            connections.close_all()  # a connector using the ORM (built-in) opened this thread's own

    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(items)), thread_name_prefix="connector") as pool:
        return list(pool.map(in_thread, items))


def records_locate(
    *,
    identity: Identity | Mapping[str, str | None],
    connectors: list[Any] | None = None,
    parallel: bool = True,
) -> list[Located]:
    """Locate a person in every external system (or the connectors given), one Located per system."""
    identity = Identity.of(identity)
    connectors = external_connectors() if connectors is None else connectors

    def locate(connector: Any) -> Located:
        try:
            return Located(connector.system_code, connector, tuple(connector.locate(identity)))
        except ConnectorError as exc:
            return Located(connector.system_code, connector, error=str(exc))

    return _in_parallel(connectors, locate, parallel)


def records_export(*, located: list[Located], parallel: bool = True) -> list[SystemRun]:
    """Each system's data points for the located handles, as ExportedPoint (DESIGN §6 groups by system)."""

    def export(item: Located) -> SystemRun:
        if item.error:
            return SystemRun(item.system_code, error=item.error)
        try:
            return SystemRun(item.system_code, points=list(item.connector.export(list(item.handles))))
        except ConnectorError as exc:
            return SystemRun(item.system_code, error=str(exc))

    return _in_parallel(located, export, parallel)


def records_erase(*, located: list[Located], plan: ErasurePlan, parallel: bool = True) -> list[SystemRun]:
    """Erase in each system by the plan (records.erasure.erasure_plan_for_systems); value: EraseResult."""

    def erase(item: Located) -> SystemRun:
        if item.error:
            return SystemRun(item.system_code, error=item.error)
        try:
            result: EraseResult = item.connector.erase(list(item.handles), plan)
            return SystemRun(item.system_code, value=result)
        except ConnectorError as exc:
            return SystemRun(item.system_code, error=str(exc))

    return _in_parallel(located, erase, parallel)


def records_correct(
    *, located: list[Located], changes: CorrectionChanges, parallel: bool = True
) -> list[SystemRun]:
    """Write corrected values (CorrectionChanges.point_types) in each system; value: CorrectResult."""

    def correct(item: Located) -> SystemRun:
        if item.error:
            return SystemRun(item.system_code, error=item.error)
        try:
            result: CorrectResult = item.connector.correct(list(item.handles), changes)
            return SystemRun(item.system_code, value=result)
        except ConnectorError as exc:
            return SystemRun(item.system_code, error=str(exc))

    return _in_parallel(located, correct, parallel)
