"""Find the consumer a requester claims to be (DESIGN §5).

Candidates come only from exact lookups on indexed, normalised keys (e-mail, phone, member number),
OR-ed into one query that PostgreSQL answers with a bitmap OR of three index scans: the cost does not
grow with the table. Every candidate is then scored with verification.scoring.matched_points.

The claimed e-mail counts as a data point only once the requester has proven control of it by code:
callers pass `email` in the claimed Identity only after that proof.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from records.models import Consumer

from .scoring import Identity, candidate_keys, matched_points

MATCHED, NONE, AMBIGUOUS = "matched", "none", "ambiguous"
_FIELDS = ("id", "email", "phone", "member_number", "name_normalized", "street_normalized", "zip5")


@dataclass(frozen=True)
class MatchResult:
    outcome: str  # "matched" | "none" | "ambiguous"
    consumer_id: int | None  # set only when outcome == "matched"
    points: tuple[str, ...]  # data-point names matched for that consumer (scoring.DATA_POINTS)
    candidate_ids: tuple[int, ...] = ()  # for ambiguous
    # For ambiguous: (consumer id, data-point names matched) per candidate, for staff to decide on.
    candidate_points: tuple[tuple[int, tuple[str, ...]], ...] = ()


def stored_identity(consumer: Consumer) -> Identity:
    return Identity(
        email=consumer.email or None,
        phone=consumer.phone or None,
        member_number=consumer.member_number or None,
        name=consumer.name_normalized or None,
        street=consumer.street_normalized or None,
        zip5=consumer.zip5 or None,
        dob=consumer.date_of_birth,
    )


def candidates_query(claimed: Identity):
    """The one indexed query for candidates (exposed for the benchmark's EXPLAIN)."""
    keys = candidate_keys(claimed)
    condition = Q()
    for field, value in keys.items():
        condition |= Q(**{field: value})
    return (
        Consumer.objects.filter(condition, erased_at__isnull=True)
        .only(*_FIELDS, "date_of_birth")
        .order_by()[: settings.VERIFICATION_MAX_CANDIDATES]
    )


def consumer_match(*, claimed: Identity, name_threshold: float | None = None) -> MatchResult:
    """The consumer whose stored record clears the bar for `claimed`, or none, or ambiguous.

    The bar is the lowest level any kind needs (settings.VERIFICATION_POINTS). Two or more candidates
    clearing it go to staff as ambiguous, even when one scores higher: the law lets us disclose only
    when we are reasonably sure, and people sharing a phone and an address are the case to look at.
    """
    if not candidate_keys(claimed):
        return MatchResult(NONE, None, ())
    threshold = settings.VERIFICATION_NAME_THRESHOLD if name_threshold is None else name_threshold
    bar = min(settings.VERIFICATION_POINTS.values())
    cleared = []
    for consumer in candidates_query(claimed):
        points = matched_points(claimed, stored_identity(consumer), name_threshold=threshold)
        if len(points) >= bar:
            cleared.append((consumer.pk, points))
    if not cleared:
        return MatchResult(NONE, None, ())
    if len(cleared) > 1:
        cleared.sort()
        return MatchResult(
            AMBIGUOUS,
            None,
            (),
            tuple(pk for pk, _ in cleared),
            tuple((pk, tuple(points)) for pk, points in cleared),
        )
    consumer_id, points = cleared[0]
    return MatchResult(MATCHED, consumer_id, points, (consumer_id,))
