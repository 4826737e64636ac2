"""Restart: from starting gunicorn to the first accepted request, with 10,000 and 1,000,000 rows stored.

    .venv/bin/python bench/restart.py [--sizes 10000,1000000] [--rounds 3] [--db-prefix rk_bench_restart]

For each size it fills its own database (`<prefix>_<size>`, made the first time) with that many consumers
(bench/matching.py's INSERT … SELECT generate_series) and that many requests with their submissions
(bench/staff_queue.py's COPY loader), then, `--rounds` times: starts gunicorn (bench/intake.py's
gunicorn_start: 2 sync workers, production settings) and takes the time until the public form page
answers its first GET and until the first POST of the form is accepted (302 to the confirmation).
Prints both per round, the best round per size, and the ratio largest/smallest (flat means ≈ 1).
Target: < 5 s at 1,000,000. The loading runs in a child process per database (`--load N`), because
Django is set up for one database per process; the timing process never imports Django.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

# Run as a script: the project root, not bench/, on the import path.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.intake import PY, gunicorn_start, portal_env  # noqa: E402

PORT = 8394
REDIS = "redis://127.0.0.1:6379/4"
QUEUE = "bench-restart"


def load_database(size: int) -> None:
    """In a child process whose DATABASE_URL names the size's database: migrate and fill it."""
    from bench.staff_queue import bench_database  # sets production settings and runs django.setup()

    # isort: split
    from bench.matching import grow_to

    bench_database(size)
    grow_to(size)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_form(port: int, token: str) -> int:
    """One valid POST of the public request form from a new requester; the HTTP status."""
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "kinds": "know_categories",
            "first_name": "Restart",
            "last_name": "Bench",
            "email": f"restart{time.time_ns()}@example.com",
            "phone": "(415) 555-0199",
            "street": "1 Main St",
            "city": "San Mateo",
            "state": "CA",
            "zip_code": "94105",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"http://127.0.0.1:{port}/requests/new/",
        data=body,
        headers={"Cookie": f"csrftoken={token}", "Referer": f"http://127.0.0.1:{port}/"},
    )
    try:
        return urllib.request.build_opener(_NoRedirect).open(request).status
    except urllib.error.HTTPError as exc:
        return exc.code


def start_once(env: dict) -> tuple[float, float, int]:
    started = time.perf_counter()
    server, token = gunicorn_start(env=env, port=PORT, poll=0.01, timeout=120)
    first_get = time.perf_counter() - started
    try:
        status = post_form(PORT, token)
        first_post = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return first_get, first_post, status


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db-prefix", default="rk_bench_restart")
    parser.add_argument("--load", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_database(args.load)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    var = Path(tempfile.mkdtemp(prefix="rk-bench-restart-"))
    best = {}
    try:
        for size in sizes:
            db = f"{args.db_prefix}_{size}"
            started = time.perf_counter()
            subprocess.run(
                [PY, __file__, "--load", str(size)],
                check=True,
                env={
                    **os.environ,
                    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
                    "CELERY_BROKER_URL": REDIS,
                    "CACHE_URL": REDIS.replace("redis://", "rediscache://"),
                    "RAKUNEST_VAR_DIR": str(var),  # collectstatic writes where gunicorn reads
                },
            )
            print(f"{db}: {size:,} consumers and requests ready in {time.perf_counter() - started:.0f} s")
            env = {
                **portal_env(var=var, db=db, queue=QUEUE),
                "CELERY_BROKER_URL": REDIS,
                "CACHE_URL": REDIS.replace("redis://", "rediscache://"),
            }
            start_once(env)  # warm: the first start after loading also reads the files from disk
            rounds = []
            for n in range(1, args.rounds + 1):
                first_get, first_post, status = start_once(env)
                rounds.append((first_get, first_post))
                print(
                    f"  round {n}: first GET answered {first_get:.2f} s, first POST accepted {first_post:.2f} s "
                    f"(HTTP {status})",
                    flush=True,
                )
                if status != 302:
                    sys.exit(f"the form POST was not accepted (HTTP {status})")
            best[size] = min(rounds, key=lambda r: r[1])
    finally:
        subprocess.run(["redis-cli", "-n", REDIS.rsplit("/", 1)[1], "DEL", QUEUE], capture_output=True)
        shutil.rmtree(var, ignore_errors=True)
    print(f"\n{'stored rows':>12}{'first GET s':>13}{'first POST s':>14}")
    for size, (first_get, first_post) in best.items():
        print(f"{size:>12,}{first_get:>13.2f}{first_post:>14.2f}")
    small, large = best[sizes[0]], best[sizes[-1]]
    print(
        f"ratio {sizes[-1]:,}/{sizes[0]:,} (best rounds): first GET {large[0] / small[0]:.2f}, "
        f"first POST {large[1] / small[1]:.2f}; target < 5 s: {'met' if large[1] < 5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
