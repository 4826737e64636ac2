"""Write a starting dataset file for a live database, for a person to review before use.

    manage.py dataset_suggest --url-env COWORKING_DATABASE_URL --system member_accounts --output coworking.yaml
    manage.py dataset_suggest --url sqlite:///var/coworking.sqlite3 --system member_accounts

Reads the schema through SQLAlchemy inspection (tables, primary keys, foreign keys, indexes), guesses each
column's data-point type from its name and, failing that, from a few sampled values (kept in memory,
never printed or written), makes e-mail / phone / member-number columns identity keys, foreign keys
references, and proposes `set_null` for every personal field. The file names the environment variable
that holds the database URL, never the URL itself.
"""

import os
import re
from pathlib import Path

import sqlalchemy as sa
from django.core.management.base import BaseCommand, CommandError, CommandParser

from records.connectors.sql import driver_url, indexed_columns

# Column-name patterns, first match wins: (pattern on the lower-cased name, data-point type).
NAME_GUESSES = [
    (r"e_?mail", "email"),
    (r"phone|mobile|cell|^tel", "phone"),
    (r"member_?(no|num|number|id)$|membership_?(no|number)", "member_number"),
    (r"passport", "passport_number"),
    (r"driver|licen[cs]e", "drivers_license"),
    (r"ssn|social_security|tax_?id|national_id|government_id", "government_id"),
    (r"password|passwd|pwd", "account_password"),
    (r"security_(question|answer)", "security_answer"),
    (r"card_?(no|num|number|last4)|^pan$|iban|account_number", "payment_card"),
    (r"birth|^dob$", "date_of_birth"),
    (r"^ip$|ip_?addr", "ip_address"),
    (r"user_?agent|device|cookie|session_id", "online_identifier"),
    (r"first_?name|last_?name|full_?name|given_?name|family_?name|surname|^name$|billing_name", "full_name"),
    (r"street|address|city|zip|postal|post_?code|state$|country", "postal_address"),
    (r"invoice", "invoice"),
    (r"plan|membership", "membership_plan"),
    (r"message|comment|notes?$|body", "message_post"),
]
VALUE_GUESSES = [
    (re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE), "email"),
    (re.compile(r"^\+?[\d\s().-]{7,20}$"), "phone"),
    (re.compile(r"^\d{1,3}(\.\d{1,3}){3}$"), "ip_address"),
]
IDENTITY_TYPES = {"email": "email", "phone": "phone", "member_number": "member_number"}
COLLECTED_AT = ("created_at", "created", "inserted_at", "issued_at", "booked_at", "joined_at")


class Command(BaseCommand):
    help = "Suggest a dataset file (YAML) from a live database's schema, for review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", help="database URL (prefer --url-env: a URL with a password shows in ps)"
        )
        parser.add_argument("--url-env", default="DATASET_DATABASE_URL", help="variable the file will name")
        parser.add_argument("--system", default="CHANGE_ME", help="the data-map System code")
        parser.add_argument("--schema", default=None)
        parser.add_argument("--sample", type=int, default=20, help="values sampled per unnamed text column")
        parser.add_argument("--output", help="write here (default: standard output)")

    def handle(self, *args, **options) -> None:
        url = options["url"] or os.environ.get(options["url_env"], "")
        if not url:
            raise CommandError(f"give --url, or set {options['url_env']}")
        engine = sa.create_engine(driver_url(url), hide_parameters=True)
        try:
            with engine.connect() as conn:
                text = suggest(conn, system=options["system"], url_env=options["url_env"],
                               schema=options["schema"], sample=options["sample"])  # fmt: skip
        except sa.exc.SQLAlchemyError as exc:
            raise CommandError(f"cannot read the database schema ({type(exc).__name__})") from None
        finally:
            engine.dispose()
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {options['output']}: review every guess before use.")
        else:
            self.stdout.write(text, ending="")


def guess_type(conn: sa.Connection, table: sa.Table, column: sa.Column, sample: int) -> str:
    """From the name, else from sampled text values (all non-empty samples must agree)."""
    name = column.name.lower()
    for pattern, type_code in NAME_GUESSES:
        if re.search(pattern, name):
            return type_code
    if not isinstance(column.type, sa.String) or sample <= 0:
        return ""
    query = sa.select(table.c[column.name]).where(table.c[column.name].is_not(None)).limit(sample)
    values = [str(v).strip() for (v,) in conn.execute(query) if str(v).strip()]
    for pattern, type_code in VALUE_GUESSES:
        if values and all(pattern.match(v) for v in values):
            return type_code
    return ""


def suggest(conn: sa.Connection, *, system: str, url_env: str, schema: str | None, sample: int) -> str:
    inspector = sa.inspect(conn)
    metadata = sa.MetaData()
    tables: dict[str, dict] = {}
    for name in sorted(inspector.get_table_names(schema=schema)):
        table = sa.Table(name, metadata, autoload_with=conn, schema=schema)
        pk = inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or []
        fields = {c.name: guess_type(conn, table, c, sample) for c in table.columns if c.name not in pk}
        refs = {
            fk["constrained_columns"][0]: f"{fk['referred_table']}.{fk['referred_columns'][0]}"
            for fk in inspector.get_foreign_keys(name, schema=schema)
            if len(fk["constrained_columns"]) == 1
        }
        tables[name] = {
            "pk": pk,
            "fields": {c: t for c, t in fields.items() if t and c not in refs},
            "refs": refs,
            "indexed": indexed_columns(inspector, name, schema),
            "collected_at": next((c.name for c in table.columns if c.name in COLLECTED_AT), ""),
        }
    reached = _reachable(tables)
    return _render(tables, reached, system=system, url_env=url_env, schema=schema)


def _identity(table: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for column, type_code in table["fields"].items():
        kind = IDENTITY_TYPES.get(type_code)
        if kind and kind not in found:
            found[kind] = column
    return found


def _reachable(tables: dict[str, dict]) -> set[str]:
    reached = {name for name, t in tables.items() if _identity(t)}
    changed = True
    while changed:
        changed = False
        for name, t in tables.items():
            for target in (ref.split(".")[0] for ref in t["refs"].values()):
                if target in tables and (name in reached) != (target in reached):
                    reached |= {name, target}
                    changed = True
    return {name for name in reached if tables[name]["fields"] or tables[name]["refs"]}


def _render(
    tables: dict[str, dict], reached: set[str], *, system: str, url_env: str, schema: str | None
) -> str:
    lines = [
        "# Suggested by `manage.py dataset_suggest`: review every type and erase action before use.",
        "# Types were guessed from column names and sampled values; erase: set_null is only a start.",
        "version: 1",
        "kind: sql",
        f"system: {system}",
        "source: direct",
        "connection:",
        f"  url_env: {url_env}",
    ]
    if schema:
        lines.append(f"schema: {schema}")
    lines.append("tables:")
    for name in sorted(reached):
        t = tables[name]
        lines.append(f"  {name}:")
        if len(t["pk"]) == 1:
            lines.append(f"    primary_key: {t['pk'][0]}")
        else:
            lines.append("    # no single-column primary key: add one, or give the table a key column")
        identity = _identity(t)
        for column in identity.values():
            if column not in t["indexed"]:
                lines.append(f"    # {column} has no index: add one before use (lookups must not scan)")
        if identity:
            lines.append("    identity: {" + ", ".join(f"{k}: {c}" for k, c in identity.items()) + "}")
        if t["refs"]:
            lines.append("    references: {" + ", ".join(f"{c}: {r}" for c, r in t["refs"].items()) + "}")
        if t["collected_at"]:
            lines.append(f"    collected_at: {t['collected_at']}")
        lines.append("    fields:")
        for column, type_code in t["fields"].items():
            lines.append(f"      {column}: {{type: {type_code}, erase: set_null}}")
        if not t["fields"]:
            lines.append("      # no personal column guessed: list at least one, or drop this table")
    left = sorted(set(tables) - reached)
    if left:
        lines.append(
            f"# Not included (no personal column guessed, or not linked to an identity table): {', '.join(left)}"
        )
    return "\n".join(lines) + "\n"
