"""Files at rest, and small sealed values in database fields: encrypted with Fernet (MultiFernet for key
rotation); files stored through Django's storage.

Reports and uploaded documents go through here and nowhere else; storage names are random and carry
nothing about the person.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


@dataclass(frozen=True)
class StoredFile:
    name: str  # storage name, e.g. "reports/3f9c…e1.bin"
    sha256: str  # of the plaintext
    size: int  # plaintext bytes


class VaultError(Exception):
    pass


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.FERNET_KEYS])


def vault_seal(value: dict) -> str:
    """A small JSON value (an identity, corrected values) encrypted for a database field; "" for nothing."""
    return _fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode() if value else ""


def vault_unseal(sealed: str) -> dict:
    """What vault_seal sealed; {} for ""; VaultError when no configured key opens it."""
    if not sealed:
        return {}
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken:
        raise VaultError("the sealed value cannot be decrypted with the configured keys") from None


def vault_put(*, content: bytes, folder: str) -> StoredFile:
    name = default_storage.save(
        f"{folder}/{secrets.token_hex(16)}.bin", ContentFile(_fernet().encrypt(content))
    )
    return StoredFile(name=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content))


def vault_get(name: str, *, sha256: str | None = None) -> bytes:
    with default_storage.open(name, "rb") as handle:
        token = handle.read()
    try:
        content = _fernet().decrypt(token)
    except InvalidToken as exc:
        raise VaultError("stored file cannot be decrypted with the configured keys") from exc
    if sha256 is not None and hashlib.sha256(content).hexdigest() != sha256:
        raise VaultError("stored file does not match its recorded checksum")
    return content


def vault_rotate(name: str) -> None:
    """Re-encrypt under the newest key (after a new key is put first in FERNET_KEYS)."""
    with default_storage.open(name, "rb") as handle:
        token = handle.read()
    rotated = _fernet().rotate(token)
    default_storage.delete(name)
    default_storage.save(name, ContentFile(rotated))


def vault_delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
