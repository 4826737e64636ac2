"""Text messages (one-time codes sent to a phone number on record), through a settings-chosen backend.

`SMS_BACKEND` names a class with `send(*, to: str, body: str)`. Development writes each message as a
file under `SMS_FILE_PATH` (var/sms/), like e-mail under var/mail/; tests keep them in memory.
A production deployment points SMS_BACKEND at a class wrapping its provider's API.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class FileBackend:
    def send(self, *, to: str, body: str) -> None:
        directory = Path(settings.SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.txt"
        (directory / name).write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")


class LocmemBackend:
    """Keeps messages in `LocmemBackend.outbox` (a list of (to, body)) for tests."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, to: str, body: str) -> None:
        self.outbox.append((to, body))


def sms_send(*, to: str, body: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to=to, body=body)
