"""Import consumers from a CSV file (email, first_name, last_name, phone, member_number, street, city,
state, zip, date_of_birth), normalised as intake does and checked against the suppression list."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.imports import ConsumerRow, consumers_import
from verification.normalize import (
    NormalizationError,
    normalize_dob,
    normalize_email,
    normalize_member_number,
    normalize_name,
    normalize_phone,
    normalize_street,
    normalize_zip,
)


def row_from_csv(record: dict) -> ConsumerRow:
    def get(name: str) -> str:
        return (record.get(name) or "").strip()

    return ConsumerRow(
        email=normalize_email(get("email")),
        first_name=get("first_name"),
        last_name=get("last_name"),
        name_normalized=normalize_name(f"{get('first_name')} {get('last_name')}"),
        phone=normalize_phone(get("phone")) if get("phone") else "",
        member_number=normalize_member_number(get("member_number")) if get("member_number") else None,
        street=get("street"),
        street_normalized=normalize_street(get("street")) if get("street") else "",
        city=get("city"),
        state=get("state").upper()[:2],
        zip5=normalize_zip(get("zip")) if get("zip") else "",
        date_of_birth=normalize_dob(get("date_of_birth")) if get("date_of_birth") else None,
    )


class Command(BaseCommand):
    help = "Import consumers from CSV; people on the suppression list (erased) are skipped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("csv_path", type=Path)

    def handle(self, *args, csv_path: Path, **opts) -> None:
        rows, invalid = [], 0
        try:
            with csv_path.open(newline="", encoding="utf-8") as handle:
                for record in csv.DictReader(handle):
                    try:
                        rows.append(row_from_csv(record))
                    except NormalizationError:
                        invalid += 1  # the value is not echoed: it is personal data
        except OSError as exc:
            raise CommandError(f"Cannot read {csv_path}: {exc.strerror}") from None
        report = consumers_import(rows=rows)
        self.stdout.write(
            f"created {report.created}, already known {report.existing}, "
            f"suppressed (erased earlier) {report.suppressed}, invalid {invalid}"
        )
