"""Short-lived access that a one-time code grants to one browser session (status page, report download,
deletion confirmation, an agent's or a consumer's confirmation page).

The session holds only `{"id": <pk>, "until": <timestamp>, "on_record": <bool>}` under a key per purpose:
never personal data, never anything in a URL. `on_record` says the code went to the contact point on record
for the matched consumer (DESIGN §5), which the steps that today need such a code rely on.
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class SessionGrant:
    object_id: int
    until: float
    on_record: bool

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now().timestamp()) / 60))


def session_access_grant(
    session, key: str, object_id: int, *, minutes: int | None = None, on_record: bool = False
) -> None:
    """Grant access to `object_id` for `minutes` (STATUS_ACCESS_MINUTES by default), on a new session key."""
    session.cycle_key()  # a code proves who is at the keyboard now: drop any session id seen before
    minutes = settings.STATUS_ACCESS_MINUTES if minutes is None else minutes
    session[key] = {
        "id": object_id,
        "until": timezone.now().timestamp() + minutes * 60,
        "on_record": bool(on_record),
    }


def session_access(session, key: str) -> SessionGrant | None:
    """The live grant under `key`, or None (an expired grant is dropped)."""
    access = session.get(key) if session is not None else None
    if not access:
        return None
    if access["until"] < timezone.now().timestamp():
        session.pop(key, None)
        return None
    return SessionGrant(
        object_id=access["id"], until=access["until"], on_record=access.get("on_record") is True
    )


def session_access_id(session, key: str) -> int | None:
    """The object this session may still see under `key`, or None."""
    grant = session_access(session, key)
    return grant.object_id if grant else None
