"""Private services for the fault drills, each on a free port of its own so that stopping one touches no
one else's: a redis-server, an SMTP server (aiosmtpd) that records what it accepts, and a PostgreSQL
cluster (Debian's pg_createcluster; never the shared `main` cluster on 5432)."""

import email
import email.policy
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


class PrivateRedis:
    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.dir, self.proc = tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, "private redis-server")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@dataclass(frozen=True)
class Received:
    message_id: str
    to: str
    subject: str
    text: str


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepted; stop() and start() again on the
    same port for an outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.controller = None
        self._lock = threading.Lock()
        self._messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self._lock:
            self._messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def received(self) -> list[Received]:
        with self._lock:
            raw = list(self._messages)
        out = []
        for data in raw:
            message = email.message_from_bytes(data, policy=email.policy.default)
            body = message.get_body(("plain",))
            out.append(
                Received(
                    message_id=str(message["Message-ID"]).strip(),
                    to=str(message["To"]).strip(),
                    subject=" ".join(str(message["Subject"]).split()),
                    text=body.get_content() if body is not None else "",
                )
            )
        return out


logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO

CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


class PrivateCluster:
    """A PostgreSQL 15 cluster of its own (trust auth on 127.0.0.1), created and dropped by the drill."""

    VERSION = "15"

    def __init__(self) -> None:
        self.name = f"drill{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="rk-drill-pg-")

    @classmethod
    def available(cls) -> bool:
        return os.geteuid() == 0 and all(shutil.which(c) for c in ("pg_createcluster", "pg_ctlcluster"))

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            "pg_createcluster", self.VERSION, self.name, "-p", str(self.port), "-d", self.dir,
            "-o", "fsync=off",
            "--", "--auth-local=trust", "--auth-host=trust",
        )  # fmt: skip
        self.ctl("start")

    def ctl(self, action: str) -> None:
        self._run("pg_ctlcluster", self.VERSION, self.name, action)
        if action in ("start", "restart"):
            _wait_port(self.port, "the private PostgreSQL cluster", timeout=30)

    def copy_database(self, *, source: dict, name: str) -> None:
        """The source database (schema and rows, e.g. the migrated test database) as `name` here."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        dump = subprocess.run(
            ["pg_dump", "-h", source["HOST"], "-p", str(source["PORT"]), "-U", source["USER"]]
            + ["--no-owner", "--no-privileges", source["NAME"]],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port)]
            + ["-U", "postgres", "-d", name],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def drop(self) -> None:
        subprocess.run(
            ["pg_dropcluster", "--stop", self.VERSION, self.name], capture_output=True, timeout=120
        )
        shutil.rmtree(self.dir, ignore_errors=True)
