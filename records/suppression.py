"""The suppression list: keyed hashes of the identifiers of consumers whose data we erased.

An import or a restore that brings an erased person back is caught here (CCPA §1798.105; Regs
§7022(b)(1): deletion must stick). Values passed in must already be normalised the way Consumer stores
them (verification.normalize); the key (SUPPRESSION_HASH_KEY) never leaves the portal.
"""

import hashlib
import hmac

from django.conf import settings
from django.db.models import Q

from .models import SuppressionEntry

Kind = SuppressionEntry.Kind


def _digest(kind: str, value: str) -> str:
    key = settings.SUPPRESSION_HASH_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _pairs(email: str, phone: str, member_number: str) -> list[tuple[str, str]]:
    values = ((Kind.EMAIL, email), (Kind.PHONE, phone), (Kind.MEMBER_NUMBER, member_number))
    return [(kind, _digest(kind, value)) for kind, value in values if value]


def suppression_record(*, email: str = "", phone: str = "", member_number: str | None = "") -> int:
    """Add the identifiers (normalised) to the list (idempotent); returns how many were given."""
    entries = [
        SuppressionEntry(kind=kind, digest=digest)
        for kind, digest in _pairs(email, phone, member_number or "")
    ]
    SuppressionEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def suppression_matches(*, email: str = "", phone: str = "", member_number: str | None = "") -> set[str]:
    """Which of the (normalised) identifiers belong to an erased consumer (a shared family phone can
    match alone: callers that import decide whether a phone-only match is enough to hold a row back)."""
    pairs = _pairs(email, phone, member_number or "")
    if not pairs:
        return set()
    query = Q()
    for kind, digest in pairs:
        query |= Q(kind=kind, digest=digest)
    return set(SuppressionEntry.objects.filter(query).values_list("kind", flat=True))


def suppression_check(*, email: str = "", phone: str = "", member_number: str | None = "") -> bool:
    """True when any of the (normalised) identifiers belongs to an erased consumer."""
    return bool(suppression_matches(email=email, phone=phone, member_number=member_number))
