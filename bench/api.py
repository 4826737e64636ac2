"""DRP intake throughput: signed Data Rights Protocol exercises against the web form POST, one server.

Serves the portal with gunicorn (2 sync workers, production settings) on PostgreSQL and Redis, loads one
test agent into the directory, sets up its pair-wise token, then drives the server from this process
with N threads on persistent connections (http.client), N = 16 by default:
  1. valid POSTs of the web request form, every one from a new requester (the baseline),
  2. signed DRP exercises (`access:categories`), every one a new message (so none is a replay) from a
     new requester; the server checks each signature, the token, the claims, then records the request.
Messages are signed before the clock starts: the signing is the agent's cost, the check is ours.
Prints requests/s, p50/p99 and the ratio DRP/web form. Target: ratio >= 0.8, p99 < 150 ms at 16.
Run: `.venv/bin/python bench/api.py [--seconds 10] [--concurrency 16] [--rounds 1]`; with --rounds N the two
scenarios alternate N times (fairer on a machine whose load drifts). Rate limiting is off (one IP).
"""

import argparse
import http.client
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake import PY, ROOT, gunicorn_start, portal_env, sh  # noqa: E402
from tests.drp_agent import MAYA_CLAIMS, DrpTestAgent, HttpTransport  # noqa: E402

DB = "rk_bench_api"
PORT = 8392


def drive(bodies, *, path: str, headers: dict, seconds: float, concurrency: int) -> dict:
    """POST bodies (an iterator shared by the threads) for `seconds`; latencies of the answered ones."""
    lock, latencies, errors, stop = threading.Lock(), [], [0], time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        while time.monotonic() < stop:
            with lock:
                body = next(bodies, None)
            if body is None:
                break
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status not in (200, 302):
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    latencies.sort()
    return {
        "rps": len(latencies) / took,
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "errors": errors[0],
        "count": len(latencies),
        "latencies": latencies,
        "took": took,
    }


def combined(runs: list[dict]) -> dict:
    """Several runs of one scenario as one: total rate, latency percentiles over every request."""
    latencies = sorted(x for r in runs for x in r["latencies"])
    return {
        "rps": sum(r["count"] for r in runs) / sum(r["took"] for r in runs),
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "errors": sum(r["errors"] for r in runs),
        "count": len(latencies),
    }


def form_bodies(token: str, n: int):
    for i in range(n):
        yield urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "kinds": "know_categories",
                "first_name": "Bench",
                "last_name": "Person",
                "email": f"bench{i}@example.com",
                "phone": "(415) 555-0199",
                "zip_code": "94105",
                "street": "1 Main St",
                "city": "San Mateo",
                "state": "CA",
                "residency": "CA",
                "period": "all",
            }
        )


def drp_bodies(agent: DrpTestAgent, n: int) -> list[bytes]:
    claims = {**MAYA_CLAIMS}
    out = []
    for i in range(n):
        claims["email"] = f"drp{i}@example.com"
        out.append(agent.sign(agent.envelope(exercise="access:categories", regime="ccpa", **claims)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate web/DRP runs this many times (a drifting load hits both)",
    )
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="rk-bench-api-"))
    env = portal_env(var=var, db=DB, queue="bench-api")
    for sql in (f"DROP DATABASE IF EXISTS {DB}", f"CREATE DATABASE {DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    sh(PY, "manage.py", "migrate", "-v0", cwd=ROOT, env=env)
    sh(PY, "manage.py", "collectstatic", "--no-input", "-v0", cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{PORT}"
    agent = DrpTestAgent(HttpTransport(base), agent_id="BENCH_AGENT")
    (var / "agents.json").write_text(json.dumps([agent.directory_entry()]))
    sh(PY, "manage.py", "drp_agents_load", str(var / "agents.json"), cwd=ROOT, env=env)
    server, csrf = gunicorn_start(env=env, port=PORT)
    try:
        assert agent.setup()[0] == 200, "token set-up failed"
        form_headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"{base}/",
        }
        drp_headers = {"Content-Type": "text/plain", "Authorization": f"Bearer {agent.token}"}
        # More messages than the server can take in the time.
        budget = int(args.rounds * args.seconds * 1500) + 2000
        print(f"signing {budget * 2} DRP messages (warm-up and run) ...", flush=True)
        warm, bodies = drp_bodies(agent, 400), drp_bodies(agent, budget)
        # Warm-up, not measured: workers import lazily and compile templates on first use.
        drive(form_bodies(csrf, 400), path="/requests/new/", headers=form_headers, seconds=2, concurrency=4)
        drive(iter(warm), path="/v1/data-rights-request", headers=drp_headers, seconds=2, concurrency=4)
        print(
            f"gunicorn 2 sync workers, PostgreSQL, Redis broker; {args.concurrency} client threads, "
            f"{args.rounds} x {args.seconds:.0f}s per scenario, alternating"
        )
        print(f"{'scenario':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'count':>8}")
        forms, signed = form_bodies(csrf, 400 + args.rounds * budget), iter(bodies)
        for _ in range(400):
            next(forms)  # the warm-up's requesters
        webs, drps = [], []
        for _round in range(args.rounds):
            webs.append(
                drive(forms, path="/requests/new/", headers=form_headers, seconds=args.seconds,
                      concurrency=args.concurrency)
            )  # fmt: skip
            drps.append(
                drive(signed, path="/v1/data-rights-request", headers=drp_headers, seconds=args.seconds,
                      concurrency=args.concurrency)
            )  # fmt: skip
        web, drp = combined(webs), combined(drps)
        for name, r in (("web form POST (baseline)", web), ("DRP signed exercise", drp)):
            print(
                f"{name:<34}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}{r['count']:>8}"
            )
        print(f"ratio DRP/web form: {drp['rps'] / web['rps']:.2f} (target >= 0.8; p99 target < 150 ms)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        sh("redis-cli", "-n", "0", "DEL", "bench-api")
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
