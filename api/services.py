"""API tokens: created with the secret shown once (only its SHA-256 is stored), revoked, and every use
audited (token, method, path: no query string, no body, no personal data)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.mfa import staff_event_record

from .exceptions import ApiError
from .models import ApiToken, ApiTokenUse

TOKEN_PREFIX = "rk_"  # noqa: S105 (the marker every token starts with, not a secret)
DEFAULT_DAYS = 90
MAX_DAYS = 365
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at written at most once a minute per token


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # the whole bearer value; shown once, never stored


def api_token_create(
    *, user, name: str, days: int = DEFAULT_DAYS, now: datetime | None = None, actor=None
) -> CreatedToken:
    """A new token for `user`; with `actor` (a staff member on /staff/api-tokens/) the creation is audited
    as a StaffEvent (token prefix and owner, never the secret)."""
    name = (name or "").strip()
    if not name:
        raise ApiError(_("Name the token (what it is for)."), code="missing_name")
    if not 1 <= days <= MAX_DAYS:
        raise ApiError(_("A token lives between 1 and %(max)d days.") % {"max": MAX_DAYS}, code="bad_expiry")
    now = now or timezone.now()
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=prefix,
            secret_hash=token_hash(secret),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        if actor is not None:
            _token_event(name="api.token.created", actor=actor, token=token, data={"days": days})
    return CreatedToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    """Revoke once (a second call changes nothing); with `actor`, audited as a StaffEvent."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        already = locked.revoked_at is not None
        if not already:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
        if actor is not None:
            _token_event(name="api.token.revoked", actor=actor, token=locked, data={"already": already})
    return locked


def api_tokens_list(*, actor, everyone: bool) -> list[ApiToken]:
    """The actor's own tokens, or everyone's; looking is audited too (who saw which list)."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    if not everyone:
        tokens = tokens.filter(user=actor)
    staff_event_record(name="api.token.listed", actor=actor, data={"scope": "all" if everyone else "own"})
    return list(tokens[:500])


def _token_event(*, name: str, actor, token: ApiToken, data: dict) -> None:
    staff_event_record(
        name=name, actor=actor, data={"token": token.prefix, "owner_id": token.user_id, **data}
    )


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The usable token with this secret, or None (unknown, expired or revoked alike)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(secret_hash=token_hash(secret)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    return token


def api_token_use_record(*, token: ApiToken, method: str, path: str) -> None:
    """Audit one use. The path is the URL path only (references are random and not personal data),
    percent-encoded as sent so that control characters (a NUL PostgreSQL refuses) are stored as text."""
    now = timezone.now()
    path = quote(path, safe="/-_.~:@")
    ApiTokenUse.objects.create(token=token, at=now, method=quote(method, safe="")[:8], path=path[:200])
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
