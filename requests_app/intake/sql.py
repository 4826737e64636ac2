"""Intake in one SQL statement on PostgreSQL (DESIGN §8: intake throughput).

A submission, its requests and their opening events are built as model instances by the usual code
(`lifecycle.requests_build`), then written by ONE data-modifying statement (a WITH … INSERT … RETURNING
chain) instead of three ORM inserts inside BEGIN/COMMIT: one round trip, atomic on its own, and a small
fraction of the ORM's CPU per row; each shape of chain is prepared once per connection (`chain_run`), so
PostgreSQL does not parse and plan it again at every intake. Columns and values come from the models' own field definitions, so a
new field is picked up without editing SQL. Other databases use the ORM path.

The pieces of the chain (`row_select`, `requests_cte`, `events_cte`, `outbox_tasks_cte`) are shared with
the DRP intake (drp/sql.py), which adds its own rows to the same kind of statement.
"""

import itertools
import re
from functools import cache

import psycopg2.errors
from django.conf import settings
from django.db import DatabaseError, connection

from requests_app.models import OutboxMessage, PrivacyRequest, RequestEvent, Submission

PLACEHOLDER = re.compile("%s")
MAX_PREPARED = 64  # shapes kept per connection (one per number of kinds and of tasks, DRP's too)
_names = itertools.count()  # statement names unique in the process: a forgotten one never collides


@cache
def _layout(model, skip: tuple[str, ...]) -> tuple[list, list[str], list[str]]:
    """A model's fields, quoted columns and typed placeholders (worked out once per process)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]
    columns = [connection.ops.quote_name(f.column) for f in fields]
    # Typed placeholders: inside VALUES lists PostgreSQL cannot infer a column's type from a bare NULL.
    placeholders = [f"%s::{f.cast_db_type(connection)}" for f in fields]
    return fields, columns, placeholders


def columns_and_values(obj, *, skip: tuple[str, ...] = ()) -> tuple[list[str], list[str], list]:
    """Quoted columns, typed placeholders and database values of an unsaved instance, as Django saves it."""
    fields, columns, placeholders = _layout(type(obj), skip)
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    return columns, placeholders, values


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def row_select(name: str, obj, *, parents: dict[str, str] = (), source: str = "") -> tuple[str, list]:
    """`name AS (INSERT … SELECT … RETURNING id)` for one instance; `parents` maps a foreign key's column to
    the CTE whose id it takes (those CTEs, or `source`, are the FROM list: no parent row, no row)."""
    parents = dict(parents)
    columns, placeholders, params = columns_and_values(obj, skip=tuple(parents))
    keys = [connection.ops.quote_name(column) for column in parents]
    sources = [*dict.fromkeys(parents.values())] or ([source] if source else [])
    sql = (
        f"{name} AS (INSERT INTO {table(type(obj))} ({', '.join([*keys, *columns])}) "
        f"SELECT {', '.join([*(f'{cte}.id' for cte in parents.values()), *placeholders])}"
        + (f" FROM {', '.join(sources)}" if sources else "")
        + " RETURNING id)"
    )
    return sql, params


def _values_rows(
    objs, *, skip: str, extra=lambda _position, _obj: [], leading_types: tuple[str, ...] = ()
) -> tuple[list[str], list[str], list]:
    """The VALUES rows of several instances of one model (without the `skip` foreign key), each led by
    the parameters `extra(position, obj)` returns, typed as `leading_types` (a prepared statement cannot
    infer a type from a bare parameter); and the columns, aliased `c0, c1, …`."""
    rows, params, columns = [], [], []
    for position, obj in enumerate(objs):
        columns, placeholders, values = columns_and_values(obj, skip=(skip,))
        leading = extra(position, obj)
        rows.append(f"({', '.join([*leading_types, *placeholders])})")
        params += [*leading, *values]
    return rows, columns, params


def requests_cte(requests: list[PrivacyRequest], *, submission: str = "s") -> tuple[str, list]:
    """`r AS (…)`: the requests of the submission CTE `submission`, returning id and reference."""
    rows, columns, params = _values_rows(requests, skip="submission_id")
    v = [f"c{i}" for i in range(len(columns))]
    sql = (
        f"r AS (INSERT INTO {table(PrivacyRequest)} (submission_id, {', '.join(columns)}) "
        f"SELECT {submission}.id, {', '.join('v.' + c for c in v)} FROM {submission}, "
        f"(VALUES {', '.join(rows)}) AS v({', '.join(v)}) RETURNING id, reference)"
    )
    return sql, params


def events_cte(events: list[RequestEvent]) -> tuple[str, list]:
    """`e AS (…)`: the events of the requests CTE `r`, matched by reference, inserted in list order."""
    rows, columns, params = _values_rows(
        events,
        skip="request_id",
        extra=lambda position, event: [position, event.request.reference],
        leading_types=("%s::integer", "%s::text"),
    )
    v = [f"c{i}" for i in range(len(columns))]
    sql = (
        f"e AS (INSERT INTO {table(RequestEvent)} (request_id, {', '.join(columns)}) "
        f"SELECT r.id, {', '.join('w.' + c for c in v)} FROM r JOIN "
        f"(VALUES {', '.join(rows)}) AS w(pos, ref, {', '.join(v)}) ON w.ref = r.reference ORDER BY w.pos)"
    )
    return sql, params


def outbox_tasks_cte(tasks: list[tuple[str, str, str | None]]) -> tuple[str, list]:
    """`o AS (…)`: one task row per (task name, CTE whose id is the task's argument, reference of the
    request among `r` or None), keyed `<task>:<id>` as `outbox_task(..., key=…)` keys it."""
    selects, params = [], []
    for task, source, reference in tasks:
        if reference is None:
            selects.append(f"SELECT %s::text AS task, {source}.id FROM {source}")
            params.append(task)
        else:
            selects.append(
                f"SELECT %s::text AS task, {source}.id FROM {source} WHERE {source}.reference = %s"
            )
            params += [task, reference]
    sql = (
        f"o AS (INSERT INTO {table(OutboxMessage)} "
        "(key, kind, payload, created_at, next_attempt_at, attempts, last_error) "
        "SELECT t.task || ':' || t.id, 'task', jsonb_build_object('task', t.task, 'args', jsonb_build_array(t.id)), "
        f"now(), now(), 0, '' FROM ({' UNION ALL '.join(selects)}) AS t)"
    )
    return sql, params


def chain_run(parts: list[tuple[str, list]], *, select: str) -> list[tuple]:
    """Run `WITH <parts> <select>` as one statement and return its rows."""
    # Identifiers come from the models' metadata (quoted); every value is a bound parameter.
    sql = "WITH " + ", ".join(part for part, _params in parts) + " " + select
    params = [value for _part, params in parts for value in params]
    with connection.cursor() as cursor:
        if not settings.DATABASE_PREPARED_STATEMENTS:
            cursor.execute(sql, params)
            return cursor.fetchall()
        try:
            cursor.execute(_prepared(cursor, sql, len(params)), params)
        except DatabaseError as exc:
            # Gone from the session (a DEALLOCATE, or a pooler that resets sessions): prepare it again,
            # when no transaction was aborted by the failure.
            if not isinstance(exc.__cause__, psycopg2.errors.InvalidSqlStatementName):
                raise
            connection._chain_statements = None
            if connection.in_atomic_block:
                raise
            cursor.execute(_prepared(cursor, sql, len(params)), params)
        return cursor.fetchall()


def _prepared(cursor, sql: str, count: int) -> str:
    """`EXECUTE` of `sql` as a prepared statement of this database session, PREPAREd on first use:
    PostgreSQL parses and plans a chain once per connection and shape instead of at every intake, which
    halves its CPU per intake (bench/README.md). `%s` placeholders become `$1…$n`."""
    raw = connection.connection
    state = getattr(connection, "_chain_statements", None)
    if state is None or state[0] is not raw or len(state[1]) >= MAX_PREPARED:
        if state is not None and state[0] is raw:
            cursor.execute("DEALLOCATE ALL")
        state = connection._chain_statements = (raw, {})
    name = state[1].get(sql)
    if name is None:
        name = f"rk_chain_{next(_names)}"
        numbers = iter(range(1, count + 1))
        cursor.execute(f"PREPARE {name} AS " + PLACEHOLDER.sub(lambda _match: f"${next(numbers)}", sql))
        state[1][sql] = name
    return f"EXECUTE {name} ({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"


def submission_insert(
    *,
    submission: Submission,
    requests: list[PrivacyRequest],
    events: list[RequestEvent],
    received_task: str = "requests.intake.received",
    fulfil_tasks: list[tuple[str, str]] = (),
) -> None:
    """Write everything in one statement and set the primary keys on the instances: the submission, its
    requests, their events and their outbox rows (the `received_task` of the submission, and per
    (reference, task name) of `fulfil_tasks` that request's task), keyed `<task>:<primary key>`."""
    parts = [
        row_select("s", submission),
        requests_cte(requests),
        events_cte(events),
        outbox_tasks_cte(
            [(received_task, "s", None), *((task, "r", reference) for reference, task in fulfil_tasks)]
        ),
    ]
    rows = chain_run(parts, select="SELECT s.id, r.id, r.reference FROM s, r")
    submission_saved(submission, requests, rows)


def submission_saved(submission: Submission, requests: list[PrivacyRequest], rows) -> None:
    """Set the primary keys the chain returned, `(submission id, request id, reference, …)` per request."""
    by_reference = {row[2]: row[1] for row in rows}
    submission.pk = rows[0][0]
    submission._state.adding = False
    for request in requests:
        request.pk = by_reference[request.reference]
        request.submission = submission  # sets submission_id and keeps the cached instance
        request._state.adding = False
