"""The SQL connector: a business database (PostgreSQL, MySQL/MariaDB, SQLite) described by a dataset file.

Everything goes through SQLAlchemy Core with bound parameters; table and column names come only from the
validated file (and are quoted by SQLAlchemy). A person is found through the identity columns, which must
be indexed, then the rest of their rows by following the file's references both ways, by key. Erasure of
one person happens in one transaction per database. Engines hide bound parameters from their error
messages, so an identity value never reaches a log through an exception.
"""

import threading
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from django.utils import timezone
from sqlalchemy.engine import Connection, Engine

from ..erasure import RETAIN, ErasurePlan
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
from .datasets import SqlDataset, TableSpec

CHUNK = 1000  # keys per IN (...) list: bounded statements whatever a person holds
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """One pooled engine per database URL, shared by threads; drivers picked for plain URL schemes."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = sa.create_engine(driver_url(url), hide_parameters=True, pool_pre_ping=True)
            _engines[url] = engine
        return engine


def driver_url(url: str) -> str:
    """Plain URL schemes (postgres://, mysql://) get the installed drivers (psycopg2, PyMySQL)."""
    for plain, driver in (
        ("postgres://", "postgresql+psycopg2://"),
        ("postgresql://", "postgresql+psycopg2://"),
        ("mysql://", "mysql+pymysql://"),
        ("mariadb://", "mariadb+pymysql://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


@dataclass(frozen=True)
class SqlHandle:
    """A row of an identity table found for the person: its table and primary key, nothing else."""

    system_code: str
    table: str
    key: Any


class SqlConnector:
    kind = "sql"

    def __init__(self, dataset: SqlDataset, *, system_name: str = "") -> None:
        self.dataset = dataset
        self.system_code = dataset.system
        self.system_name = system_name or dataset.system
        self._tables = {name: self._table(spec) for name, spec in dataset.tables.items()}

    def __repr__(self) -> str:
        return f"SqlConnector({self.system_code})"

    # ------------------------------------------------------------ plumbing

    def _table(self, spec: TableSpec) -> sa.TableClause:
        names = {spec.primary_key, *spec.identity.values(), *(f.name for f in spec.fields)}
        names |= {ref.column for ref in spec.references}
        names |= {ref.target_column for ref in self.dataset.references if ref.target == spec.name}
        if spec.collected_at:
            names.add(spec.collected_at)
        return sa.table(spec.name, *(sa.column(name) for name in sorted(names)), schema=self.dataset.schema)

    def _connect(self, *, write: bool = False):
        try:
            engine = engine_for(self.dataset.url())
            return engine.begin() if write else engine.connect()
        except (sa.exc.SQLAlchemyError, KeyError) as exc:
            raise ConnectorError(f"{self.system_code}: database unreachable ({type(exc).__name__})") from None

    def _fail(self, exc: Exception, doing: str) -> ConnectorError:
        return ConnectorError(f"{self.system_code}: {doing} failed ({type(exc).__name__})")

    def _keys(self, conn: Connection, table: str, column: str, values: Iterable[Any]) -> set[Any]:
        """Primary keys of the rows whose `column` is one of `values` (chunked, bound)."""
        spec, tbl = self.dataset.tables[table], self._tables[table]
        found: set[Any] = set()
        values = [v for v in set(values) if v is not None]
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            rows = conn.execute(sa.select(tbl.c[spec.primary_key]).where(tbl.c[column].in_(chunk)))
            found.update(row[0] for row in rows)
        return found

    def _values(self, conn: Connection, table: str, column: str, keys: Iterable[Any]) -> set[Any]:
        """The values of `column` in the rows with these primary keys."""
        spec, tbl = self.dataset.tables[table], self._tables[table]
        keys = list(keys)
        found: set[Any] = set()
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            rows = conn.execute(sa.select(tbl.c[column]).where(tbl.c[spec.primary_key].in_(chunk)))
            found.update(row[0] for row in rows if row[0] is not None)
        return found

    def _collect(self, conn: Connection, handles: Sequence[SqlHandle]) -> dict[str, set[Any]]:
        """Every row of the person, by table: from the located rows, follow references both ways."""
        found: dict[str, set[Any]] = defaultdict(set)
        queue: deque[tuple[str, set[Any]]] = deque()
        for handle in handles:
            if handle.system_code != self.system_code or handle.table not in self.dataset.tables:
                raise ValueError("a handle from another system was passed to this connector")
            found[handle.table].add(handle.key)
        queue.extend((table, set(keys)) for table, keys in found.items())
        while queue:
            table, keys = queue.popleft()
            for ref in self.dataset.references:
                hops = []
                if ref.target == table:  # rows of ref.table pointing at these rows
                    values = self._values(conn, table, ref.target_column, keys)
                    hops.append((ref.table, self._keys(conn, ref.table, ref.column, values)))
                if ref.table == table:  # the rows these rows point at
                    values = self._values(conn, table, ref.column, keys)
                    hops.append((ref.target, self._keys(conn, ref.target, ref.target_column, values)))
                for other, other_keys in hops:
                    new = other_keys - found[other]
                    if new:
                        found[other] |= new
                        queue.append((other, new))
        return {table: keys for table, keys in found.items() if keys}

    def _rows(self, conn: Connection, table: str, keys: Iterable[Any], columns: list[str]) -> Iterator[Any]:
        spec, tbl = self.dataset.tables[table], self._tables[table]
        keys = sorted(keys, key=repr)
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            query = sa.select(*(tbl.c[c] for c in columns)).where(tbl.c[spec.primary_key].in_(chunk))
            yield from conn.execute(query.order_by(tbl.c[spec.primary_key]))

    # ------------------------------------------------------------ the protocol

    def locate(self, identity: Identity | dict) -> list[SqlHandle]:
        """Rows of the identity tables whose identity column equals a given value (one indexed query each)."""
        identity = Identity.of(identity)
        handles: list[SqlHandle] = []
        try:
            with self._connect() as conn:
                for name, spec in self.dataset.tables.items():
                    keys: set[Any] = set()
                    for kind, value in identity.items():
                        if kind in spec.identity:
                            keys |= self._keys(conn, name, spec.identity[kind], [value])
                    handles.extend(SqlHandle(self.system_code, name, key) for key in sorted(keys, key=repr))
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail(exc, "locate") from exc
        return handles

    def export(self, handles: Sequence[SqlHandle]) -> Iterator[ExportedPoint]:
        """The person's values, table by table, one point per non-empty mapped field."""
        if not handles:
            return
        now = timezone.now()
        try:
            with self._connect() as conn:
                found = self._collect(conn, handles)
                for table in (t for t in self.dataset.tables if t in found):  # the file's order
                    spec, keys = self.dataset.tables[table], found[table]
                    columns = [f.name for f in spec.fields] + (
                        [spec.collected_at] if spec.collected_at else []
                    )
                    for row in self._rows(conn, table, keys, columns):
                        collected = _aware(row[-1]) if spec.collected_at else None
                        for f, value in zip(spec.fields, row, strict=False):
                            if value is None or value == "":
                                continue
                            yield ExportedPoint(
                                self.system_code,
                                f.type_code,
                                self.dataset.source,
                                _text(value),
                                collected or now,
                            )
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail(exc, "export") from exc

    def erase(self, handles: Sequence[SqlHandle], plan: ErasurePlan) -> EraseResult:
        """Apply each field's erasure action to the person's rows, all in one transaction.

        The system's plan entry decides first: retained as a whole (a hold, the data map), nothing changes.
        Counts are rows: deleted, de-identified (some field nulled or masked) and retained (some field
        kept, with its reason); a row de-identified with one field kept counts in both.
        Updates run before deletes, and deletes run from referencing tables to referenced ones, so foreign
        keys never block the transaction."""
        entry = _entry_for(plan, self.system_code)
        if not handles:
            return EraseResult(systems=(self._outcome(entry),), identifiers_erased=False)
        counts = {"deleted": 0, "deidentified": 0, "retained": 0}
        reason, explanation = entry.reason, entry.explanation
        try:
            with self._connect(write=True) as conn:
                found = self._collect(conn, handles)
                if entry.action == RETAIN:
                    counts["retained"] = sum(len(keys) for keys in found.values())
                else:
                    for table in self._delete_order(found):
                        spec, keys = self.dataset.tables[table], found[table]
                        kept = [f for f in spec.fields if f.erase == "retain"]
                        if spec.deletes_rows:
                            counts["deleted"] += self._delete(conn, table, keys)
                        elif self._update(conn, table, keys, _erased_values(spec)):
                            counts["deidentified"] += len(keys)
                        if kept:
                            counts["retained"] += len(keys)
                            reason = reason or kept[0].reason
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail(exc, "erase") from exc
        outcome = self._outcome(entry, reason=reason, explanation=explanation, **counts)
        return EraseResult(systems=(outcome,), identifiers_erased=False)

    def correct(self, handles: Sequence[SqlHandle], changes: CorrectionChanges) -> CorrectResult:
        """Write each corrected value to every field mapped to its data-point type, in one transaction."""
        if changes.points or changes.consumer_fields:
            raise ValueError(
                "external systems are corrected by data-point type (CorrectionChanges.point_types)"
            )
        updated = 0
        try:
            with self._connect(write=True) as conn:
                found = self._collect(conn, handles) if handles else {}
                for table, keys in found.items():
                    spec = self.dataset.tables[table]
                    values = {
                        f.name: changes.point_types[f.type_code]
                        for f in spec.fields
                        if f.type_code in changes.point_types
                    }
                    if values and self._update(conn, table, keys, values):
                        updated += len(keys)
        except sa.exc.SQLAlchemyError as exc:
            raise self._fail(exc, "correct") from exc
        return CorrectResult(points_updated=updated, consumer_fields=tuple(sorted(changes.point_types)))

    def check(self) -> Health:
        """Reach the database; report missing tables and columns, and identity columns without an index."""
        problems: list[str] = []
        warnings: list[str] = []
        try:
            with self._connect() as conn:
                inspector = sa.inspect(conn)
                present = set(inspector.get_table_names(schema=self.dataset.schema))
                for name, spec in self.dataset.tables.items():
                    if name not in present:
                        problems.append(f"table {name}: missing")
                        continue
                    problems.extend(self._check_table(inspector, spec, warnings))
        except ConnectorError:
            return Health(self.system_code, self.kind, reachable=False, problems=("database unreachable",))
        except sa.exc.SQLAlchemyError as exc:
            return Health(self.system_code, self.kind, reachable=False, problems=(f"{type(exc).__name__}",))
        return Health(self.system_code, self.kind, True, tuple(problems), tuple(warnings))

    # ------------------------------------------------------------ helpers

    def _check_table(self, inspector: sa.Inspector, spec: TableSpec, warnings: list[str]) -> list[str]:
        schema = self.dataset.schema
        columns = {c["name"] for c in inspector.get_columns(spec.name, schema=schema)}
        problems = [
            f"table {spec.name}: column {name} missing"
            for name in sorted(c.name for c in self._tables[spec.name].columns)
            if name not in columns
        ]
        indexed = indexed_columns(inspector, spec.name, schema)
        for kind, column in sorted(spec.identity.items()):
            if column in columns and column not in indexed:
                problems.append(f"table {spec.name}: identity column {column} ({kind}) has no index")
        for ref in spec.references:
            if ref.column in columns and ref.column not in indexed:
                warnings.append(f"table {spec.name}: reference column {ref.column} has no index")
        return problems

    def _delete_order(self, found: dict[str, set[Any]]) -> list[str]:
        """Referencing tables before the tables they reference (a cycle falls back to file order)."""
        order: list[str] = []
        pending = [t for t in self.dataset.tables if t in found]
        while pending:
            ready = [
                t
                for t in pending
                if not any(
                    r.target == t and r.table in pending and r.table != t for r in self.dataset.references
                )
            ]
            pick = ready[0] if ready else pending[0]
            order.append(pick)
            pending.remove(pick)
        return order

    def _delete(self, conn: Connection, table: str, keys: set[Any]) -> int:
        spec, tbl, keys_list, total = self.dataset.tables[table], self._tables[table], list(keys), 0
        for start in range(0, len(keys_list), CHUNK):
            chunk = keys_list[start : start + CHUNK]
            total += conn.execute(sa.delete(tbl).where(tbl.c[spec.primary_key].in_(chunk))).rowcount
        return total

    def _update(self, conn: Connection, table: str, keys: set[Any], values: dict[str, Any]) -> bool:
        if not values:
            return False
        spec, tbl, keys_list = self.dataset.tables[table], self._tables[table], list(keys)
        for start in range(0, len(keys_list), CHUNK):
            chunk = keys_list[start : start + CHUNK]
            conn.execute(sa.update(tbl).where(tbl.c[spec.primary_key].in_(chunk)).values(values))
        return True

    def _outcome(self, entry, **counts: Any) -> SystemOutcome:
        reason = counts.pop("reason", entry.reason)
        explanation = counts.pop("explanation", entry.explanation)
        return SystemOutcome(
            system_code=self.system_code,
            system_name=entry.system_name or self.system_name,
            action=entry.action,
            reason=reason,
            explanation=explanation,
            **counts,
        )


def indexed_columns(inspector: sa.Inspector, table: str, schema: str | None) -> set[str]:
    """Columns that lead an index, the primary key or a unique constraint: lookups on them never scan."""
    leading: set[str] = set()
    pk = inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
    leading.update(pk[:1])
    for index in inspector.get_indexes(table, schema=schema):
        columns = [c for c in index.get("column_names") or [] if c]
        leading.update(columns[:1])
    for unique in inspector.get_unique_constraints(table, schema=schema):
        leading.update((unique.get("column_names") or [])[:1])
    return leading


def _entry_for(plan: ErasurePlan, system_code: str):
    entry = next((e for e in plan.entries if e.system_code == system_code), None)
    if entry is None:
        raise ValueError(f"the erasure plan has no entry for system {system_code}")
    return entry


def _erased_values(spec: TableSpec) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in spec.fields:
        if f.erase == "set_null":
            values[f.name] = None
        elif f.erase == "mask":
            values[f.name] = f.mask
    return values


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _aware(value: Any) -> datetime | None:
    """A column's time as an aware datetime; SQLite hands untyped columns over as ISO text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None
