"""Benchmark: erase a consumer with 10,000 rows across systems (DESIGN §8 target: < 2 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rk_bench_erase python bench/erase.py [--rows 10000] [--runs 3]

Creates the database if missing and migrates it. Each run seeds fresh consumers with the same rows and
measures, in the same run:
  - plan + erase: records.erasure.erasure_plan_build + records.connectors.BuiltinConnector.erase
    (a handful of bulk statements);
  - the whole deletion service (requests_app.deletion.services.deletion_execute): plan, recipient notices,
    suppression entry, erasure, audit and status change, with its after-commit work (notices, response
    e-mail to a file) run eagerly;
  - a naive baseline: the same plan applied row by row with the ORM (delete() / save() per row) in one
    transaction.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rk_bench_erase")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakunest_privacy.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("RAKUNEST_VAR_DIR", tempfile.mkdtemp(prefix="rk-bench-erase-"))
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"

# Rows per system for 10,000 (scaled for other sizes): web logs dominate, as in real life.
MIX = [
    ("web_logs", "page_view", "device_logs", 6000),
    ("comms_uploads", "message_post", "direct", 1500),
    ("webinar_registrations", "webinar_registration", "direct", 800),
    ("building_access", "entry_image", "facilities", 700),
    ("payments", "invoice", "direct", 400),
    ("member_accounts", "membership_plan", "direct", 300),
    ("health_checks", "temperature_check", "facilities", 200),
    ("marketing_list", "marketing_preference", "direct", 50),
    ("partner_sharing", "partner_share", "direct", 50),
]


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql
    from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres")
    admin.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def seed(rows: int, tag: str):
    from django.utils import timezone

    from records.models import Consumer, DataPoint, DataPointType, Source, System

    systems = {s.code: s for s in System.objects.all()}
    types = {t.code: t for t in DataPointType.objects.all()}
    sources = {s.code: s for s in Source.objects.all()}
    consumer = Consumer.objects.create(
        email=f"bench.{tag}@example.com",
        phone="+14155550100",
        member_number=f"RB{tag}"[:16],
        first_name="Bench",
        last_name="Person",
        name_normalized="bench person",
    )
    now = timezone.now()
    points = []
    for system, kind, source, share in MIX:
        count = round(rows * share / 10000)
        for n in range(count):
            # half the entry images are older than the security retention, so they go now
            age = timedelta(days=400 if (system == "building_access" and n % 2) else 3, minutes=n)
            points.append(
                DataPoint(
                    consumer=consumer,
                    system=systems[system],
                    point_type=types[kind],
                    source=sources[source],
                    value=f"{kind} value {n} for a benchmark person",
                    collected_at=now - age,
                )
            )
    DataPoint.objects.bulk_create(points, batch_size=5000)
    return consumer, len(points)


def erase_bulk(consumer) -> None:
    from records.connectors import BuiltinConnector
    from records.erasure import erasure_plan_build

    BuiltinConnector().erase(consumer, erasure_plan_build(consumer=consumer))


def erase_naive(consumer) -> None:
    from django.db import transaction
    from django.utils import timezone

    from records.erasure import erasure_plan_build
    from records.models import DataPoint

    plan = {e.system_id: e for e in erasure_plan_build(consumer=consumer).entries}
    now = timezone.now()
    with transaction.atomic():
        for point in DataPoint.objects.filter(consumer=consumer):
            entry = plan[point.system_id]
            if entry.action == "delete":
                point.delete()
            elif entry.action == "deidentify":
                point.value, point.redacted_at = "", now
                point.save()
            elif entry.retain_days is not None and point.collected_at < now - timedelta(
                days=entry.retain_days
            ):
                point.delete()
        consumer.email = consumer.phone = consumer.first_name = consumer.last_name = ""
        consumer.erased_at = now
        consumer.save()


def erase_service(consumer) -> None:
    from django.utils import timezone

    from requests_app.deletion.services import deletion_execute
    from requests_app.models import DeletionCase, Kind, PrivacyRequest, Status, Submission

    now = timezone.now()
    submission = Submission.objects.create(email="bench@example.com")
    request = PrivacyRequest.objects.create(
        submission=submission,
        kind=Kind.DELETE,
        status=Status.FULFILLING,
        consumer=consumer,
        received_at=now,
        status_changed_at=now,
        ack_due=now.date(),
        due_at=now.date(),
    )
    DeletionCase.objects.create(
        request=request, state=DeletionCase.State.SCHEDULED, confirmed_at=now, erase_after=now - timedelta(1)
    )
    start = time.perf_counter()
    assert deletion_execute(request_id=request.pk)
    return time.perf_counter() - start


def timed(fn, consumer) -> float:
    start = time.perf_counter()
    fn(consumer)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from records.models import DataPoint

    call_command("migrate", verbosity=0)
    results = {"plan + erase (bulk)": [], "deletion service (end to end)": [], "naive row by row": []}
    for run in range(args.runs):
        consumer, rows = seed(args.rows, f"{run}a{time.time_ns() % 10**6}")
        results["plan + erase (bulk)"].append(timed(erase_bulk, consumer))
        left = DataPoint.objects.filter(consumer=consumer).count()
        consumer, _ = seed(args.rows, f"{run}b{time.time_ns() % 10**6}")
        results["deletion service (end to end)"].append(erase_service(consumer))
        consumer, _ = seed(args.rows, f"{run}c{time.time_ns() % 10**6}")
        results["naive row by row"].append(timed(erase_naive, consumer))
        left_naive = DataPoint.objects.filter(consumer=consumer).count()
        assert left == left_naive, (left, left_naive)  # both leave the same rows

    print(
        f"erase one consumer with {rows:,} rows across {len(MIX)} systems; {args.runs} runs; median (min–max)"
    )
    print(f"rows kept after erasure (de-identified + retained): {left:,}")
    medians = {}
    for name, times in results.items():
        medians[name] = statistics.median(times)
        print(f"  {name:32s} {medians[name]:7.3f} s   ({min(times):.3f}–{max(times):.3f})")
    baseline = medians["naive row by row"]
    print(f"  speed-up of bulk over naive: {baseline / medians['plan + erase (bulk)']:.1f}x")
    print(f"  target < 2 s: {'met' if medians['deletion service (end to end)'] < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
