"""Intake throughput: the real request form against the floor any intake costs, on one server.

Serves the portal with gunicorn (2 sync workers, production settings) on PostgreSQL and Redis, then
drives it with wrk (Debian's package) from the same machine:
  1. GET of the form page (it must not be the bottleneck),
  2. valid POSTs of the real form, every one from a new requester (unique e-mail), at 16 and 64 concurrent,
  3. the same POSTs to a minimal view that validates a six-field form and inserts one row.
Prints requests/s, p50/p99 and the ratio real/floor. Run: `make bench-intake` or
`.venv/bin/python bench/intake.py [--duration 10] [--rounds 1] [--workers 2]`; with --rounds N the
scenarios alternate N times per concurrency and the ratio is of the mean rates. Rate limiting is off for
the run (one client IP).
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DB = "rk_bench_intake"
PORT = 8391

LUA = r"""
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=__TOKEN__"
  wrk.headers["Referer"] = "http://127.0.0.1:__PORT__/"
end
function request()
  counter = counter + 1
  local who = tid .. "x" .. counter .. "x" .. math.random(1, 1000000000)
  local body = "csrfmiddlewaretoken=__TOKEN__&kinds=know_categories&kind=know_categories" ..
    "&first_name=Bench&last_name=Person&email=bench" .. who .. "%40example.com" ..
    "&phone=%28415%29+555-0199&zip_code=94105&street=1+Main+St&city=San+Mateo&state=CA"
  return wrk.format(nil, nil, nil, body)
end
"""


def sh(*args: str, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kw)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


def wrk(url: str, *, connections: int, duration: int, script: Path | None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = sh(*cmd, url).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


def portal_env(*, var: Path, db: str, queue: str) -> dict:
    """Production settings for a benchmark's gunicorn, on its own database and queue."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CACHE_URL": "rediscache://127.0.0.1:6379/2",
        "FERNET_KEYS": "jTgYd4JjrKq7b0lq1t1cY7yQJm0WbHk1t3nN6w0mB2Q=",
        "RAKUNEST_VAR_DIR": str(var),
        "PROCESSOR_WEBHOOK_SECRET": "bench-webhook-secret",
        "PROCESSOR_SUBJECT_HASH_KEY": "bench-subject-key",
        "SUPPRESSION_HASH_KEY": "bench-suppression-key",
        "BENCH_ENDPOINTS": "true",
        "RATELIMIT_ENABLE": "false",
        "LOG_LEVEL": "WARNING",
    }


def gunicorn_start(
    *, env: dict, port: int, workers: int = 2, poll: float = 0.2, timeout: float = 20
) -> tuple[subprocess.Popen, str]:
    """The portal under gunicorn (sync workers) once its form page answers, and the CSRF cookie it set.
    The page is asked for every `poll` seconds, for at most `timeout` seconds."""
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "rakunest_privacy.wsgi:application", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while True:
        try:
            page = urllib.request.urlopen(f"http://127.0.0.1:{port}/requests/new/")  # noqa: S310
            break
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                sys.exit(f"gunicorn did not answer in {timeout:.0f} s")
            time.sleep(poll)
    token = re.search(r"csrftoken=([A-Za-z0-9]+)", " ".join(page.headers.get_all("Set-Cookie"))).group(1)
    return server, token


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the scenarios this many times (a drifting load hits all)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers (docker-compose.yml runs 3)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    var = Path(tempfile.mkdtemp(prefix="rk-bench-intake-"))
    env = portal_env(var=var, db=DB, queue="bench-intake")
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB}"], check=True
    )
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DB}"], check=True)
    sh(PY, "manage.py", "migrate", "-v0", cwd=ROOT, env=env)
    sh(PY, "manage.py", "collectstatic", "--no-input", "-v0", cwd=ROOT, env=env)
    sh(
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        DB,
        "-qc",
        "CREATE TABLE bench_intake_floor (id bigserial primary key, first_name varchar(80), "
        "last_name varchar(80), email varchar(254), phone varchar(40), zip_code varchar(12), "
        "kind varchar(20), created_at timestamptz default now())",
    )

    server, token = gunicorn_start(env=env, port=PORT, workers=args.workers)
    try:
        base = f"http://127.0.0.1:{PORT}"
        script = var / "post.lua"
        script.write_text(LUA.replace("__TOKEN__", token).replace("__PORT__", str(PORT)))

        # Warm-up, not measured: gunicorn workers import lazily and compile templates on first use.
        for path in ("/requests/new/", "/bench/floor/", "/bench/floor-raw/"):
            wrk(
                f"{base}{path}",
                connections=4,
                duration=2,
                script=None if path == "/requests/new/" else script,
            )
        wrk(f"{base}/requests/new/", connections=4, duration=2, script=script)
        print(
            f"gunicorn {args.workers} sync workers, PostgreSQL, Redis broker; wrk 2 threads, {args.duration}s per run"
        )
        print(f"{'scenario':<38}{'conc':>5}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
        get = wrk(f"{base}/requests/new/", connections=16, duration=args.duration, script=None)
        print(
            f"{'GET form page':<38}{16:>5}{get['rps']:>10.0f}{get['p50']:>9.1f}{get['p99']:>9.1f}{get['errors']:>9}"
        )
        results: dict[tuple[str, int], list[dict]] = {}
        scenarios = (
            ("floor (raw cursor insert)", "/bench/floor-raw/"),
            ("floor (ORM insert)", "/bench/floor/"),
            ("portal: POST request form", "/requests/new/"),
        )
        for conc in (16, 64):
            for _round in range(args.rounds):
                for name, path in scenarios:
                    r = wrk(f"{base}{path}", connections=conc, duration=args.duration, script=script)
                    results.setdefault((name, conc), []).append(r)
                    print(
                        f"{name:<38}{conc:>5}{r['rps']:>10.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>9}"
                    )
        for conc in (16, 64):
            rate = {name: statistics.mean(r["rps"] for r in results[name, conc]) for name, _path in scenarios}
            portal = rate["portal: POST request form"]
            worst_p99 = max(r["p99"] for r in results["portal: POST request form", conc])
            print(
                f"ratio portal/floor at {conc} concurrent (mean of {args.rounds} round(s)): "
                f"{portal / rate['floor (ORM insert)']:.2f} vs ORM floor, "
                f"{portal / rate['floor (raw cursor insert)']:.2f} vs raw floor (target >= 0.6); "
                f"portal {portal:.0f} req/s, worst p99 {worst_p99:.1f} ms"
            )
        counts = sh(
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            DB,
            "-tAc",
            "SELECT (SELECT count(*) FROM requests_app_privacyrequest), (SELECT count(*) FROM requests_app_submission), "
            "(SELECT count(*) FROM bench_intake_floor)",
        ).stdout
        print(
            f"rows written (portal requests | submissions incl. ORM floor | raw floor rows): {counts.strip()}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        sh("redis-cli", "-n", "0", "DEL", "bench-intake")
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
