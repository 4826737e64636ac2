"""Bringing consumers in from elsewhere (a CRM export, a restored backup, a partner feed).

Every row is checked against the suppression list first: a person whose data we erased is not brought
back by an import (their row is counted, not stored, and not logged).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from .models import Consumer
from .suppression import suppression_matches


@dataclass(frozen=True)
class ConsumerRow:
    """One person, identifiers already normalised (verification.normalize) the way Consumer stores them."""

    email: str
    first_name: str
    last_name: str
    name_normalized: str
    phone: str = ""
    member_number: str | None = None
    street: str = ""
    street_normalized: str = ""
    city: str = ""
    state: str = ""
    zip5: str = ""
    date_of_birth: date | None = None


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    suppressed: int = 0
    suppressed_by: dict[str, int] = field(default_factory=dict)


def consumers_import(*, rows: Iterable[ConsumerRow]) -> ImportReport:
    """Create the consumers that are neither known (same member number or e-mail) nor suppressed."""
    report = ImportReport()
    with transaction.atomic():
        for row in rows:
            matched = suppression_matches(email=row.email, phone=row.phone, member_number=row.member_number)
            if matched:
                report.suppressed += 1
                for kind in matched:
                    report.suppressed_by[kind] = report.suppressed_by.get(kind, 0) + 1
                continue
            known = Consumer.objects.filter(email=row.email)
            if row.member_number:
                known = known | Consumer.objects.filter(member_number=row.member_number)
            if known.exists():
                report.existing += 1
                continue
            Consumer.objects.create(**row.__dict__)
            report.created += 1
    return report
