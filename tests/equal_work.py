"""What a lookup does in the web process, for tests that a match and a non-match do the same work there.

`web_statements(call)` runs `call` and returns its SQL statements with every literal (reference, e-mail,
ids, the outbox row's key and payload) replaced by `?`: two lookups did the same work when these lists
are equal. Use it with the `relay_in_worker` fixture (tests/conftest.py), so that the outbox's rows wait
for the relay as in production instead of being relayed in place; `outbox_relay()` then plays the worker.
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

# Literals, numbers and savepoint names (s<thread>_x<n>).
_LITERAL = re.compile(r"'(?:[^']|'')*'|\bs\d+_x\d+\b|\b\d+(?:\.\d+)?\b")


def web_statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        call()
    return [_LITERAL.sub("?", q["sql"]) for q in queries.captured_queries]
