"""Status-page lookups on PostgreSQL: a match and a non-match, timed in the same run, must cost the same.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rk_bench_status .venv/bin/python bench/status_lookup.py \
        [--rows 100000] [--iterations 2000]

Loads N requests with bench/staff_queue.py's COPY loader the first time (every submission's e-mail is
person<id>@example.com), then POSTs the status page's lookup form through Django's test Client (middleware,
session, CSRF-exempt test client, the real view) with production settings, alternating at random between
  - a match: a stored reference with its own e-mail (the web side writes the code's outbox row), and
  - a non-match: the same references with another e-mail (the web side writes a row that holds no id),
and also calls the service alone (`status_code_send`) both ways, plus the match as it was before the
outbox task (the code issued, its e-mail rendered and the event written in the request: the service and
`status_code_deliver` inline), which shows what the bench sees when the paths differ. Prints p50/p99 of
each and the ratio match/non-match (target: 1.0 within noise). Without a worker the rows stay pending: only the web side
is timed, which is what a visitor can observe; the relay wakes go to a queue that is deleted at the end.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

QUEUE = "bench-status-lookup"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rk_bench_status")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/4")
os.environ.setdefault("CACHE_URL", "rediscache://127.0.0.1:6379/4")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", QUEUE)
os.environ.setdefault("RATELIMIT_ENABLE", "false")  # every lookup comes from one client address

# Sets the remaining production settings and runs django.setup(): before any Django import.
from bench.staff_queue import bench_database  # noqa: E402

# isort: split
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from requests_app.models import PrivacyRequest  # noqa: E402
from requests_app.status.services import status_code_deliver, status_code_send  # noqa: E402


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.99) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()
    bench_database(args.rows)
    rng = random.Random(13)  # noqa: S311
    ids = rng.sample(range(1, PrivacyRequest.objects.count() + 1), 500)
    targets = [
        (r.reference, r.submission.email)
        for r in PrivacyRequest.objects.select_related("submission").filter(submission_id__in=ids)
    ]
    url = reverse("requests_app:status_lookup")
    client = Client()

    def view(reference: str, email: str) -> None:
        response = client.post(url, {"reference": reference, "email": email})
        assert response.status_code == 302, response.status_code

    def service(reference: str, email: str) -> None:
        status_code_send(reference=reference, email=email)

    def before(reference: str, email: str) -> None:
        found = status_code_send(reference=reference, email=email)
        status_code_deliver(request_id=found.pk if found else None)

    paths = {
        "match": lambda ref, email: email,
        "non-match (wrong e-mail)": lambda ref, email: "someone.else@example.org",
    }
    runs = (("view", view), ("service", service), ("before: code issued in the request", before))
    for name, call in runs:
        for _ in range(50):  # warm: templates, connections, the waker thread
            reference, email = rng.choice(targets)
            call(reference, email)
        times: dict[str, list[float]] = {path: [] for path in paths}
        for _ in range(args.iterations):
            reference, email = rng.choice(targets)
            order = list(paths)
            rng.shuffle(order)  # interleaved in random order: drift and noise fall on both paths alike
            for path in order:
                typed = paths[path](reference, email)
                started = time.perf_counter()
                call(reference, typed)
                times[path].append((time.perf_counter() - started) * 1000)
        print(
            f"\n{name}: {args.iterations:,} lookups per path over {PrivacyRequest.objects.count():,} requests"
        )
        print(f"{'path':<28}{'p50 ms':>9}{'p99 ms':>9}")
        figures = {path: percentiles(t) for path, t in times.items()}
        for path, (p50, p99) in figures.items():
            print(f"{path:<28}{p50:>9.3f}{p99:>9.3f}")
        (m50, m99), (n50, n99) = figures["match"], figures["non-match (wrong e-mail)"]
        print(f"ratio match/non-match: p50 {m50 / n50:.3f}, p99 {m99 / n99:.3f} (target 1.0 within noise)")

    import redis

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).delete(QUEUE)


if __name__ == "__main__":
    main()
