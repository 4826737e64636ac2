"""One-time codes: 6+ digits from `secrets`, HMAC-hashed at rest, short-lived, single use, few tries.

Callers that pass `address` (when issuing) or `ip` (when checking) also get throttles counted in the
cache: codes per address and per scope per hour, checks per IP per 15 minutes (DESIGN §5).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import VerificationError
from .models import OneTimeCode

CODE_DIGITS = 6


def _hash(scope: str, code: str) -> str:
    # Keyed and bound to the scope, so a leaked table row neither reveals a code nor works elsewhere.
    return hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{code}".encode(), hashlib.sha256).hexdigest()


def _key(kind: str, value: str) -> str:
    # Cache keys hold a keyed hash, never an address itself.
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]
    return f"otp:{kind}:{digest}"


def _over_limit(key: str, *, limit: int, seconds: int) -> bool:
    """Count one hit on `key`; True once more than `limit` hits fell in the window."""
    if cache.add(key, 1, seconds):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count > limit


def code_issue(*, scope: str, address: str | None = None, ttl_minutes: int | None = None) -> str:
    """Create a fresh code for `scope`, retiring any earlier one, and return it for delivery.

    With `address` (where the code will go), refuses with VerificationError(code="rate_limited")
    when that address or this scope had too many codes in the last hour. `ttl_minutes` overrides
    OTP_TTL_MINUTES for codes sent by e-mail that people act on days later (an agent's consumer
    confirmation); the attempt limit still applies.
    """
    if address is not None and (
        _over_limit(
            _key("issue-address", address), limit=settings.OTP_ISSUE_PER_ADDRESS_PER_HOUR, seconds=3600
        )
        or _over_limit(_key("issue-scope", scope), limit=settings.OTP_ISSUE_PER_SCOPE_PER_HOUR, seconds=3600)
    ):
        raise VerificationError(
            _("We have sent several codes already. Please wait an hour before asking for another."),
            code="rate_limited",
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        OneTimeCode.objects.filter(scope=scope, used_at__isnull=True).update(used_at=now)
        OneTimeCode.objects.create(
            scope=scope,
            code_hash=_hash(scope, code),
            expires_at=now + timedelta(minutes=ttl_minutes or settings.OTP_TTL_MINUTES),
        )
    return code


def code_check(*, scope: str, code: str, ip: str | None = None) -> bool:
    """Spend one attempt on the newest live code for `scope`; True only for a correct, fresh, unused code.

    With `ip`, refuses with VerificationError(code="rate_limited") when that address made too many
    checks in the last 15 minutes (whatever the scope), before any attempt is spent.
    """
    if ip is not None and _over_limit(
        _key("check-ip", ip), limit=settings.OTP_CHECKS_PER_IP_PER_15_MIN, seconds=900
    ):
        raise VerificationError(
            _("Too many attempts from your network. Please wait 15 minutes and try again."),
            code="rate_limited",
        )
    code = "".join(code.split())
    now = timezone.now()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(scope=scope, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None or otp.expires_at <= now or otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            return False
        otp.attempts += 1
        ok = hmac.compare_digest(otp.code_hash, _hash(scope, code))
        if ok:
            otp.used_at = now
        otp.save(update_fields=["attempts", "used_at"])
        return ok
