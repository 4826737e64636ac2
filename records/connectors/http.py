"""The HTTP (SaaS) connector: a vendor's API described declaratively by a config file (datasets.HttpConfig).

Lookups send the identity as a query parameter or in the path (URL-quoted), follow the configured
pagination (cursor, offset or Link header, bounded pages), and read records at a JSON path. 429 waits for
Retry-After, 5xx answers, timeouts and connection failures are retried with exponential backoff, all
bounded; then a ConnectorError names the system, the endpoint and the last failure — never a URL, a
parameter or a body, since those hold identity values. httpx logs every request URL at INFO, so its
loggers are raised to WARNING here.
"""

import functools
import logging
import os
import re
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import certifi
import httpx
from django.utils import timezone

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
from .datasets import Endpoint, FieldSpec, HttpConfig

for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: building one loads the CA bundle (~25 ms a client otherwise)."""
    return ssl.create_default_context(cafile=certifi.where())


ERROR_CODE = re.compile(r"^[a-z0-9_.]{1,60}$")


@dataclass(frozen=True)
class HttpHandle:
    """A record of the vendor's found for the person: its id only."""

    system_code: str
    record_id: str


def json_get(data: Any, path: str) -> Any:
    """The value at a dotted path ("" is the whole document); None when any step is missing."""
    if not path:
        return data
    for step in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def _nest(path: str, value: Any) -> dict:
    result: Any = value
    for step in reversed(path.split(".")):
        result = {step: result}
    return result


def _merge(into: dict, more: dict) -> dict:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def _form(data: dict, prefix: str = "") -> dict[str, str]:
    """Nested values as form fields the way Stripe reads them: address[line1]=..."""
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            flat.update(_form(value, name))
        else:
            flat[name] = "" if value is None else str(value)
    return flat


class HttpConnector:
    kind = "http"

    def __init__(
        self,
        config: HttpConfig,
        *,
        system_name: str = "",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.system_code = config.system
        self.system_name = system_name or config.system
        self._transport = transport
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"HttpConnector({self.system_code})"

    # ------------------------------------------------------------ plumbing

    def _base(self, endpoint: Endpoint | None = None) -> str:
        """The base URL: an endpoint's own, or the file's; each may be overridden by its named variable."""
        if endpoint is not None and (endpoint.base_url or endpoint.base_url_env):
            return _env_or(endpoint.base_url_env, endpoint.base_url).rstrip("/")
        return _env_or(self.config.base_url_env, self.config.base_url).rstrip("/")

    def _client(self) -> httpx.Client:
        auth = self.config.auth
        headers = {"Accept": "application/json", "User-Agent": "rakunest-privacy-connector"}
        basic = None
        try:
            if auth.type == "bearer":
                headers["Authorization"] = f"Bearer {os.environ[auth.token_env]}"
            elif auth.type == "api_key":
                headers[auth.header] = os.environ[auth.token_env]
            elif auth.type == "basic":
                basic = httpx.BasicAuth(
                    os.environ[auth.username_env],
                    os.environ.get(auth.password_env, "") if auth.password_env else "",
                )
        except KeyError:
            raise ConnectorError(f"{self.system_code}: a credential variable is not set") from None
        return httpx.Client(
            headers=headers,
            auth=basic,
            timeout=self.config.timeout_seconds,
            transport=self._transport,
            verify=_tls(),
            follow_redirects=False,
        )

    def _url(self, endpoint: Endpoint, values: dict[str, str]) -> str:
        path = endpoint.path.format_map({k: quote(str(v), safe="") for k, v in values.items()})
        if re.match(r"^https?://", path):
            return path
        return f"{self._base(endpoint).rstrip('/')}/{path.lstrip('/')}"

    def _wait(self, attempt: int, response: httpx.Response | None = None) -> float:
        retry = self.config.retry
        wait = retry.backoff_seconds * (2 ** (attempt - 1))
        header = response.headers.get("Retry-After") if response is not None else None
        if header:
            try:
                wait = float(header)
            except ValueError:
                try:
                    wait = (parsedate_to_datetime(header) - datetime.now(UTC)).total_seconds()
                except (TypeError, ValueError):
                    pass
        return max(0.0, min(wait, retry.max_wait_seconds))

    def _send(
        self, client: httpx.Client, endpoint: Endpoint, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        """One call with bounded retries. None means "not found" (404 and the like): nothing to do."""
        attempts = max(1, self.config.retry.attempts)
        failure = ""
        for attempt in range(1, attempts + 1):
            response = None
            try:
                response = client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                failure = "timed out"
            except httpx.TransportError:
                failure = "unreachable"
            else:
                status = response.status_code
                if status in endpoint.not_found_statuses:
                    return None
                if status < 400:
                    return response
                if status != 429 and status < 500:
                    raise ConnectorError(f"{self.system_code}: {endpoint.name} answered HTTP {status}")
                failure = f"HTTP {status}"
            if attempt < attempts:
                self._sleep(self._wait(attempt, response))  # Retry-After when given (429, 503)
        raise ConnectorError(
            f"{self.system_code}: {endpoint.name} failed after {attempts} attempts ({failure})"
        )

    def _json(self, endpoint: Endpoint, response: httpx.Response) -> Any:
        try:
            data = response.json()
        except ValueError:
            raise ConnectorError(
                f"{self.system_code}: {endpoint.name} answered something other than JSON"
            ) from None
        if endpoint.ok_path and not json_get(data, endpoint.ok_path):
            code = str(json_get(data, endpoint.error_path) or "") if endpoint.error_path else ""
            if code and code in endpoint.not_found_errors:
                return None
            safe = code if ERROR_CODE.match(code) else "an error"
            raise ConnectorError(f"{self.system_code}: {endpoint.name} answered {safe}")
        return data

    def _records(self, data: Any, endpoint: Endpoint) -> list[dict]:
        found = json_get(data, endpoint.records)
        if isinstance(found, dict):
            return [found]
        return [r for r in found or [] if isinstance(r, dict)]

    def _pages(self, client: httpx.Client, endpoint: Endpoint, values: dict[str, str]) -> Iterator[dict]:
        """Every record an endpoint answers with, page after page (bounded by max_pages)."""
        page = endpoint.pagination
        url = self._url(endpoint, values)
        params = {k: v.format_map(values) for k, v in endpoint.params.items()}
        if page.type == "offset":
            params[page.limit_param] = str(page.limit)
        offset = 0
        for _ in range(max(1, page.max_pages)):
            if page.type == "offset":
                params[page.offset_param] = str(offset)
            response = self._send(client, endpoint, endpoint.method, url, params=params or None)
            data = self._json(endpoint, response) if response is not None else None
            if data is None:
                return
            records = self._records(data, endpoint)
            yield from records
            more = json_get(data, page.has_more) if page.has_more else True
            if page.type == "none" or not records or more is False:
                return
            if page.type == "cursor":
                cursor = (
                    json_get(records[-1], page.cursor_from_last)
                    if page.cursor_from_last
                    else json_get(data, page.next_cursor)
                )
                if not cursor:
                    return
                params[page.cursor_param] = str(cursor)
            elif page.type == "offset":
                if len(records) < page.limit:
                    return
                offset += len(records)
            elif page.type == "link":
                url = self._next_link(response, url)
                if not url:
                    return
                params = {}  # the next link carries the query

    def _next_link(self, response: httpx.Response, current: str) -> str:
        """The Link header's rel="next", only on the same host: the token must never go elsewhere."""
        target = response.links.get("next", {}).get("url", "")
        if not target:
            return ""
        target = str(response.url.join(target))
        if urlsplit(target).netloc != urlsplit(current).netloc:
            raise ConnectorError(f"{self.system_code}: a next-page link points to another host")
        return target

    # ------------------------------------------------------------ the protocol

    def locate(self, identity: Identity | dict) -> list[HttpHandle]:
        identity = Identity.of(identity)
        given = dict(identity.items())
        ids: list[str] = []
        with self._client() as client:
            for endpoint in self.config.locate:
                if endpoint.identity not in given:
                    continue
                for record in self._pages(client, endpoint, {endpoint.identity: given[endpoint.identity]}):
                    record_id = json_get(record, endpoint.id_path)
                    if record_id is not None and str(record_id) not in ids:
                        ids.append(str(record_id))
        return [HttpHandle(self.system_code, record_id) for record_id in ids]

    def _read(self, client: httpx.Client, handle: HttpHandle) -> dict | None:
        endpoint = self.config.read
        url = self._url(endpoint, {"id": handle.record_id})
        params = {k: v.format_map({"id": handle.record_id}) for k, v in endpoint.params.items()}
        response = self._send(client, endpoint, endpoint.method, url, params=params)
        data = self._json(endpoint, response) if response is not None else None
        records = self._records(data, endpoint) if data is not None else []
        return records[0] if records else None

    def export(self, handles: Sequence[HttpHandle]) -> Iterator[ExportedPoint]:
        now = timezone.now()
        with self._client() as client:
            for handle in self._own(handles):
                record = self._read(client, handle)
                if record is None:
                    continue
                collected = (
                    _timestamp(json_get(record, self.config.collected_at))
                    if self.config.collected_at
                    else None
                )
                for f in self.config.fields:
                    value = json_get(record, f.name)
                    if value is None or value == "" or isinstance(value, dict | list):
                        continue
                    yield ExportedPoint(
                        self.system_code, f.type_code, self.config.source, str(value), collected or now
                    )

    def erase(self, handles: Sequence[HttpHandle], plan: ErasurePlan) -> EraseResult:
        """Delete the record when a field says delete_row; else blank/mask fields through the update endpoint."""
        entry = next((e for e in plan.entries if e.system_code == self.system_code), None)
        if entry is None:
            raise ValueError(f"the erasure plan has no entry for system {self.system_code}")
        handles = self._own(handles)
        counts = {"deleted": 0, "deidentified": 0, "retained": 0}
        reason = entry.reason
        fields = self.config.fields
        kept = [f for f in fields if f.erase == "retain"]
        with self._client() as client:
            for handle in handles:
                if entry.action == RETAIN:
                    counts["retained"] += 1
                    continue
                if any(f.erase == "delete_row" for f in fields):
                    endpoint = self.config.erase
                    self._send(
                        client, endpoint, endpoint.method, self._url(endpoint, {"id": handle.record_id})
                    )
                    counts["deleted"] += 1
                    continue
                values = {
                    f.update_as: (None if f.erase == "set_null" else f.mask)
                    for f in fields
                    if f.erase in ("set_null", "mask")
                }
                if values:
                    self._update(client, handle, values)
                    counts["deidentified"] += 1
                if kept:
                    counts["retained"] += 1
                    reason = reason or kept[0].reason
        outcome = SystemOutcome(
            system_code=self.system_code,
            system_name=entry.system_name or self.system_name,
            action=entry.action,
            reason=reason,
            explanation=entry.explanation,
            **counts,
        )
        return EraseResult(systems=(outcome,), identifiers_erased=False)

    def _update(self, client: httpx.Client, handle: HttpHandle, values: dict[str, Any]) -> None:
        endpoint = self.config.update
        nested: dict = {}
        for key, value in values.items():
            _merge(nested, _nest(key, value))
        body = _nest(endpoint.fields_at, nested) if endpoint.fields_at else nested
        body = _merge({k: v.format_map({"id": handle.record_id}) for k, v in endpoint.extra.items()}, body)
        url = self._url(endpoint, {"id": handle.record_id})
        kwargs = {"data": _form(body)} if endpoint.body == "form" else {"json": body}
        self._send(client, endpoint, endpoint.method, url, **kwargs)

    def correct(self, handles: Sequence[HttpHandle], changes: CorrectionChanges) -> CorrectResult:
        if changes.points or changes.consumer_fields:
            raise ValueError(
                "external systems are corrected by data-point type (CorrectionChanges.point_types)"
            )
        values = {
            f.update_as: changes.point_types[f.type_code]
            for f in self.config.fields
            if f.type_code in changes.point_types
        }
        updated = 0
        if values and self.config.update is None:
            raise ConnectorError(f"{self.system_code}: no update endpoint is configured")
        with self._client() as client:
            for handle in self._own(handles):
                if values:
                    self._update(client, handle, values)
                    updated += 1
        return CorrectResult(points_updated=updated, consumer_fields=tuple(sorted(changes.point_types)))

    def check(self) -> Health:
        """Credentials present, and the health endpoint (or the base URL) answers; endpoints configured."""
        problems: list[str] = []
        warnings = [
            f"{name}: not configured" for name in ("erase", "update") if getattr(self.config, name) is None
        ]
        try:
            with self._client() as client:
                endpoint = self.config.health
                if endpoint is None:
                    client.request("HEAD", self._base() + "/")
                    warnings.append("health: not configured (only the base URL was reached)")
                else:
                    response = self._send(client, endpoint, endpoint.method, self._url(endpoint, {}))
                    if response is None:
                        problems.append("health: endpoint not found")
                    else:
                        self._json(endpoint, response)
        except ConnectorError as exc:
            return Health(
                self.system_code, self.kind, reachable=False, problems=(str(exc),), warnings=tuple(warnings)
            )
        except httpx.HTTPError as exc:
            return Health(
                self.system_code,
                self.kind,
                reachable=False,
                problems=(f"unreachable ({type(exc).__name__})",),
            )
        return Health(self.system_code, self.kind, True, tuple(problems), tuple(warnings))

    def _own(self, handles: Sequence[HttpHandle]) -> list[HttpHandle]:
        if any(h.system_code != self.system_code for h in handles):
            raise ValueError("a handle from another system was passed to this connector")
        return list(handles)


def _env_or(name: str, default: str) -> str:
    return (os.environ.get(name) if name else "") or default


def _timestamp(value: Any) -> datetime | None:
    """Vendors stamp records as Unix seconds (Stripe's `created`) or ISO 8601 text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


__all__ = ["HttpConnector", "HttpHandle", "FieldSpec", "json_get"]
