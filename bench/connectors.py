"""Benchmark: one consumer's records across external systems (issue 11; DESIGN §8).

    .venv/bin/python bench/connectors.py [--rows 200000] [--runs 5] [--points 50] [--keep]

Five systems: the built-in tables (the portal's own Consumer/DataPoint, in a PostgreSQL database
rk_conn_ext_bench_portal migrated for the run, --points data points per consumer), and these. Builds, in databases of their own (rk_conn_ext_bench on PostgreSQL and on MariaDB), a billing schema
with `customers` (rows/10) and `payments` (--rows, the largest table; ~10 payments per customer), and a
small copy of it (10,000 payments) to show that the indexed locate stays flat as the table grows. Starts
two local HTTP services answering each request after 50 ms and 200 ms. Then measures, in the same run:
  - locate, and locate + export, for one consumer in each system (median of --runs, a different
    consumer each run);
  - all five systems one after another (the baseline) against all four in parallel threads
    (records.connectors.registry), and the parallel time against the slowest single system;
  - EXPLAIN of the SQL locate and of the reference traversal, showing the indexes used;
  - erase of one consumer across all systems, in parallel.
Targets (issue 11): every SQL locate uses an index and stays flat from 10 k to 1 M rows; the whole
export within 1.5x the slowest single system; erase across systems < 2 s.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakunest_privacy.settings")
os.environ.setdefault("RAKUNEST_VAR_DIR", tempfile.mkdtemp(prefix="rk-bench-conn-"))
os.environ.setdefault("DJANGO_DEBUG", "true")  # development settings: no production secrets needed
# The built-in system's tables live in a database of the bench's own, never the portal's.
PORTAL_DB = "rk_conn_ext_bench_portal"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PORTAL_DB}"


def fresh_portal_database() -> None:
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PORTAL_DB)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PORTAL_DB)))
    admin.close()


fresh_portal_database()

import django  # noqa: E402

django.setup()

import sqlalchemy as sa  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from records.connectors import BuiltinConnector  # noqa: E402
from records.connectors.datasets import load_dataset  # noqa: E402
from records.connectors.http import HttpConnector  # noqa: E402
from records.connectors.registry import records_erase, records_export, records_locate  # noqa: E402
from records.connectors.sql import SqlConnector, engine_for  # noqa: E402
from records.erasure import ErasurePlan, PlanEntry, erasure_plan_build  # noqa: E402
from records.models import Consumer, DataPoint, DataPointType, Source, System  # noqa: E402

DB = "rk_conn_ext_bench"
SERVERS = {
    "postgresql": "postgresql+psycopg2://postgres@127.0.0.1:5432",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306",
}
SMALL_ROWS = 10_000


# ---------------------------------------------------------------- databases


def create_database(kind: str) -> str:
    admin = sa.create_engine(
        SERVERS[kind] + ("/postgres" if kind == "postgresql" else "/"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        if kind == "postgresql":
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{DB}"'))
        else:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{DB}`"))
            conn.execute(sa.text(f"CREATE DATABASE `{DB}` CHARACTER SET utf8mb4"))
    admin.dispose()
    return f"{SERVERS[kind]}/{DB}"


def drop_database(kind: str) -> None:
    admin = sa.create_engine(
        SERVERS[kind] + ("/postgres" if kind == "postgresql" else "/"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        force = " WITH (FORCE)" if kind == "postgresql" else ""
        quote = '"' if kind == "postgresql" else "`"
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quote}{DB}{quote}{force}"))
    admin.dispose()


def fill(kind: str, url: str, prefix: str, rows: int) -> None:
    """customers (rows/10) and payments (rows), generated inside the server (one statement each)."""
    customers = max(1, rows // 10)
    series = (
        "generate_series(1, {n}) AS s(seq)" if kind == "postgresql" else "seq_1_to_{n}"
    )  # MariaDB's SEQUENCE engine
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE {prefix}customers (id INTEGER PRIMARY KEY, email VARCHAR(254), phone VARCHAR(20),"
                " member_no VARCHAR(16) UNIQUE, name VARCHAR(120), street VARCHAR(200))"
            )
        )
        conn.execute(
            sa.text(
                f"CREATE TABLE {prefix}payments (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,"
                " amount_cents INTEGER NOT NULL, card_last4 VARCHAR(4) NOT NULL, created_at TIMESTAMP NULL)"
            )
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {prefix}customers SELECT seq, CONCAT('person', seq, '@example.com'),"  # noqa: S608
                f" CONCAT('+1415', LPAD(CAST(seq AS CHAR(10)), 7, '0')), CONCAT('RN', LPAD(CAST(seq AS CHAR(10)), 8, '0')),"
                f" CONCAT('Person ', seq), CONCAT(seq, ' Market Street') FROM {series.format(n=customers)}"
            )
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {prefix}payments SELECT seq, ((seq - 1) % {customers}) + 1, 45000, '4242',"  # noqa: S608
                f" CURRENT_TIMESTAMP FROM {series.format(n=rows)}"
            )
        )
        conn.execute(sa.text(f"CREATE INDEX {prefix}customers_email ON {prefix}customers (email)"))
        conn.execute(sa.text(f"CREATE INDEX {prefix}customers_phone ON {prefix}customers (phone)"))
        conn.execute(sa.text(f"CREATE INDEX {prefix}payments_customer ON {prefix}payments (customer_id)"))
        conn.execute(sa.text("ANALYZE" if kind == "postgresql" else f"ANALYZE TABLE {prefix}payments"))
    engine.dispose()


def sql_dataset(directory: Path, system: str, env: str, prefix: str) -> Path:
    path = directory / f"{system}.yaml"
    path.write_text(
        f"""version: 1
kind: sql
system: {system}
connection: {{url_env: {env}}}
tables:
  {prefix}customers:
    identity: {{email: email, phone: phone}}
    fields:
      email: {{type: email, erase: delete_row}}
      phone: {{type: phone, erase: delete_row}}
      name: {{type: full_name, erase: delete_row}}
      street: {{type: postal_address, erase: delete_row}}
  {prefix}payments:
    references: {{customer_id: {prefix}customers.id}}
    collected_at: created_at
    fields:
      amount_cents: {{type: invoice, erase: delete_row}}
      card_last4: {{type: payment_card, erase: delete_row}}
""",
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------- the built-in system

BUILTIN_MIX = [("web_logs", "page_view", "device_logs"), ("comms_uploads", "message_post", "direct"),
               ("webinar_registrations", "webinar_registration", "direct")]  # fmt: skip


def build_portal(consumers: int, points: int) -> None:
    """Migrate the bench's portal database; consumers person1..N, each with `points` data points."""
    call_command("migrate", verbosity=0)
    Consumer.objects.bulk_create(
        (
            Consumer(
                email=f"person{n}@example.com",
                first_name="Person",
                last_name=str(n),
                name_normalized=f"person {n}",
            )
            for n in range(1, consumers + 1)
        ),
        batch_size=5000,
    )
    ids = Consumer.objects.values_list("pk", flat=True)
    mix = [
        (System.objects.get(code=s), DataPointType.objects.get(code=t), Source.objects.get(code=src))
        for s, t, src in BUILTIN_MIX
    ]
    now = timezone.now()
    DataPoint.objects.bulk_create(
        (
            DataPoint(
                consumer_id=pk,
                system=mix[i % 3][0],
                point_type=mix[i % 3][1],
                source=mix[i % 3][2],
                value=f"value {i}",
                collected_at=now,
            )  # fmt: skip
            for pk in ids
            for i in range(points)
        ),
        batch_size=10000,
    )
    connections.close_all()


class BuiltinAsFulfilmentErases(BuiltinConnector):
    """Erases by its own plan (records.erasure.erasure_plan_build), as deletion fulfilment does."""

    def erase(self, consumer, plan):
        consumers = list(consumer) if isinstance(consumer, list | tuple) else [consumer]
        target = consumers[0] if consumers else None
        return super().erase(target, erasure_plan_build(consumer=target))


# ---------------------------------------------------------------- HTTP services


def start_service(latency: float) -> tuple[ThreadingHTTPServer, str]:
    """A members API: lookup by e-mail, read, delete; every answer after `latency` seconds."""
    deleted: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            time.sleep(latency)
            parts = urlsplit(self.path)
            if parts.path == "/members":
                email = parse_qs(parts.query).get("email", [""])[0]
                member_id = email.split("@")[0]
                body = {"data": [] if member_id in deleted else [{"id": member_id}]}
            elif self.command == "DELETE":
                deleted.add(parts.path.rsplit("/", 1)[1])
                body = {"deleted": True}
            else:
                member_id = parts.path.rsplit("/", 1)[1]
                body = {"id": member_id, "email": f"{member_id}@example.com", "name": f"Member {member_id}"}
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_DELETE = answer  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def http_config(directory: Path, system: str, url: str) -> Path:
    path = directory / f"{system}.yaml"
    path.write_text(
        f"""version: 1
kind: http
system: {system}
base_url: {url}
timeout_seconds: 5
locate:
  - {{identity: email, path: /members, params: {{email: "{{email}}"}}, records: data}}
read: {{path: "/members/{{id}}"}}
erase: {{method: DELETE, path: "/members/{{id}}"}}
fields:
  email: {{type: email, erase: delete_row}}
  name: {{type: full_name, erase: delete_row}}
""",
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------- measuring


def median_ms(work: Callable[[int], object], runs: int, first: int) -> float:
    """Median of `runs` timed calls, after one untimed warm-up call (connections, plans)."""
    work(first + runs + 1000)
    times = []
    for run in range(runs):
        started = time.perf_counter()
        work(first + run)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def email(n: int) -> dict[str, str]:
    return {"email": f"person{n}@example.com"}


def locate_export(connector, n: int) -> int:
    return sum(1 for _ in connector.export(connector.locate(email(n))))


def explain(connector: SqlConnector, kind: str, prefix: str) -> list[str]:
    engine = engine_for(connector.dataset.url())
    statements = [  # table names are the bench's own constants
        f"SELECT id FROM {prefix}customers WHERE email = 'person7@example.com'",  # noqa: S608
        f"SELECT id FROM {prefix}payments WHERE customer_id IN (7)",  # noqa: S608
    ]
    lines = []
    with engine.connect() as conn:
        for statement in statements:
            lines.append(f"  EXPLAIN {statement}")
            for row in conn.execute(sa.text("EXPLAIN " + statement)):
                if kind == "postgresql":
                    lines.append(f"    {row[0]}")
                else:
                    info = row._mapping
                    lines.append(
                        f"    table={info['table']} type={info['type']} key={info['key']} rows={info['rows']}"
                    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the largest table (payments)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--points", type=int, default=50, help="built-in data points per consumer")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rk-bench-conn-"))
    small = {}
    print(
        f"Building: payments {args.rows:,} rows, customers {args.rows // 10:,} (and a {SMALL_ROWS:,}-row copy)"
    )
    started = time.perf_counter()
    build_portal(2000, args.points)
    connectors = {"builtin": BuiltinAsFulfilmentErases()}
    print(
        f"  builtin: 2,000 consumers x {args.points} data points, built in {time.perf_counter() - started:.1f} s"
    )
    for kind in SERVERS:
        started = time.perf_counter()
        url = create_database(kind)
        fill(kind, url, "", args.rows)
        fill(kind, url, "s_", SMALL_ROWS)
        env = f"BENCH_{kind.upper()}_URL"
        os.environ[env] = url
        connectors[kind] = SqlConnector(load_dataset(sql_dataset(workdir, f"sql_{kind}", env, "")))
        small[kind] = SqlConnector(load_dataset(sql_dataset(workdir, f"sql_{kind}_small", env, "s_")))
        print(f"  {kind}: built in {time.perf_counter() - started:.1f} s")
    services = []
    for latency in (0.05, 0.2):
        httpd, url = start_service(latency)
        services.append(httpd)
        name = f"http_{int(latency * 1000)}ms"
        connectors[name] = HttpConnector(load_dataset(http_config(workdir, name, url)))

    try:
        run_measures(connectors, small, args.runs)
    finally:
        for httpd in services:
            httpd.shutdown()
        if not args.keep:
            for kind in SERVERS:
                drop_database_safely(kind)
            connections.close_all()
            fresh_portal_database_drop()


def fresh_portal_database_drop() -> None:
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PORTAL_DB)))
    admin.close()


def drop_database_safely(kind: str) -> None:
    """Close the connector's pooled connections first: a database in use cannot be dropped."""
    from records.connectors import sql as sql_module

    for engine in list(sql_module._engines.values()):
        engine.dispose()
    sql_module._engines.clear()
    drop_database(kind)


def run_measures(connectors: dict, small: dict, runs: int) -> None:
    print("\nLocate for one consumer (median ms; a different consumer each run)")
    for kind in SERVERS:
        big_ms = median_ms(lambda n, c=connectors[kind]: c.locate(email(n)), runs, 10)
        small_ms = median_ms(lambda n, c=small[kind]: c.locate(email(n)), runs, 10)
        print(f"  {kind:<11} {SMALL_ROWS:>9,} rows: {small_ms:7.2f}   largest table: {big_ms:7.2f}"
              f"   ratio large/small {big_ms / small_ms:4.2f}")  # fmt: skip

    print("\nLocate + export for one consumer, each system alone (median ms)")
    single = {}
    for name, connector in connectors.items():
        single[name] = median_ms(lambda n, c=connector: locate_export(c, n), runs, 100)
        points = locate_export(connector, 99)
        print(f"  {name:<11} {single[name]:8.1f}   ({points} points)")
    listed = list(connectors.values())

    def sequential(n: int) -> None:
        for connector in listed:
            locate_export(connector, n)

    def parallel(n: int) -> None:
        records_export(located=records_locate(identity=email(n), connectors=listed))

    seq_ms = median_ms(sequential, runs, 200)
    par_ms = median_ms(parallel, runs, 300)
    slowest = max(single.values())
    print(f"\nAll {len(listed)} systems, locate + export (median ms)")
    print(f"  one after another (baseline): {seq_ms:8.1f}")
    print(f"  in parallel threads:          {par_ms:8.1f}   {seq_ms / par_ms:4.2f}x faster than the baseline")
    print(f"  parallel / slowest system:    {par_ms / slowest:8.2f}   (target <= 1.5)")

    print("\nEXPLAIN (the locate and the reference traversal use indexes)")
    for kind in SERVERS:
        print(f" {kind}:")
        print("\n".join(explain(connectors[kind], kind, "")))

    plan = ErasurePlan(
        consumer_id=None,
        entries=tuple(
            # Ids below zero: no System of the portal's (the built-in connector acts by System id).
            PlanEntry(system_id=-1 - i, system_code=c.system_code, system_name=c.system_code, action="delete")
            for i, c in enumerate(listed)
        ),
    )
    times, deleted = [], []
    for n in range(400, 400 + runs):
        started = time.perf_counter()
        located = records_locate(identity=email(n), connectors=listed)
        results = records_erase(located=located, plan=plan)
        times.append((time.perf_counter() - started) * 1000)
        assert not [r.error for r in results if r.error], [r.error for r in results]
        deleted.append(sum(r.value.totals["deleted"] for r in results))
    seq_times = []
    for n in range(500, 500 + runs):
        started = time.perf_counter()
        for connector in listed:
            connector.erase(connector.locate(email(n)), plan)
        seq_times.append((time.perf_counter() - started) * 1000)
    erase_ms, erase_seq = statistics.median(times), statistics.median(seq_times)
    print(f"\nErase one consumer across the {len(listed)} systems (locate + erase, median ms)")
    print(f"  one after another (baseline): {erase_seq:8.1f}")
    print(f"  in parallel threads:          {erase_ms:8.1f}   {erase_seq / erase_ms:4.2f}x; "
          f"{statistics.median(deleted):.0f} rows/records deleted per consumer (target < 2000 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
