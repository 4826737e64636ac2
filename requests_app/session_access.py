"""Short-lived access that a one-time code grants to one browser session (status page, report download,
deletion confirmation, an agent's or a consumer's confirmation page).

The session holds only `{"id": <pk>, "until": <timestamp>}` under a key per purpose: never personal data,
never anything in a URL.
"""

from django.conf import settings
from django.utils import timezone


def session_access_grant(session, key: str, object_id: int, *, minutes: int | None = None) -> None:
    """Grant access to `object_id` for `minutes` (STATUS_ACCESS_MINUTES by default), on a new session key."""
    session.cycle_key()  # a code proves who is at the keyboard now: drop any session id seen before
    minutes = settings.STATUS_ACCESS_MINUTES if minutes is None else minutes
    session[key] = {"id": object_id, "until": timezone.now().timestamp() + minutes * 60}


def session_access_id(session, key: str) -> int | None:
    """The object this session may still see under `key`, or None (an expired grant is dropped)."""
    access = session.get(key) if session is not None else None
    if not access:
        return None
    if access["until"] < timezone.now().timestamp():
        session.pop(key, None)
        return None
    return access["id"]
