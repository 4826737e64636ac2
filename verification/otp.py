"""One-time codes: 6+ digits from `secrets`, HMAC-hashed at rest, short-lived, single use, few tries."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OneTimeCode

CODE_DIGITS = 6


def _hash(scope: str, code: str) -> str:
    # Keyed and bound to the scope, so a leaked table row neither reveals a code nor works elsewhere.
    return hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{code}".encode(), hashlib.sha256).hexdigest()


def code_issue(*, scope: str, ttl_minutes: int | None = None) -> str:
    """Create a fresh code for `scope`, retiring any earlier one, and return it for delivery.

    `ttl_minutes` overrides OTP_TTL_MINUTES for codes sent by e-mail that people act on days later
    (an agent's consumer confirmation); the attempt limit still applies.
    """
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


def code_check(*, scope: str, code: str) -> bool:
    """Spend one attempt on the newest live code for `scope`; True only for a correct, fresh, unused code."""
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
