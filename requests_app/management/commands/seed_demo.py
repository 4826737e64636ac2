"""Synthetic consumers and records for demos, tests and benchmarks.

Creates the documented demo persons (README) and N random consumers. Random people come from small
pools that Faker fills once, so that a million rows take seconds of Python and not hours of Faker.
"""

import random
from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from faker import Faker
from tqdm import tqdm

from records.models import Consumer, DataPoint, DataPointType, Source, System
from records.suppression import suppression_check
from verification.normalize import normalize_email, normalize_name, normalize_phone, normalize_street

DEMO_PERSONS = [
    # The README lists these; every flow can be tried with them.
    {
        "member_number": "RN00000001",
        "first_name": "Maya",
        "last_name": "Chen",
        "email": "maya.chen@example.com",
        "phone": "+14155550101",
        "street": "123 Market Street",
        "city": "San Francisco",
        "state": "CA",
        "zip5": "94105",
        "date_of_birth": date(1990, 4, 2),
        "rich": True,
    },
    {
        "member_number": "RN00000002",
        "first_name": "Diego",
        "last_name": "Álvarez",
        "email": "diego.alvarez@example.com",
        "phone": "+14155550102",
        "street": "45 Ocean Avenue",
        "city": "Santa Cruz",
        "state": "CA",
        "zip5": "95060",
        "date_of_birth": date(1985, 11, 20),
        "rich": True,
    },
    {
        "member_number": "RN00000003",
        "first_name": "Sam",
        "last_name": "Lee",
        "email": "sam.lee@example.com",
        "phone": "+14155550103",
        "street": "9 Elm Court",
        "city": "Palo Alto",
        "state": "CA",
        "zip5": "94301",
        "date_of_birth": date(2011, 6, 1),
        "rich": False,
    },
    {
        "member_number": "RN00000004",
        "first_name": "Jordan",
        "last_name": "Kim",
        "email": "jordan.kim@example.com",
        "phone": "+14155550104",
        "street": "700 Hamilton Avenue",
        "city": "Menlo Park",
        "state": "CA",
        "zip5": "94025",
        "date_of_birth": date(1979, 8, 14),
        "rich": False,
    },
    {
        "member_number": "RN00000005",
        "first_name": "Jordan",
        "last_name": "Kim",
        "email": "jkim.family@example.com",
        "phone": "+14155550104",
        "street": "700 Hamilton Avenue",
        "city": "Menlo Park",
        "state": "CA",
        "zip5": "94025",
        "date_of_birth": date(1979, 8, 14),
        "rich": False,
    },
]
FIRST_RANDOM_MEMBER = 1000
BATCH = 5000


def _consumer(person: dict) -> Consumer:
    return Consumer(
        member_number=person["member_number"],
        email=normalize_email(person["email"]),
        phone=normalize_phone(person["phone"]) if person.get("phone") else "",
        first_name=person["first_name"],
        last_name=person["last_name"],
        name_normalized=normalize_name(f"{person['first_name']} {person['last_name']}"),
        street=person["street"],
        street_normalized=normalize_street(person["street"]),
        city=person["city"],
        state=person["state"],
        zip5=person["zip5"],
        date_of_birth=person["date_of_birth"],
    )


class DataPointMaker:
    """Builds DataPoint rows against the data map loaded by the records migration."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.types = {t.code: t for t in DataPointType.objects.all()}
        self.systems = {s.code: s for s in System.objects.all()}
        self.sources = {s.code: s for s in Source.objects.all()}

    def point(self, consumer: Consumer, system: str, kind: str, value, source: str, when=None):
        """A point collected at a random time within its system's retention (records/retention.py);
        `value` may be a function of that time (a camera frame named after it)."""
        when = self.when(system)
        if callable(value):
            value = value(timezone.localtime(when))
        return DataPoint(
            consumer=consumer,
            system=self.systems[system],
            point_type=self.types[kind],
            source=self.sources[source],
            value=value,
            collected_at=when,
        )

    def when(self, system: str | None = None) -> datetime:
        """A time since 1 January 2022, and no older than the system's retention allows (a day's margin)."""
        now = timezone.now()
        start = datetime(2022, 1, 1, tzinfo=timezone.get_current_timezone())
        days = self.systems[system].retention_days if system else None
        if days is not None:
            start = max(start, now - timedelta(days=days - 1))
        return start + timedelta(minutes=self.rng.randrange(max(1, int((now - start).total_seconds() // 60))))

    def basic(self, c: Consumer) -> list[DataPoint]:
        w = self.when
        return [
            self.point(c, "member_accounts", "full_name", f"{c.first_name} {c.last_name}", "direct", w()),
            self.point(c, "member_accounts", "email", c.email, "direct", w()),
            self.point(
                c,
                "member_accounts",
                "postal_address",
                f"{c.street}, {c.city}, {c.state} {c.zip5}",
                "direct",
                w(),
            ),
            self.point(c, "member_accounts", "phone", c.phone, "direct", w()),
            self.point(
                c,
                "member_accounts",
                "membership_plan",
                self.rng.choice(["Hot desk", "Dedicated desk", "Private office", "Digital"]),
                "direct",
                w(),
            ),
            self.point(
                c,
                "marketing_list",
                "marketing_preference",
                "Subscribed to the RakuNest newsletter",
                "direct",
                w(),
            ),
            self.point(
                c,
                "web_logs",
                "page_view",
                f"/{self.rng.choice(['events', 'spaces', 'pricing'])}",
                "device_logs",
                w(),
            ),
            self.point(
                c, "web_logs", "ip_address", f"203.0.113.{self.rng.randrange(1, 255)}", "device_logs", w()
            ),
        ]

    def rich(self, c: Consumer) -> list[DataPoint]:
        w = self.when
        points = self.basic(c) + [
            self.point(c, "member_accounts", "date_of_birth", c.date_of_birth.isoformat(), "direct", w()),
            self.point(c, "member_accounts", "member_number", c.member_number, "direct", w()),
            self.point(c, "member_accounts", "passport_number", "X12345678", "direct", w()),
            self.point(
                c, "member_accounts", "account_password", "pbkdf2_sha256$demo$not-a-real-hash", "direct", w()
            ),
            self.point(
                c,
                "member_accounts",
                "disability_accommodation",
                "Step-free desk near the entrance",
                "direct",
                w(),
            ),
            self.point(
                c,
                "webinar_registrations",
                "webinar_registration",
                lambda t: f"Fundraising 101 ({t:%Y-%m-%d})",
                "direct",
                w(),
            ),
            self.point(
                c,
                "building_access",
                "entry_image",
                lambda t: f"entry-camera/frame-{t:%Y%m%d-%H%M}.jpg",
                "facilities",
                w(),
            ),
            self.point(
                c, "payments", "invoice", "INV-2023-0042: Dedicated desk, $450.00, paid", "direct", w()
            ),
            self.point(c, "payments", "payment_card", "4111 1111 1111 1111", "direct", w()),
            self.point(
                c,
                "health_checks",
                "temperature_check",
                "36.7 °C (98.1 °F), cleared for entry",
                "facilities",
                w(),
            ),
            self.point(c, "comms_uploads", "message_post", "Anyone up for lunch at 12:30?", "direct", w()),
            self.point(
                c, "partner_sharing", "partner_share", "Shared with RakuNest Partner Network", "direct", w()
            ),
        ]
        points += [
            self.point(c, "web_logs", "page_view", f"/events/{n}", "device_logs", w()) for n in range(20)
        ]
        return points


class Command(BaseCommand):
    help = "Create the README's demo persons and N synthetic consumers with records."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--consumers", type=int, default=200, help="random consumers to add (default 200)"
        )
        parser.add_argument("--points", type=int, default=4, help="data points per random consumer (max 8)")
        parser.add_argument("--seed", type=int, default=2022)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when demo persons exist")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts) -> None:
        if (
            opts["if_empty"]
            and Consumer.objects.filter(member_number__in=[p["member_number"] for p in DEMO_PERSONS]).exists()
        ):
            self.stdout.write("Demo data already present; nothing to do.")
            return
        rng = random.Random(opts["seed"])
        maker = DataPointMaker(rng)
        created = self._demo_persons(maker)
        added = self._random_consumers(
            maker, rng, opts["consumers"], min(opts["points"], 8), opts["no_progress"]
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo persons: {created} created. Random consumers: {added} added.")
        )

    @transaction.atomic
    def _demo_persons(self, maker: DataPointMaker) -> int:
        created = 0
        for person in DEMO_PERSONS:
            if Consumer.objects.filter(member_number=person["member_number"]).exists():
                continue
            consumer = _consumer(person)
            if suppression_check(
                email=consumer.email, phone=consumer.phone, member_number=consumer.member_number
            ):
                continue  # erased at their request: never re-created
            consumer.save()
            DataPoint.objects.bulk_create(maker.rich(consumer) if person["rich"] else maker.basic(consumer))
            created += 1
        return created

    def _random_consumers(self, maker, rng: random.Random, count: int, points: int, quiet: bool) -> int:
        if count <= 0:
            return 0
        fake = Faker("en_US")
        fake.seed_instance(rng.randrange(2**32))
        firsts = list({fake.first_name() for _ in range(600)})
        lasts = list({fake.last_name() for _ in range(600)})
        streets = {
            street: normalize_street(street) for street in {fake.street_address() for _ in range(2000)}
        }
        street_list = list(streets)
        names = {}
        places = [(fake.city(), f"9{rng.randrange(4000, 6200):04d}") for _ in range(400)]
        start = FIRST_RANDOM_MEMBER + Consumer.objects.filter(member_number__gte="RN00001000").count()
        progress = tqdm(total=count, unit="consumer", disable=quiet)
        for offset in range(0, count, BATCH):
            batch = []
            for i in range(start + offset, start + min(offset + BATCH, count)):
                first, last = rng.choice(firsts), rng.choice(lasts)
                street = rng.choice(street_list)
                if (first, last) not in names:
                    names[first, last] = normalize_name(f"{first} {last}")
                city, zip5 = rng.choice(places)
                batch.append(
                    Consumer(
                        member_number=f"RN{i:08d}",
                        email=f"{first}.{last}.{i}@example.org".lower(),
                        phone=f"+1{rng.choice(['408', '415', '510', '650', '707'])}{rng.randrange(2000000, 9999999)}",
                        first_name=first,
                        last_name=last,
                        name_normalized=names[first, last],
                        street=street,
                        street_normalized=streets[street],
                        city=city,
                        state="CA",
                        zip5=zip5,
                        date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)),
                    )
                )
            with transaction.atomic():
                Consumer.objects.bulk_create(batch, batch_size=BATCH)
                if points:
                    rows = [p for c in batch for p in maker.basic(c)[:points]]
                    DataPoint.objects.bulk_create(rows, batch_size=BATCH)
            progress.update(len(batch))
        progress.close()
        return count
