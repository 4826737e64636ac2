"""The real stack: PostgreSQL, Redis and a Celery worker process.

The worker is a separate `celery worker` process with production settings, pointed at the test
database and at a queue of its own on Redis, so that concurrent test runs never take each other's work.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from rakunest_privacy.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _require_real_stack() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("integration tests need PostgreSQL (set DATABASE_URL; `make test` does)")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("integration tests need Redis (set TEST_REDIS_URL; `make test` does)")
    return redis_url


class WorkerProcess:
    def __init__(
        self,
        *,
        redis_url: str,
        queue: str,
        var_dir: Path,
        concurrency: int = 2,
        extra_env: dict | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        """`extra_env` overrides settings of this worker alone (the drills' SMTP server, failpoints);
        `extra_args` are more `celery worker` options (`--include` of a test-only module)."""
        self.redis_url, self.queue, self.var_dir = redis_url, queue, var_dir
        self.concurrency, self.extra_env, self.extra_args = concurrency, extra_env or {}, extra_args
        var_dir.mkdir(parents=True, exist_ok=True)
        self.mail_dir = var_dir / "mail"
        self.log_path = var_dir / "worker.log"
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict:
        db = settings.DATABASES["default"]
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "rakunest_privacy.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": self.redis_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "RAKUNEST_VAR_DIR": str(self.var_dir),
            "FERNET_KEYS": ",".join(settings.FERNET_KEYS),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **self.extra_env,
        }

    def start(self) -> None:
        self.started_at = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "rakunest_privacy",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{self.var_dir.name}@%h",
                *self.extra_args,
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill_all() reaches the pool's children
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if b"ready." in self.log_path.read_bytes()[self.started_at :]:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError("worker did not become ready in 60 s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def kill_all(self) -> None:
        """SIGKILL the worker and its pool processes at once, as the kernel's OOM killer or a lost host would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def mails(self) -> list[str]:
        """Every message the worker sent. Django's file backend names a file by second and backend object,
        so two messages sent in the same second may share one file: split on its separator line."""
        if not self.mail_dir.exists():
            return []
        separator = "\n" + "-" * 79 + "\n"
        return [
            message
            for path in sorted(self.mail_dir.glob("*.log"))
            for message in path.read_text().split(separator)
            if message.strip()
        ]

    def wait_for(self, predicate, timeout: float = 60.0, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.25)
        raise AssertionError(
            f"timed out waiting for {what}; worker log:\n{self.log_path.read_text()[-3000:]}"
        )


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real worker for one test; the test process enqueues to Redis instead of running tasks eagerly."""
    redis_url = _require_real_stack()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url, task_default_queue=queue)
    celery_app.__dict__.pop("amqp", None)  # its router caches the default queue; rebuild it from conf
    worker = WorkerProcess(redis_url=redis_url, queue=queue, var_dir=tmp_path)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        celery_app.conf.update(saved)
        celery_app.__dict__.pop("amqp", None)
