"""Soak: the request form at half the measured intake capacity for a while, the staff queue read meanwhile.

    .venv/bin/python bench/soak.py [--minutes 30] [--rows 100000] [--db rk_bench_soak]

Serves the portal with gunicorn (bench/intake.py's gunicorn_start: 2 sync workers, production settings,
PostgreSQL, Redis) and runs a real Celery worker (concurrency 2) on the run's own queue, which relays the
outbox and runs every task the intake enqueues (e-mails go to Django's dummy backend). Then:
  1. measures the intake capacity: wrk POSTs of the real form (every one from a new requester) at 16
     concurrent for `--capacity-seconds`;
  2. soaks at half that rate for `--minutes`: wrk at 8 connections whose Lua `delay()` paces them, re-run
     every minute with the delay corrected from the rate the last minute reached; meanwhile a thread signs
     in as a viewer and reads the staff queue (page size 100, and the agent-submitted filter) every second;
  3. waits (at most `--drain-seconds`) for the worker to empty the outbox.
Prints the rate reached, errors (non-2xx/3xx responses, socket errors and timeouts, failed staff reads;
target 0), outbox rows still pending or failing at the end, and the RSS of the web workers and of the
Celery worker's processes at the start and at the end (target: flat); every minute's line also carries
the web workers' RSS (summed) and the Celery main process's, to tell warm-up from growth.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

# Run as a script: the project root, not bench/, on the import path.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.intake import LUA, PY, gunicorn_start, portal_env, sh, wrk  # noqa: E402

PORT = 8395
REDIS = "redis://127.0.0.1:6379/4"
QUEUE = "bench-soak"
VIEWER = ("soak-viewer", "soak-viewer-pass-2025")
SOAK_CONNECTIONS = 8


def prepare(rows: int) -> None:
    """In a child process whose DATABASE_URL names the soak's database: migrate, a viewer, N requests."""
    from bench.staff_queue import bench_database  # sets production settings and runs django.setup()

    bench_database(rows, username=VIEWER[0], group="viewer", password=VIEWER[1])


def rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def memory(server_pid: int, worker_pid: int) -> dict[str, int]:
    """RSS in kB of each gunicorn worker and of the Celery worker's main process and pool processes."""
    figures = {f"web worker {n}": rss_kb(pid) for n, pid in enumerate(children(server_pid), 1)}
    figures["celery worker (main)"] = rss_kb(worker_pid)
    for n, pid in enumerate(children(worker_pid), 1):
        figures[f"celery pool process {n}"] = rss_kb(pid)
    return figures


class _PlainHttpPolicy(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


class QueueReader(threading.Thread):
    """A viewer who keeps the staff queue open: one page read a second until stopped."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.times: list[float] = []
        self.errors: list[str] = []
        # Production settings mark the session and CSRF cookies Secure; this client talks plain HTTP to
        # 127.0.0.1, so it sends them back anyway (as a TLS-terminating proxy's client would).
        jar = http.cookiejar.CookieJar(policy=_PlainHttpPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.jar = jar

    def login(self) -> None:
        self.opener.open(f"{self.base}/staff/login/", timeout=10).read()
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": VIEWER[0], "password": VIEWER[1]}
        ).encode()
        request = urllib.request.Request(  # noqa: S310
            f"{self.base}/staff/login/", data=body, headers={"Referer": f"{self.base}/staff/login/"}
        )
        page = self.opener.open(request, timeout=10)
        if not page.geturl().rstrip("/").endswith("/staff"):
            sys.exit(f"the viewer could not sign in (landed on {page.geturl()})")

    def run(self) -> None:
        pages = ("/staff/?size=100", "/staff/?agent=on&size=100")
        n = 0
        while not self.stop.wait(1.0):
            path = pages[n % len(pages)]
            n += 1
            started = time.perf_counter()
            try:
                page = self.opener.open(f"{self.base}{path}", timeout=10)
                page.read()
                if page.status != 200 or "/staff/login/" in page.geturl():  # signed out: an error too
                    self.errors.append(
                        f"{path}: HTTP {page.status} at {urllib.parse.urlsplit(page.geturl()).path}"
                    )
            except OSError as exc:
                self.errors.append(f"{path}: {type(exc).__name__}")
                continue
            self.times.append((time.perf_counter() - started) * 1000)


def outbox_state(db: str) -> tuple[int, int]:
    """(pending, failing) outbox rows: not sent yet, and not sent after 3 attempts or more."""
    out = sh(
        "psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-tAc",
        "SELECT count(*) FILTER (WHERE sent_at IS NULL), "
        "count(*) FILTER (WHERE sent_at IS NULL AND attempts >= 3) FROM requests_app_outboxmessage",
    ).stdout.strip()  # fmt: skip
    pending, failing = out.split("|")
    return int(pending), int(failing)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rows", type=int, default=100_000, help="requests stored before the soak")
    parser.add_argument("--db", default="rk_bench_soak")
    parser.add_argument("--capacity-seconds", type=int, default=15)
    parser.add_argument("--drain-seconds", type=int, default=300)
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    var = Path(tempfile.mkdtemp(prefix="rk-bench-soak-"))
    env = {
        **portal_env(var=var, db=args.db, queue=QUEUE),
        "CELERY_BROKER_URL": REDIS,
        "CACHE_URL": REDIS.replace("redis://", "rediscache://"),
        "EMAIL_URL": "dummymail://",
        "SMS_BACKEND": "verification.sms.LocmemBackend",
    }
    subprocess.run(
        [PY, __file__, "--prepare", str(args.rows)],
        check=True,
        env={**env, "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1"},
    )
    worker = subprocess.Popen(
        [PY, "-m", "celery", "-A", "rakunest_privacy", "worker", "-Q", QUEUE, "--concurrency", "2",
         "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )  # fmt: skip
    server = None
    reader = None
    try:
        server, token = gunicorn_start(env=env, port=PORT)
        base = f"http://127.0.0.1:{PORT}"
        script = var / "post.lua"
        script.write_text(LUA.replace("__TOKEN__", token).replace("__PORT__", str(PORT)))
        wrk(f"{base}/requests/new/", connections=4, duration=3, script=script)  # warm
        capacity = wrk(f"{base}/requests/new/", connections=16, duration=args.capacity_seconds, script=script)
        target = capacity["rps"] / 2
        print(
            f"intake capacity: {capacity['rps']:.0f} req/s at 16 concurrent (p99 {capacity['p99']:.0f} ms); "
            f"soak at {target:.0f} req/s for {args.minutes:g} min",
            flush=True,
        )
        reader = QueueReader(base)
        reader.login()
        time.sleep(5)  # let the worker catch up with the capacity run before the first figures
        start_memory = memory(server.pid, worker.pid)
        reader.start()

        delay_ms = max(0.0, 1000 * SOAK_CONNECTIONS / target - capacity["p50"] / 2)
        totals = {"requests": 0, "errors": 0, "socket_errors": 0}
        rates, p99s = [], []
        started = time.monotonic()
        paced = var / "paced.lua"
        while (left := args.minutes * 60 - (time.monotonic() - started)) > 1:
            paced.write_text(script.read_text() + f"\nfunction delay()\n  return {delay_ms:.1f}\nend\n")
            chunk = min(60, int(left))
            r = wrk(f"{base}/requests/new/", connections=SOAK_CONNECTIONS, duration=chunk, script=paced)
            for key in totals:
                totals[key] += r[key]
            rates.append(r["rps"])
            p99s.append(r["p99"])
            pending, _failing = outbox_state(args.db)
            minute = (time.monotonic() - started) / 60
            now_memory = memory(server.pid, worker.pid)
            web_mb = sum(kb for name, kb in now_memory.items() if name.startswith("web")) / 1024
            print(
                f"  {minute:5.1f} min: {r['rps']:6.1f} req/s, p99 {r['p99']:6.1f} ms, errors "
                f"{r['errors'] + r['socket_errors']}, outbox pending {pending}, staff reads {len(reader.times)}, "
                f"RSS MB web {web_mb:.1f} celery main {now_memory['celery worker (main)'] / 1024:.1f}",
                flush=True,
            )
            # Each connection's cycle is latency + delay: correct the delay from the cycle the last run saw.
            if r["rps"] > 0:
                latency = 1000 * SOAK_CONNECTIONS / r["rps"] - delay_ms
                delay_ms = max(0.0, 1000 * SOAK_CONNECTIONS / target - latency)
        reader.stop.set()
        reader.join(timeout=15)
        drained_in = None
        drain_started = time.monotonic()
        while time.monotonic() - drain_started < args.drain_seconds:
            pending, failing = outbox_state(args.db)
            if pending == 0:
                drained_in = time.monotonic() - drain_started
                break
            time.sleep(2)
        end_memory = memory(server.pid, worker.pid)

        print(f"\nsoak: {args.minutes:g} min, target {target:.0f} req/s (half of {capacity['rps']:.0f})")
        print(
            f"form POSTs: {totals['requests']:,}, mean {statistics.mean(rates):.1f} req/s, "
            f"worst minute's p99 {max(p99s):.0f} ms"
        )
        errors = totals["errors"] + totals["socket_errors"] + len(reader.errors)
        print(
            f"errors: {errors} (non-2xx/3xx {totals['errors']}, socket errors and timeouts "
            f"{totals['socket_errors']}, staff queue reads failed {len(reader.errors)}); target 0"
        )
        for line in reader.errors[:10]:
            print(f"  {line}")
        if reader.times:
            times = sorted(reader.times)
            print(
                f"staff queue reads: {len(times)}, p50 {statistics.median(times):.0f} ms, "
                f"p95 {times[int(len(times) * 0.95) - 1]:.0f} ms"
            )
        pending, failing = outbox_state(args.db)
        drained = (
            f"emptied {drained_in:.0f} s after the load stopped" if drained_in is not None else "NOT emptied"
        )
        print(f"outbox: {drained}; pending {pending}, failing (3+ attempts) {failing}")
        print(f"\n{'process':<26}{'RSS start MB':>14}{'RSS end MB':>12}{'change':>9}")
        for name in sorted(set(start_memory) | set(end_memory)):
            before, after = start_memory.get(name, 0) / 1024, end_memory.get(name, 0) / 1024
            change = f"{(after - before) / before:+.0%}" if before else "new"
            print(f"{name:<26}{before:>14.1f}{after:>12.1f}{change:>9}")
    finally:
        if reader is not None:
            reader.stop.set()
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        worker.terminate()  # the main process only: a warm shutdown lets the pool finish its tasks
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        subprocess.run(["redis-cli", "-n", REDIS.rsplit("/", 1)[1], "DEL", QUEUE], capture_output=True)
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
