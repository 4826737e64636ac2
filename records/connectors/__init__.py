"""Connectors: the only way fulfilment reaches a consumer's records (DESIGN §2).

`base` holds the protocol and the results; `builtin` the portal's own tables; `sql` and `http` the
external systems described by dataset files (`datasets`); `registry` builds them from the data map and
runs them across systems. The names below are the package's public face, as they were when this was
one module.
"""

from .base import (
    ConnectorError,
    CorrectionChanges,
    CorrectResult,
    EraseResult,
    ExportedPoint,
    Health,
    Identity,
    PointChange,
    SystemOutcome,
)
from .builtin import (
    CORRECTABLE_CONSUMER_FIELDS,
    IDENTITY_FIELDS,
    IDENTITY_SYSTEM,
    BuiltinConnector,
    connectors_for,
)

__all__ = [
    "CORRECTABLE_CONSUMER_FIELDS",
    "IDENTITY_FIELDS",
    "IDENTITY_SYSTEM",
    "BuiltinConnector",
    "ConnectorError",
    "CorrectResult",
    "CorrectionChanges",
    "EraseResult",
    "ExportedPoint",
    "Health",
    "Identity",
    "PointChange",
    "SystemOutcome",
    "connectors_for",
]
