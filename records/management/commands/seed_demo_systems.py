"""The demo's second system: RakuNest's co-working management database, with no server (development only).

Creates the database that `records/datasets/demo_coworking.yaml` describes (members, bookings and
invoices that reference members, identity columns indexed), fills it with Maya Chen and Diego Álvarez
(the identifiers seed_demo gives them, normalised as the portal stores them) and a few hundred synthetic
rows, and registers it in the data map as the System `coworking_management` (connector sql, that file);
and registers the front desk's paper visitor log as a manual System whose owner answers by e-mailed link.
The database URL comes only from the environment variable the file names (DEMO_COWORKING_DATABASE_URL;
`make run` points it at var/demo-coworking.sqlite3).

    manage.py seed_demo_systems              create what is missing; demo members topped up
    manage.py seed_demo_systems --if-empty   nothing when the database already holds members
    manage.py seed_demo_systems --reset      drop the demo tables first (a fresh demo after an erasure)

Running it again changes nothing that is already there, and never re-creates a person erased at their
request (the suppression list, as seed_demo).
"""

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Max
from faker import Faker

from records.connectors.datasets import DatasetError, SqlDataset, load_dataset
from records.connectors.registry import system_dataset
from records.connectors.sql import driver_url
from records.models import DataCategory, Purpose, Recipient, Source, System
from records.suppression import suppression_check
from requests_app.management.commands.seed_demo import DEMO_PERSONS
from verification.normalize import normalize_email, normalize_member_number, normalize_phone

DATASET = "records/datasets/demo_coworking.yaml"
SYSTEM_CODE = "coworking_management"
SYSTEM = {
    "name": "Co-working management system",
    "description": "Your member profile, desk and meeting-room bookings and invoices for our co-working spaces.",
    "erasure": System.Erasure.DELETE,
    "retention": (
        "Kept while your membership is active and for 2 years after it ends. When you ask us to delete "
        "your information, your bookings are deleted, and your name, contact details, address, date of "
        "birth and accessibility needs are removed from your member profile and your invoices. The "
        "invoices themselves (number, what was billed and the amount) are kept for 7 years because tax "
        "and accounting law requires it (policy §7)."
    ),
}
# Policy §2–§4 for a member system: what it holds, from whom, why, and who hosts it.
CATEGORIES = ("identifiers", "customer_records", "commercial", "protected_classifications")
SOURCES = ("direct",)
PURPOSES = ("provide_services", "communicate", "protection")
RECIPIENTS = ("it_hosting",)

# A system without an API: the front desk's paper visitor log. Its owner answers each request through
# the e-mailed link (requests_app/systems); the demo owner's mail lands in var/mail/ like every other,
# and records/datasets/demo_visitor_log.csv is what the front desk would upload for Maya Chen.
MANUAL_SYSTEM_CODE = "front_desk_visitor_log"
MANUAL_SYSTEM = {
    "name": "Front desk visitor log (paper)",
    "description": "The sign-in sheets at our front desks: your name, phone and when you visited.",
    "erasure": System.Erasure.DELETE,
    "retention": "Sign-in sheets are kept for 1 year for building security, then shredded.",
    "retention_days": 365,
    "owner_email": "frontdesk@rakunest.example",
}
MANUAL_CATEGORIES = ("identifiers", "customer_records")
MANUAL_PURPOSES = ("protection",)

FIRST_RANDOM_MEMBER = 9_000_000  # RN09000000 on: never a number seed_demo gives a portal consumer
RANDOM_AREA_CODES = ("628", "669", "831", "925")  # not seed_demo's: no phone shared by accident
SPACES = ("Hot desk", "Dedicated desk 14", "Meeting room Sakura", "Meeting room Fuji", "Focus booth 2")
PLANS = {"Hot desk": 250, "Dedicated desk": 450, "Private office": 1200, "Digital": 30}

metadata = sa.MetaData()
members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("member_no", sa.String(16), unique=True),
    sa.Column("email", sa.String(254), index=True),
    sa.Column("phone", sa.String(20), index=True),
    sa.Column("first_name", sa.String(80), nullable=False),
    sa.Column("last_name", sa.String(80), nullable=False),
    sa.Column("street", sa.String(200)),
    sa.Column("city", sa.String(80)),
    sa.Column("zip", sa.String(10)),
    sa.Column("birth_date", sa.Date),
    sa.Column("plan", sa.String(40)),
    sa.Column("accessibility_needs", sa.String(200)),
    sa.Column("joined_at", sa.DateTime, nullable=False),
)
bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), index=True, nullable=False),
    sa.Column("space", sa.String(80), nullable=False),
    sa.Column("booked_for", sa.Date, nullable=False),
    sa.Column("booked_at", sa.DateTime, nullable=False),
)
invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), index=True, nullable=False),
    sa.Column("number", sa.String(20), unique=True, nullable=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("amount", sa.String(20), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("billing_name", sa.String(160)),
    sa.Column("billing_address", sa.String(300)),
    sa.Column("issued_at", sa.DateTime, nullable=False),
)

# What the demo persons hold here besides their identifiers (README: "rich records in every system").
DEMO_EXTRAS = {
    "RN00000001": {
        "plan": "Dedicated desk",
        "accessibility_needs": "Step-free desk near the entrance",
        "joined_at": datetime(2022, 3, 1, 9, 0, tzinfo=UTC),
        "bookings": [
            ("Meeting room Sakura", date(2025, 3, 4)),
            ("Focus booth 2", date(2025, 4, 17)),
            ("Meeting room Fuji", date(2025, 6, 9)),
        ],
        "invoices": [("Dedicated desk, March 2025", 450), ("Dedicated desk, April 2025", 450)],
    },
    "RN00000002": {
        "plan": "Hot desk",
        "accessibility_needs": None,
        "joined_at": datetime(2023, 1, 16, 10, 30, tzinfo=UTC),
        "bookings": [("Hot desk", date(2025, 5, 2)), ("Meeting room Sakura", date(2025, 5, 20))],
        "invoices": [("Hot desk, May 2025", 250)],
    },
}


class Command(BaseCommand):
    help = "Create the demo co-working database (SQLite by default) and its data-map System (DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=150, help="random members (default 150)")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when members exist")
        parser.add_argument("--reset", action="store_true", help="drop the demo tables first")

    def handle(self, *args, **opts) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo co-working system holds made-up people: refused when DJANGO_DEBUG is off."
            )
        try:
            dataset = load_dataset(Path(settings.BASE_DIR) / DATASET, system=SYSTEM_CODE)
        except DatasetError as exc:  # e.g. the variable is not set: the message names it
            raise CommandError(str(exc)) from None
        if not isinstance(dataset, SqlDataset):
            raise CommandError(f"{DATASET} must describe an SQL database")
        engine = _engine(dataset)
        try:
            with engine.begin() as conn:
                if opts["reset"]:
                    metadata.drop_all(conn)
                metadata.create_all(conn)  # checkfirst: tables and indexes that are missing
                held = conn.execute(sa.select(sa.func.count()).select_from(members)).scalar_one()
                if opts["if_empty"] and held:
                    added = None
                else:
                    added = _fill(conn, random_members=0 if held else opts["members"], seed=opts["seed"])
                counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                          for t in (members, bookings, invoices)}  # fmt: skip
        finally:
            engine.dispose()
        system, created = system_register(update=not opts["if_empty"])
        manual_system_register(update=not opts["if_empty"])
        try:
            system_dataset(system)  # validated against the data map in the database, as fulfilment will
        except DatasetError as exc:
            raise CommandError(str(exc)) from None
        held_text = ", ".join(f"{n} {table}" for table, n in counts.items())
        did = (
            "already present; nothing added"
            if added is None
            else f"{added[0]} demo and {added[1]} random members added"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Co-working system ({SYSTEM_CODE}, {'registered' if created else 'already registered'}): "
                f"{held_text}; {did}."
            )
        )
        self.stdout.write(
            f"Check it: manage.py connector_check {SYSTEM_CODE} --identity-email maya.chen@example.com"
        )
        self.stdout.write(
            f"Manual system {MANUAL_SYSTEM_CODE}: its owner's tasks are e-mailed to "
            f"{MANUAL_SYSTEM['owner_email']} (var/mail/)."
        )


def _engine(dataset: SqlDataset) -> sa.Engine:
    url = sa.engine.make_url(driver_url(dataset.url()))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)


@transaction.atomic
def system_register(*, update: bool = True) -> tuple[System, bool]:
    """The data-map System for the demo database; `update` resets it to this file's description."""
    system, created = System.objects.get_or_create(
        code=SYSTEM_CODE,
        defaults={
            **SYSTEM,
            "connector": System.Connector.SQL,
            "dataset_path": DATASET,
            "position": (System.objects.aggregate(last=Max("position"))["last"] or 0) + 1,
        },
    )
    if created or update:
        for name, value in {**SYSTEM, "connector": System.Connector.SQL, "dataset_path": DATASET}.items():
            setattr(system, name, value)
        system.save()
        system.categories.set(DataCategory.objects.filter(code__in=CATEGORIES))
        system.sources.set(Source.objects.filter(code__in=SOURCES))
        system.purposes.set(Purpose.objects.filter(code__in=PURPOSES))
        system.recipients.set(Recipient.objects.filter(code__in=RECIPIENTS))
    return system, created


@transaction.atomic
def manual_system_register(*, update: bool = True) -> tuple[System, bool]:
    """The data-map System of the paper visitor log (connector manual, answered by its owner)."""
    system, created = System.objects.get_or_create(
        code=MANUAL_SYSTEM_CODE,
        defaults={
            **MANUAL_SYSTEM,
            "connector": System.Connector.MANUAL,
            "position": (System.objects.aggregate(last=Max("position"))["last"] or 0) + 1,
        },
    )
    if created or update:
        for name, value in {**MANUAL_SYSTEM, "connector": System.Connector.MANUAL}.items():
            setattr(system, name, value)
        system.save()
        system.categories.set(DataCategory.objects.filter(code__in=MANUAL_CATEGORIES))
        system.sources.set(Source.objects.filter(code__in=SOURCES))
        system.purposes.set(Purpose.objects.filter(code__in=MANUAL_PURPOSES))
    return system, created


def _fill(conn: sa.Connection, *, random_members: int, seed: int) -> tuple[int, int]:
    """Demo persons who are missing (and not erased at their request), then random members once."""
    ids = {
        t.name: conn.execute(sa.select(sa.func.max(t.c.id))).scalar_one() or 0
        for t in (members, bookings, invoices)
    }
    rows: dict[str, list[dict]] = {"members": [], "bookings": [], "invoices": []}

    def add(table: str, row: dict) -> int:
        ids[table] += 1
        rows[table].append({"id": ids[table], **{k: _stored(v) for k, v in row.items()}})
        return ids[table]

    present = set(
        conn.execute(sa.select(members.c.member_no).where(members.c.member_no.is_not(None))).scalars()
    )
    demo_added = 0
    for person in (p for p in DEMO_PERSONS if p["member_number"] in DEMO_EXTRAS):
        member_no = normalize_member_number(person["member_number"])
        email, phone = normalize_email(person["email"]), normalize_phone(person["phone"])
        if member_no in present or suppression_check(email=email, phone=phone, member_number=member_no):
            continue
        extras = DEMO_EXTRAS[member_no]
        address = f"{person['street']}, {person['city']}, {person['state']} {person['zip5']}"
        member_id = add(
            "members",
            {"member_no": member_no, "email": email, "phone": phone, "first_name": person["first_name"],
             "last_name": person["last_name"], "street": person["street"], "city": person["city"],
             "zip": person["zip5"], "birth_date": person["date_of_birth"], "plan": extras["plan"],
             "accessibility_needs": extras["accessibility_needs"], "joined_at": extras["joined_at"]},
        )  # fmt: skip
        for space, day in extras["bookings"]:
            add("bookings", _booking(member_id, space, day))
        for n, (description, dollars) in enumerate(extras["invoices"]):
            issued = extras["joined_at"].replace(year=2025, month=3 + n, day=1)
            name = f"{person['first_name']} {person['last_name']}"
            add(
                "invoices",
                _invoice(ids["invoices"] + 1, member_id, description, dollars, name, address, issued),
            )
        demo_added += 1
    _random(add, ids, random_members, seed)
    for table in (members, bookings, invoices):  # members first: the others reference them
        if rows[table.name]:
            conn.execute(table.insert(), rows[table.name])
    return demo_added, random_members


def _random(add, ids: dict[str, int], count: int, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (made-up demo rows, reproducible by --seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    for n in range(count):
        first, last = fake.first_name(), fake.last_name()
        joined = start + timedelta(minutes=rng.randrange(60 * 24 * 1200))
        plan = rng.choice(list(PLANS))
        member_id = add(
            "members",
            {"member_no": f"RN{FIRST_RANDOM_MEMBER + n:08d}", "email": f"{first}.{last}.{n}@example.net".lower(),
             "phone": _phone(rng), "first_name": first, "last_name": last, "street": fake.street_address(),
             "city": fake.city(), "zip": f"9{rng.randrange(4000, 6200):04d}",
             "birth_date": date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)), "plan": plan,
             "accessibility_needs": None, "joined_at": joined},
        )  # fmt: skip
        for _ in range(rng.randrange(5)):
            day = (joined + timedelta(days=rng.randrange(1, 900))).date()
            add("bookings", _booking(member_id, rng.choice(SPACES), day))
        address = f"{fake.street_address()}, {fake.city()}, CA 9{rng.randrange(4000, 6200):04d}"
        for _ in range(rng.randrange(4)):
            issued = joined + timedelta(days=rng.randrange(1, 900))
            month = f"{plan}, {issued:%B %Y}"
            add("invoices", _invoice(ids["invoices"] + 1, member_id, month, PLANS[plan], f"{first} {last}", address, issued))  # fmt: skip


def _phone(rng: random.Random) -> str:
    while True:  # a valid US number (libphonenumber's rules), in E.164 as the portal stores phones
        try:
            return normalize_phone(f"+1{rng.choice(RANDOM_AREA_CODES)}{rng.randrange(2000000, 9999999)}")
        except ValueError:
            continue


def _booking(member_id: int, space: str, day: date) -> dict:
    booked_at = datetime(day.year, day.month, day.day, 8, 15, tzinfo=UTC) - timedelta(days=3)
    return {"member_id": member_id, "space": space, "booked_for": day, "booked_at": booked_at}


def _invoice(
    invoice_id: int, member_id: int, description: str, dollars: int, name: str, address: str, issued: datetime
) -> dict:
    return {
        "member_id": member_id,
        "number": f"INV-{issued.year}-{invoice_id:05d}",
        "description": description,
        "amount": f"${dollars:,.2f}",
        "status": "paid",
        "billing_name": name,
        "billing_address": address,
        "issued_at": issued,
    }


def _stored(value):
    """Times in UTC without a zone, as many business databases keep them (the connector reads them as UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value
