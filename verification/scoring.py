"""Which identity data points a requester's claims match in a stored record."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, fields
from datetime import date

from rapidfuzz import fuzz

DATA_POINTS = ("email", "phone", "member_number", "name", "street_zip", "dob")
_EXACT_KEYS = ("email", "phone", "member_number")
STREET_THRESHOLD = 90.0


@dataclass(frozen=True, repr=False)
class Identity:
    """Already-normalised identity values (see verification.normalize); any may be None."""

    email: str | None = None
    phone: str | None = None
    member_number: str | None = None
    name: str | None = None
    street: str | None = None
    zip5: str | None = None
    dob: date | None = None

    def __repr__(self) -> str:
        # Personal data must not reach logs or tracebacks: show which fields are set, not their values.
        present = ", ".join(f.name for f in fields(self) if getattr(self, f.name) is not None)
        return f"Identity(<{present}>)"


def name_similarity(a: str, b: str) -> float:
    """Similarity of two normalised names, 0..100, regardless of word order."""
    if not a or not b:
        return 0.0
    return fuzz.token_sort_ratio(a, b)


def _same_text(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _name_match(a: str | None, b: str | None, threshold: float) -> bool:
    if not a or not b:
        return False
    return name_similarity(a, b) >= threshold


def _street_zip_match(claimed: Identity, stored: Identity) -> bool:
    if not (claimed.street and stored.street and claimed.zip5 and stored.zip5):
        return False
    return claimed.zip5 == stored.zip5 and fuzz.ratio(claimed.street, stored.street) >= STREET_THRESHOLD


def matched_points(claimed: Identity, stored: Identity, *, name_threshold: float = 90.0) -> tuple[str, ...]:
    """Names of the data points (in DATA_POINTS order) on which ``claimed`` matches ``stored``.

    A value missing on either side never matches. Street and ZIP count together as one point.
    """
    matches = {
        "email": _same_text(claimed.email, stored.email),
        "phone": _same_text(claimed.phone, stored.phone),
        "member_number": _same_text(claimed.member_number, stored.member_number),
        "name": _name_match(claimed.name, stored.name, name_threshold),
        "street_zip": _street_zip_match(claimed, stored),
        "dob": claimed.dob is not None and claimed.dob == stored.dob,
    }
    return tuple(point for point in DATA_POINTS if matches[point])


def candidate_keys(claimed: Identity) -> dict[str, str]:
    """The claimed values usable for an exact, indexed lookup of candidate records."""
    return {key: value for key in _EXACT_KEYS if (value := getattr(claimed, key))}
