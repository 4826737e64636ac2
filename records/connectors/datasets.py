"""Dataset files: how an external system holds personal data, written in YAML by the business.

A file describes one data-map System: for SQL, its tables, the columns holding each data-point type, the
identity columns (e-mail, phone, member number), the references by which the rest of a person's rows are
found (`payments.customer_id -> customers.id`), and per field what erasure does; for HTTP, the endpoints
that look a person up, read, update and delete their record. Secrets are never in the file: it names the
environment variables that hold them. Everything is validated when the file is loaded, and every problem
is reported with the file, the line and the field, so that a typo fails at deploy time, not mid-request.
Schema reference and a full example: README, "Connectors and dataset files".
"""

import difflib
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..datamap import POINT_TYPES, SOURCES
from ..models import RetentionHold
from .base import IDENTITY_KINDS

KINDS = ("sql", "http")
ERASE_ACTIONS = ("delete_row", "set_null", "mask", "retain")
RETAIN_REASONS = tuple(RetentionHold.Reason.values)
SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
JSON_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGINATION = ("none", "cursor", "offset", "link")
AUTH_TYPES = ("none", "bearer", "basic", "api_key")


class DatasetError(Exception):
    """A dataset file is wrong. Each problem names the file, the line and the field (never a secret)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------- YAML with line numbers


class _Mapping(dict):
    """A YAML mapping that remembers its own line and each key's line (1-based)."""

    line: int = 0
    key_lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    result = _Mapping()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ---------------------------------------------------------------- what a loaded file holds


@dataclass(frozen=True)
class FieldSpec:
    """One column (SQL) or JSON path (HTTP) holding a data-point type, and what erasure does to it."""

    name: str
    type_code: str
    erase: str  # delete_row | set_null | mask | retain
    mask: str = ""
    reason: str = ""  # a RetentionHold.Reason code, when retained
    update_as: str = ""  # HTTP: the key sent to the update endpoint
    line: int = 0


@dataclass(frozen=True)
class Reference:
    """`table.column -> target.target_column`: rows of one table belong to the person of the other's."""

    table: str
    column: str
    target: str
    target_column: str
    line: int = 0


@dataclass(frozen=True)
class TableSpec:
    name: str
    primary_key: str
    identity: dict[str, str]  # identity kind -> column
    fields: tuple[FieldSpec, ...]
    references: tuple[Reference, ...]
    collected_at: str = ""
    line: int = 0

    @property
    def deletes_rows(self) -> bool:
        return any(f.erase == "delete_row" for f in self.fields)


@dataclass(frozen=True)
class SqlDataset:
    path: Path
    system: str
    source: str
    url_env: str
    schema: str | None
    tables: dict[str, TableSpec]

    kind = "sql"

    @property
    def references(self) -> list[Reference]:
        return [ref for table in self.tables.values() for ref in table.references]

    def url(self) -> str:
        """Read at connection time, never stored: the variable was checked to exist at load."""
        return os.environ[self.url_env]


@dataclass(frozen=True)
class Pagination:
    type: str = "none"  # none | cursor | offset | link
    cursor_param: str = ""
    next_cursor: str = ""  # JSON path to the next cursor in the response
    cursor_from_last: str = ""  # or: the last record's value at this path (Stripe's starting_after)
    has_more: str = ""  # JSON path to a "more pages" flag
    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = 100
    max_pages: int = 50


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # relative to the base URL; placeholders {id} (record id) and identity kinds
    params: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    base_url_env: str = ""
    identity: str = ""  # locate endpoints: the identity kind they search by
    records: str = ""  # JSON path to the record list (or one record object); "" = the body
    id_path: str = "id"
    pagination: Pagination = Pagination()
    body: str = "json"  # json | form
    fields_at: str = ""  # update: JSON path in the body where the fields go
    extra: dict[str, str] = field(default_factory=dict)  # update: further body values
    ok_path: str = ""  # a flag that is false on an error answered with 200 (Slack's "ok")
    error_path: str = ""
    not_found_errors: tuple[str, ...] = ()
    not_found_statuses: tuple[int, ...] = (404,)
    line: int = 0


@dataclass(frozen=True)
class Auth:
    type: str = "none"
    token_env: str = ""
    username_env: str = ""
    password_env: str = ""
    header: str = ""


@dataclass(frozen=True)
class Retry:
    attempts: int = 4
    backoff_seconds: float = 0.5
    max_wait_seconds: float = 30.0


@dataclass(frozen=True)
class HttpConfig:
    path: Path
    system: str
    source: str
    base_url: str
    base_url_env: str
    auth: Auth
    timeout_seconds: float
    retry: Retry
    locate: tuple[Endpoint, ...]
    read: Endpoint
    erase: Endpoint | None
    update: Endpoint | None
    health: Endpoint | None
    fields: tuple[FieldSpec, ...]
    collected_at: str = ""

    kind = "http"


Dataset = SqlDataset | HttpConfig


# ---------------------------------------------------------------- validation


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class _Checker:
    """Reads a parsed file, keeping every problem with its line and dotted field name."""

    path: Path
    point_types: frozenset[str]
    sources: frozenset[str]
    problems: list[str] = field(default_factory=list)

    def fail(self, line: int, where: str, message: str) -> None:
        self.problems.append(f"{_display(self.path)}, line {line}, field {where}: {message}")

    def mapping(self, value: Any, line: int, where: str) -> _Mapping | None:
        if isinstance(value, _Mapping):
            return value
        self.fail(line, where, "expected a mapping (key: value lines)")
        return None

    def keys(self, node: _Mapping, where: str, allowed: tuple[str, ...]) -> None:
        """Unknown keys are typos until proven otherwise: name the closest known key."""
        for key in node:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else f"; known keys: {', '.join(allowed)}"
                self.fail(node.key_lines[key], _join(where, key), f"unknown key {key!r}{hint}")

    def get(
        self,
        node: _Mapping,
        key: str,
        where: str,
        *,
        kind: type | tuple[type, ...] = str,
        required: bool = False,
        default: Any = None,
        choices: tuple | None = None,
        pattern: re.Pattern | None = None,
        what: str = "value",
    ) -> Any:
        if key not in node:
            if required:
                self.fail(node.line, _join(where, key), "is required")
            return default
        value, line = node[key], node.key_lines[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(line, _join(where, key), f"expected {_kind_name(kind)}, got {type(value).__name__}")
            return default
        if choices is not None and value not in choices:
            near = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else f"; one of {', '.join(map(str, choices))}"
            self.fail(line, _join(where, key), f"unknown {what} {value!r}{hint}")
            return default
        if pattern is not None and not pattern.match(value):
            self.fail(line, _join(where, key), f"{value!r} is not a valid name")
            return default
        return value

    def env(self, node: _Mapping, key: str, where: str, *, required: bool = True) -> str:
        """The name of an environment variable; a secret's variable must be set when the file loads."""
        name = self.get(node, key, where, required=required, default="", pattern=ENV_NAME)
        if name and required and not os.environ.get(name):
            self.fail(node.key_lines[key], _join(where, key), f"environment variable {name} is not set")
        return name


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _field_spec(c: _Checker, name: str, node: Any, line: int, where: str, *, http: bool) -> FieldSpec | None:
    node = c.mapping(node, line, where)
    if node is None:
        return None
    allowed = (
        ("type", "erase", "mask", "reason", "update_as") if http else ("type", "erase", "mask", "reason")
    )
    c.keys(node, where, allowed)
    type_code = c.get(
        node,
        "type",
        where,
        required=True,
        default="",
        choices=tuple(sorted(c.point_types)),
        what="data-point type",
    )
    erase = c.get(node, "erase", where, required=True, default="", choices=ERASE_ACTIONS)
    mask = c.get(node, "mask", where, kind=(str, int), default="")
    if erase == "mask" and "mask" not in node:
        c.fail(node.line, _join(where, "mask"), "erase: mask needs the fixed value to write (mask: ...)")
    reason = c.get(node, "reason", where, default="", choices=RETAIN_REASONS)
    if erase == "retain" and not reason:
        c.fail(
            node.line, _join(where, "reason"), f"erase: retain needs a reason: {', '.join(RETAIN_REASONS)}"
        )
    update_as = c.get(node, "update_as", where, default=name, pattern=JSON_PATH) if http else ""
    return FieldSpec(name, type_code, erase, str(mask), reason, update_as, line)


def _fields(c: _Checker, node: _Mapping, where: str, *, http: bool) -> tuple[FieldSpec, ...]:
    fields_node = c.mapping(
        node.get("fields"), node.key_lines.get("fields", node.line), _join(where, "fields")
    )
    if fields_node is None:
        return ()
    pattern = JSON_PATH if http else SQL_NAME
    specs = []
    for name, spec in fields_node.items():
        line, here = fields_node.key_lines[name], _join(_join(where, "fields"), name)
        if not isinstance(name, str) or not pattern.match(name):
            c.fail(line, here, f"{name!r} is not a valid {'JSON path' if http else 'column name'}")
            continue
        built = _field_spec(c, name, spec, line, here, http=http)
        if built is not None:
            specs.append(built)
    if not specs:
        c.fail(fields_node.line, _join(where, "fields"), "lists no field")
    erases = {f.erase for f in specs}
    if "delete_row" in erases and "retain" in erases:
        c.fail(fields_node.line, _join(where, "fields"), "a row cannot be deleted and have a field retained")
    return tuple(specs)


# ---------------------------------------------------------------- SQL files


TABLE_KEYS = ("primary_key", "identity", "fields", "references", "collected_at")


def _table(c: _Checker, name: str, node: _Mapping, where: str, line: int) -> TableSpec:
    c.keys(node, where, TABLE_KEYS)
    pk = c.get(node, "primary_key", where, default="id", pattern=SQL_NAME)
    fields = _fields(c, node, where, http=False)
    field_names = {f.name for f in fields}
    identity: dict[str, str] = {}
    if "identity" in node:
        id_node = c.mapping(node["identity"], node.key_lines["identity"], _join(where, "identity"))
        for kind in id_node or {}:
            here = _join(_join(where, "identity"), kind)
            column = c.get(id_node, kind, _join(where, "identity"), pattern=SQL_NAME)
            if kind not in IDENTITY_KINDS:
                c.fail(
                    id_node.key_lines[kind],
                    here,
                    f"unknown identity kind; one of {', '.join(IDENTITY_KINDS)}",
                )
            elif column and column not in field_names:
                c.fail(id_node.key_lines[kind], here, f"column {column!r} is not among the table's fields")
            elif column:
                identity[kind] = column
    references = []
    if "references" in node:
        ref_node = c.mapping(node["references"], node.key_lines["references"], _join(where, "references"))
        for column, target in (ref_node or {}).items():
            line, here = ref_node.key_lines[column], _join(_join(where, "references"), column)
            parts = target.split(".") if isinstance(target, str) else []
            if not (isinstance(column, str) and SQL_NAME.match(column)):
                c.fail(line, here, f"{column!r} is not a valid column name")
            elif len(parts) != 2 or not all(SQL_NAME.match(p) for p in parts):
                c.fail(line, here, f"expected table.column, got {target!r}")
            else:
                references.append(Reference(name, column, parts[0], parts[1], line))
    collected_at = c.get(node, "collected_at", where, default="", pattern=SQL_NAME)
    return TableSpec(name, pk, identity, fields, tuple(references), collected_at, line)


def _check_graph(c: _Checker, tables: dict[str, TableSpec], line: int) -> None:
    """Every reference points at a known table, and every table is reachable from an identity table."""
    for ref in (r for t in tables.values() for r in t.references):
        if ref.target not in tables:
            near = difflib.get_close_matches(ref.target, list(tables), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            c.fail(
                ref.line, f"tables.{ref.table}.references.{ref.column}", f"unknown table {ref.target!r}{hint}"
            )
    reached = {name for name, t in tables.items() if t.identity}
    if not reached:
        c.fail(line, "tables", "no table has an identity column (email, phone or member_number)")
        return
    changed = True
    while changed:
        changed = False
        for ref in (r for t in tables.values() for r in t.references):
            if (ref.table in reached) != (ref.target in reached) and ref.target in tables:
                reached |= {ref.table, ref.target}
                changed = True
    for name in sorted(set(tables) - reached):
        c.fail(tables[name].line, f"tables.{name}", "is not reachable from an identity table by references")


def _sql(c: _Checker, root: _Mapping, system: str, source: str) -> SqlDataset:
    c.keys(root, "", ("version", "kind", "system", "source", "connection", "schema", "tables"))
    url_env = ""
    conn = c.mapping(root.get("connection"), root.key_lines.get("connection", root.line), "connection")
    if conn is not None:
        c.keys(conn, "connection", ("url_env",))
        url_env = c.env(conn, "url_env", "connection")
    schema = c.get(root, "schema", "", default=None, pattern=SQL_NAME)
    tables: dict[str, TableSpec] = {}
    tables_node = c.mapping(root.get("tables"), root.key_lines.get("tables", root.line), "tables")
    for name, node in (tables_node or {}).items():
        here = f"tables.{name}"
        if not (isinstance(name, str) and SQL_NAME.match(name)):
            c.fail(tables_node.key_lines[name], here, f"{name!r} is not a valid table name")
            continue
        node = c.mapping(node, tables_node.key_lines[name], here)
        if node is not None:
            tables[name] = _table(c, name, node, here, tables_node.key_lines[name])
    if tables_node is not None:
        _check_graph(c, tables, tables_node.line)
    return SqlDataset(c.path, system, source, url_env, schema, tables)


# ---------------------------------------------------------------- HTTP files


ENDPOINT_KEYS = (
    "method", "path", "params", "base_url", "base_url_env", "identity", "records", "id", "pagination",
    "body", "fields_at", "extra", "ok_path", "error_path", "not_found_errors", "not_found_statuses",
)  # fmt: skip
PAGINATION_KEYS = (
    "type", "cursor_param", "next_cursor", "cursor_from_last", "has_more", "offset_param", "limit_param",
    "limit", "max_pages",
)  # fmt: skip


def _placeholders(c: _Checker, text: str, line: int, where: str, allowed: tuple[str, ...]) -> None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        c.fail(line, where, "has an unbalanced brace")
        return
    for name in names:
        if name not in allowed:
            c.fail(
                line,
                where,
                f"unknown placeholder {{{name}}}; use {', '.join('{' + a + '}' for a in allowed)}",
            )


def _pagination(c: _Checker, node: Any, line: int, where: str) -> Pagination:
    node = c.mapping(node, line, where)
    if node is None:
        return Pagination()
    c.keys(node, where, PAGINATION_KEYS)
    kind = c.get(node, "type", where, required=True, default="none", choices=PAGINATION)
    values = {
        key: c.get(node, key, where, default=getattr(Pagination, key), pattern=JSON_PATH)
        for key in (
            "cursor_param",
            "next_cursor",
            "cursor_from_last",
            "has_more",
            "offset_param",
            "limit_param",
        )
    }
    limit = c.get(node, "limit", where, kind=int, default=100)
    max_pages = c.get(node, "max_pages", where, kind=int, default=50)
    if kind == "cursor" and not (
        values["cursor_param"] and (values["next_cursor"] or values["cursor_from_last"])
    ):
        c.fail(node.line, where, "cursor pagination needs cursor_param and next_cursor or cursor_from_last")
    return Pagination(kind, **values, limit=limit, max_pages=max_pages)


def _endpoint(
    c: _Checker, name: str, node: Any, line: int, where: str, *, placeholders: tuple
) -> Endpoint | None:
    node = c.mapping(node, line, where)
    if node is None:
        return None
    c.keys(node, where, ENDPOINT_KEYS)
    method = c.get(node, "method", where, default="GET", choices=METHODS)
    path = c.get(node, "path", where, required=True, default="")
    _placeholders(c, path, node.key_lines.get("path", line), _join(where, "path"), placeholders)
    params = c.mapping(
        node.get("params", _Mapping()), node.key_lines.get("params", line), _join(where, "params")
    )
    for key, value in (params or {}).items():
        if not isinstance(value, str):
            c.fail(params.key_lines[key], _join(_join(where, "params"), key), "expected text")
        else:
            _placeholders(c, value, params.key_lines[key], _join(_join(where, "params"), key), placeholders)
    extra = c.mapping(node.get("extra", _Mapping()), node.key_lines.get("extra", line), _join(where, "extra"))
    identity = c.get(node, "identity", where, default="", choices=IDENTITY_KINDS)
    statuses = c.get(node, "not_found_statuses", where, kind=list, default=[404])
    return Endpoint(
        name=name,
        method=method,
        path=path,
        params=dict(params or {}),
        base_url=c.get(node, "base_url", where, default=""),
        base_url_env=c.get(node, "base_url_env", where, default="", pattern=ENV_NAME),
        identity=identity,
        records=c.get(node, "records", where, default="", pattern=re.compile(r"^$|" + JSON_PATH.pattern)),
        id_path=c.get(node, "id", where, default="id", pattern=JSON_PATH),
        pagination=_pagination(
            c, node["pagination"], node.key_lines["pagination"], _join(where, "pagination")
        )
        if "pagination" in node
        else Pagination(),
        body=c.get(node, "body", where, default="json", choices=("json", "form")),
        fields_at=c.get(node, "fields_at", where, default="", pattern=re.compile(r"^$|" + JSON_PATH.pattern)),
        extra={str(k): str(v) for k, v in (extra or {}).items()},
        ok_path=c.get(node, "ok_path", where, default="", pattern=JSON_PATH),
        error_path=c.get(node, "error_path", where, default="", pattern=JSON_PATH),
        not_found_errors=tuple(map(str, c.get(node, "not_found_errors", where, kind=list, default=[]))),
        not_found_statuses=tuple(int(s) for s in statuses if isinstance(s, int)),
        line=node.line,
    )


def _auth(c: _Checker, root: _Mapping) -> Auth:
    if "auth" not in root:
        return Auth()
    node = c.mapping(root.get("auth", _Mapping()), root.key_lines.get("auth", root.line), "auth")
    if node is None:
        return Auth()
    c.keys(node, "auth", ("type", "token_env", "username_env", "password_env", "header"))
    kind = c.get(node, "type", "auth", required=True, default="none", choices=AUTH_TYPES)
    if kind in ("bearer", "api_key"):
        header = c.get(node, "header", "auth", required=kind == "api_key", default="")
        return Auth(kind, token_env=c.env(node, "token_env", "auth"), header=header)
    if kind == "basic":
        password = c.env(node, "password_env", "auth", required="password_env" in node)
        return Auth(kind, username_env=c.env(node, "username_env", "auth"), password_env=password)
    return Auth()


def _http(c: _Checker, root: _Mapping, system: str, source: str) -> HttpConfig:
    top = ("version", "kind", "system", "source", "base_url", "base_url_env", "auth", "timeout_seconds",
           "retry", "locate", "read", "erase", "update", "health", "fields", "collected_at")  # fmt: skip
    c.keys(root, "", top)
    base_url = c.get(root, "base_url", "", required=True, default="")
    if base_url and not re.match(r"^https?://", base_url):
        c.fail(
            root.key_lines["base_url"], "base_url", "must start with https:// (or http:// for a local server)"
        )
    retry_node = c.mapping(root.get("retry", _Mapping()), root.key_lines.get("retry", root.line), "retry")
    if retry_node is not None:
        c.keys(retry_node, "retry", ("attempts", "backoff_seconds", "max_wait_seconds"))
    retry = Retry(
        attempts=c.get(retry_node or _Mapping(), "attempts", "retry", kind=int, default=Retry.attempts),
        backoff_seconds=c.get(retry_node or _Mapping(), "backoff_seconds", "retry", kind=float, default=0.5),
        max_wait_seconds=c.get(
            retry_node or _Mapping(), "max_wait_seconds", "retry", kind=float, default=30.0
        ),
    )
    locate = []
    locate_node = root.get("locate")
    if not isinstance(locate_node, list) or not locate_node:
        c.fail(root.key_lines.get("locate", root.line), "locate", "needs a list of lookup endpoints")
        locate_node = []
    for index, node in enumerate(locate_node):
        line = getattr(node, "line", root.key_lines["locate"])
        endpoint = _endpoint(
            c, f"locate[{index}]", node, line, f"locate[{index}]", placeholders=IDENTITY_KINDS
        )
        if endpoint is not None and not endpoint.identity:
            c.fail(line, f"locate[{index}].identity", "is required (email, phone or member_number)")
        if endpoint is not None:
            locate.append(endpoint)
    named = {}
    for name in ("read", "erase", "update", "health"):
        if name in root:
            allowed = () if name == "health" else ("id",)
            named[name] = _endpoint(c, name, root[name], root.key_lines[name], name, placeholders=allowed)
        elif name == "read":
            c.fail(root.line, "read", "is required (the endpoint that reads one record by {id})")
    fields = _fields(c, root, "", http=True)
    writes = {f.erase for f in fields}
    if "delete_row" in writes and not named.get("erase"):
        c.fail(root.line, "erase", "a field says delete_row: name the endpoint that deletes a record")
    if writes & {"set_null", "mask"} and not named.get("update"):
        c.fail(root.line, "update", "a field says set_null or mask: name the endpoint that updates a record")
    return HttpConfig(
        path=c.path,
        system=system,
        source=source,
        base_url=base_url.rstrip("/"),
        base_url_env=c.get(root, "base_url_env", "", default="", pattern=ENV_NAME),
        auth=_auth(c, root),
        timeout_seconds=c.get(root, "timeout_seconds", "", kind=float, default=10.0),
        retry=retry,
        locate=tuple(locate),
        read=named.get("read"),
        erase=named.get("erase"),
        update=named.get("update"),
        health=named.get("health"),
        fields=fields,
        collected_at=c.get(root, "collected_at", "", default="", pattern=JSON_PATH),
    )


# ---------------------------------------------------------------- entry point


def load_dataset(
    path: str | Path,
    *,
    system: str | None = None,
    point_types: frozenset[str] | set[str] | None = None,
    sources: frozenset[str] | set[str] | None = None,
) -> Dataset:
    """Parse and validate one file; raise DatasetError listing every problem found in it.

    `system`, when given, is the data-map System that names the file: the file must say the same.
    `point_types` and `sources` default to the policy's data map (records.datamap)."""
    path = Path(path)
    c = _Checker(
        path,
        frozenset(point_types or {code for code, *_ in POINT_TYPES}),
        frozenset(sources or {code for code, *_ in SOURCES}),
    )
    try:
        root = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except OSError as exc:
        raise DatasetError([f"{_display(path)}: cannot be read ({exc.strerror})"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise DatasetError([f"{_display(path)}, line {line}: not valid YAML: {exc.problem}"]) from None
    root = c.mapping(root, 1, "(file)")
    if root is None:
        raise DatasetError(c.problems)
    if c.get(root, "version", "", kind=int, required=True, default=1) != 1:
        c.fail(root.key_lines["version"], "version", "only version 1 is known")
    kind = c.get(root, "kind", "", required=True, default="", choices=KINDS)
    code = c.get(root, "system", "", required=True, default="")
    if system is not None and code and code != system:
        c.fail(root.key_lines["system"], "system", f"says {code!r} but the data map names it for {system!r}")
    source = c.get(root, "source", "", default="direct", choices=tuple(sorted(c.sources)))
    dataset = _sql(c, root, code, source) if kind == "sql" else _http(c, root, code, source) if kind else None
    if c.problems or dataset is None:
        raise DatasetError(c.problems)
    return dataset
