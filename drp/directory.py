"""Loading the DRP service directory's `agents.json` (§3.05.1) into DrpAgent rows."""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from drp.models import DrpAgent

AGENT_ID = re.compile(r"^[A-Z0-9_]{1,80}$")
FIELDS = ("name", "web_url", "identity_assurance_url", "technical_contact", "business_contact")


class DirectoryError(ValueError):
    """The directory file cannot be loaded; the message says which entry and why."""


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    rekeyed: int
    disabled: int


def _entries(data) -> list[dict]:
    if isinstance(data, dict):
        data = data.get("agents", list(data.values()))
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise DirectoryError("The file must hold a JSON list of agent entries.")
    return data


def _checked(entry: dict, position: int) -> dict:
    agent_id = entry.get("id")
    if not isinstance(agent_id, str) or not AGENT_ID.match(agent_id):
        raise DirectoryError(f"Entry {position}: `id` must match [A-Z_]+.")
    try:
        key = base64.b64decode(str(entry.get("verify_key", "")), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise DirectoryError(f"Entry {position} ({agent_id}): `verify_key` must be a base64 Ed25519 key.")
    return {"agent_id": agent_id, "verify_key": entry["verify_key"]} | {
        name: str(entry.get(name) or "")[:254] for name in FIELDS
    }


def directory_load(*, path: Path, disable_missing: bool = True) -> LoadResult:
    """Create or update every agent of the file. A new key revokes the agent's token (it must set up a new
    pair-wise key); agents no longer in the file are disabled. Enabling stays an admin decision for
    agents that were disabled by hand."""
    try:
        entries = [_checked(e, i + 1) for i, e in enumerate(_entries(json.loads(path.read_text())))]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DirectoryError(f"Cannot read {path.name}: {exc}") from None
    created = updated = rekeyed = 0
    with transaction.atomic():
        for entry in entries:
            agent = DrpAgent.objects.select_for_update().filter(agent_id=entry["agent_id"]).first()
            if agent is None:
                DrpAgent.objects.create(**entry)
                created += 1
                continue
            if agent.verify_key != entry["verify_key"]:
                agent.token_hash, agent.token_issued_at = "", None
                rekeyed += 1
            for name, value in entry.items():
                setattr(agent, name, value)
            agent.save()
            updated += 1
        disabled = 0
        if disable_missing:
            disabled = (
                DrpAgent.objects.exclude(agent_id__in=[e["agent_id"] for e in entries])
                .filter(enabled=True)
                .update(enabled=False, token_hash="", token_issued_at=None)
            )
    return LoadResult(created=created, updated=updated, rekeyed=rekeyed, disabled=disabled)
