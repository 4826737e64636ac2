"""Staff queue over 1,000,000 requests on PostgreSQL: server time and query count, with a same-run baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rk_bench_queue python bench/staff_queue.py [--rows N] [--iterations N]

Loads N requests (default 1,000,000; 3% open) into its own database with COPY the first time, then times
the queue view (the real view, called through Django's test Client: middleware, session, auth, template)
and a filtered page, at page sizes 25 and 100, on the first page and deep in the list (10,000 rows in),
and the agent-submitted filter (one submission in 100 comes from an authorized agent).
The baseline is the naive way to write the same page: no select_related, Paginator (COUNT(*) + OFFSET),
rendering each row's assignee and channel (one query each), called through the same Client.
"""

import sys
from pathlib import Path

# This file's name shadows the standard library's `queue` when run as a script: put the project root
# in place of bench/ on the import path before anything imports `queue`.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import base64  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/rk_bench_queue"
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakunest_privacy.settings")
# Production-like settings: cached templates, no debug query log.
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_hex(16))
# Keys production requires (merged after this benchmark was written); the queue reads none of them.
for _name in ("PROCESSOR_WEBHOOK_SECRET", "PROCESSOR_SUBJECT_HASH_KEY", "SUPPRESSION_HASH_KEY"):
    os.environ.setdefault(_name, "bench-" + secrets.token_hex(16))
os.environ.setdefault("FERNET_KEYS", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("CACHE_URL", "rediscache://127.0.0.1:6379/9")  # production refuses a per-process cache
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("RAKUNEST_VAR_DIR", "/tmp/rk-bench-queue-var")  # noqa: S108


def _ensure_database(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


_ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from requests_app.models import CLOSED_STATUSES, PrivacyRequest  # noqa: E402
from requests_app.models import new_reference as reference  # noqa: E402

KINDS = ["know_categories", "access_specific", "delete", "correct", "opt_out", "shine_the_light"]
CHANNELS = ["web", "web", "web", "email", "phone", "gpc"]
CLOSED = ["completed"] * 7 + ["denied", "withdrawn", "unverifiable"]
OPEN = ["awaiting_verification", "in_review", "in_review", "fulfilling", "awaiting_consumer_confirmation"]


def load(rows: int, staff_ids: list[int]) -> None:
    have = PrivacyRequest.objects.count()
    if have >= rows:
        print(f"database already holds {have:,} requests")
        return
    print(f"loading {rows:,} requests with COPY …", flush=True)
    started = time.perf_counter()
    rng = random.Random(7)  # noqa: S311
    now = datetime.now(UTC)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE requests_app_requestevent, requests_app_privacyrequest, requests_app_submission CASCADE"
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('requests_app_submission', 'id'), 1, false)")
    batch = 100_000
    for start in range(0, rows, batch):
        subs, reqs = io.StringIO(), io.StringIO()
        for i in range(start + 1, min(rows, start + batch) + 1):
            is_open = rng.random() < 0.03
            received = now - timedelta(days=rng.uniform(0, 44) if is_open else rng.uniform(46, 1000))
            status = rng.choice(OPEN if is_open else CLOSED)
            due = (received + timedelta(days=45)).date()
            extended = (due + timedelta(days=45)).isoformat() if rng.random() < 0.05 else r"\N"
            closed = (received + timedelta(days=rng.uniform(1, 45))).isoformat() if not is_open else r"\N"
            assignee = str(rng.choice(staff_ids)) if rng.random() < 0.5 else r"\N"
            ack = received.isoformat() if rng.random() < 0.98 else r"\N"
            subs.write(
                f"{i}\t{received.isoformat()}\t{rng.choice(CHANNELS)}\ten\tFirst{i}\tLast{i}\t"
                f"person{i}@example.com\t\t\t\t\t\t\\N\t\t\t\t{ack}\t\\N\n"
            )
            reqs.write(
                f"{reference()}\t{i}\t{rng.choice(KINDS)}\tCA\t{status}\t{received.isoformat()}\t"
                f"{received.isoformat()}\t{(received + timedelta(days=14)).date()}\t{due}\t{extended}\t\t\t[]\t"
                f"\\N\t{assignee}\t{'complied' if status == 'completed' else ''}\t\t{closed}\n"
            )
        subs.seek(0)
        reqs.seek(0)
        with connection.cursor() as cur:
            cur.copy_from(
                subs,
                "requests_app_submission",
                columns=[
                    "id", "created_at", "channel", "language", "first_name", "last_name", "email", "phone",
                    "street", "city", "state", "zip5", "date_of_birth", "member_number", "ip_hash", "user_agent",
                    "acknowledged_at", "personal_data_purged_at",
                ],
            )  # fmt: skip
            cur.copy_from(
                reqs,
                "requests_app_privacyrequest",
                columns=[
                    "reference", "submission_id", "kind", "regime", "status", "received_at", "status_changed_at", "ack_due",
                    "due_at", "extended_due_at", "extension_reason", "verification_level", "matched_fields",
                    "consumer_id", "assignee_id", "outcome", "denial_reason", "closed_at",
                ],
            )  # fmt: skip
        print(f"  {min(rows, start + batch):,}", flush=True)
    with connection.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('requests_app_submission', 'id'), %s)", [rows])
    # VACUUM (not only ANALYZE) sets the visibility map that index-only scans need, as autovacuum would.
    with connection.cursor() as cur:  # Django runs in autocommit mode: VACUUM may run here
        cur.execute("VACUUM ANALYZE requests_app_submission")
        cur.execute("VACUUM ANALYZE requests_app_privacyrequest")
    print(f"loaded in {time.perf_counter() - started:.0f} s")


def bench_database(rows: int, *, username: str = "bench0", group: str = "admin", password: str = "") -> User:
    """What the benchmarks on this loader start with: migrated, static files collected, one staff user (in
    `group`, with `password` if given), `rows` requests loaded. Returns the user."""
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    user, _ = User.objects.get_or_create(username=username)
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=group))
    load(rows, [user.pk])
    return user


def load_agents(every: int = 100) -> None:
    """One submission in `every` came from an authorized agent: rows for the agent-submitted filter."""
    from requests_app.models import AgentAuthorization, Submission

    if AgentAuthorization.objects.exists():
        return
    ids = Submission.objects.order_by("pk").values_list("pk", flat=True)
    rows = [
        AgentAuthorization(
            submission_id=pk,
            agent_name=f"Agent {pk % 37}",
            agent_email=f"agent{pk % 37}@agents.example",
            document_type="permission",
        )
        for pk in ids.iterator(chunk_size=50_000)
        if pk % every == 0
    ]
    AgentAuthorization.objects.bulk_create(rows, batch_size=5_000)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE requests_app_agentauthorization")
    print(f"{len(rows):,} agent submissions added")


NAIVE_TEMPLATE = engines["django"].from_string(
    "<table>{% for r in page %}<tr><td>{{ r.reference }}</td><td>{{ r.get_kind_display }}</td>"
    "<td>{{ r.get_status_display }}</td><td>{{ r.submission.get_channel_display }}</td>"
    "<td>{{ r.effective_due }}</td><td>{{ r.assignee.username|default:'-' }}</td></tr>{% endfor %}</table>"
    "<p>{{ page.paginator.count }} requests, page {{ page.number }} of {{ page.paginator.num_pages }}</p>"
)


def naive_queue(request):
    """The baseline: how the page is often first written."""
    qs = PrivacyRequest.objects.exclude(status__in=CLOSED_STATUSES).order_by("due_at", "pk")
    if request.GET.get("kind"):
        qs = qs.filter(kind=request.GET["kind"])
    if request.GET.get("due_within"):
        qs = qs.filter(due_at__lte=datetime.now(UTC).date() + timedelta(days=int(request.GET["due_within"])))
    page = Paginator(qs, int(request.GET.get("size", 25))).page(int(request.GET.get("page", 1)))
    return HttpResponse(NAIVE_TEMPLATE.render({"page": page}, request))


urlpatterns = [path("naive/", naive_queue)]


def measure(client: Client, url: str, iterations: int) -> tuple[float, float, int]:
    client.get(url)  # warm
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert b"No requests match" not in response.content, url
    times = []
    for _ in range(iterations):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries)


def cursor_after(user, skip: int) -> str:
    """The keyset cursor that starts `skip` rows into the open queue (walked through the selector)."""
    from staff.selectors import QueueFilters, queue_page

    today = datetime.now(UTC).date()
    after = None
    for _ in range(max(1, skip // 100)):
        _, cursor = queue_page(filters=QueueFilters(page_size=100, after=after), user=user, today=today)
        day, pk = cursor.split(".")
        after = (datetime.fromisoformat(day).date(), int(pk))
    return f"{after[0].isoformat()}.{after[1]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    admin_group = Group.objects.get(name="admin")
    staff = []
    for n in range(5):
        user, _ = User.objects.get_or_create(username=f"bench{n}")
        user.groups.add(admin_group)
        staff.append(user)
    load(args.rows, [u.pk for u in staff])
    load_agents()
    open_count = PrivacyRequest.objects.exclude(status__in=CLOSED_STATUSES).count()
    print(f"{PrivacyRequest.objects.count():,} requests, {open_count:,} open; shared 2-core machine, busy")

    client = Client()
    client.force_login(staff[0])
    # Past the second factor, as django_otp.login() leaves the session (staff/mfa.py): one query more.
    device, _ = TOTPDevice.objects.get_or_create(
        user=staff[0], name="authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    cases = [("queue", "status=open"), ("filtered", "kind=delete&due_within=7")]
    staff_cases = [*cases, ("agent-submitted", "agent=on")]
    print(f"\n{'page':<34}{'size':>5}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    with override_settings(ROOT_URLCONF="rakunest_privacy.urls"):
        for label, query in staff_cases:
            for size in (25, 100):
                p50, p95, n = measure(client, f"/staff/?{query}&size={size}", args.iterations)
                print(f"{'staff ' + label + ' (first page)':<34}{size:>5}{p50:>9.1f}{p95:>9.1f}{n:>9}")
        skip = min(10_000, (open_count - 200) // 100 * 100)
        deep = cursor_after(staff[0], skip)
        for size in (25, 100):
            p50, p95, n = measure(client, f"/staff/?status=open&size={size}&after={deep}", args.iterations)
            print(f"{f'staff queue ({skip:,} rows in)':<34}{size:>5}{p50:>9.1f}{p95:>9.1f}{n:>9}")
    with override_settings(ROOT_URLCONF=__name__):
        naive_iterations = max(10, args.iterations // 4)
        for label, query in cases:
            for size in (25, 100):
                p50, p95, n = measure(client, f"/naive/?{query}&size={size}", naive_iterations)
                print(f"{'naive ' + label + ' (first page)':<34}{size:>5}{p50:>9.1f}{p95:>9.1f}{n:>9}")
        for size in (25, 100):
            page = skip // size + 1
            p50, p95, n = measure(client, f"/naive/?status=open&size={size}&page={page}", naive_iterations)
            print(f"{f'naive queue ({skip:,} rows in)':<34}{size:>5}{p50:>9.1f}{p95:>9.1f}{n:>9}")


if __name__ == "__main__":
    main()
