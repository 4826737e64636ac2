"""Test-only failpoints, loaded into a drill's worker process alone (`celery worker --include
tests.integration.failpoints`); production code holds no hook.

DRILL_FAILPOINTS names the step functions to wrap, comma-separated, each
`module:function:when[:scope]`: `when` is `before` (the step's work not done yet) or `after` (done and
committed, its task not yet acknowledged); `scope` is `process` (default: the pool process running the
task, as the OOM killer takes one process; the master requeues the task, CELERY_TASK_REJECT_ON_WORKER_LOST)
or `worker` (the whole worker with its pool, as a lost host: a fresh worker and the sweepers take over).
The first call of each step anywhere (remembered by a marker file in DRILL_MARKER_DIR, created with
O_EXCL so that two processes cannot both take it) SIGKILLs; every later call runs the step unchanged.

The tasks import their service inside the function, so replacing the module attribute here reaches them.
"""

import functools
import importlib
import json
import os
import signal
import time
from pathlib import Path

import django

django.setup()


def _killer(module_name: str, name: str, when: str, scope: str, original):
    marker = Path(os.environ["DRILL_MARKER_DIR"]) / f"{module_name}.{name}"

    def kill() -> None:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return  # fired already: from now on the step runs as in production
        os.write(
            fd, json.dumps({"when": when, "scope": scope, "pid": os.getpid(), "t": time.time()}).encode()
        )
        os.fsync(fd)
        os.close(fd)
        if scope == "worker":
            os.killpg(os.getpgid(0), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if when == "before":
            kill()
        result = original(*args, **kwargs)
        if when == "after":
            kill()
        return result

    return wrapper


def install(spec: str) -> list[str]:
    installed = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        module_name, name, when, *rest = item.split(":")
        scope = rest[0] if rest else "process"
        if when not in ("before", "after") or scope not in ("process", "worker"):
            raise ValueError(f"bad failpoint {item!r}")
        module = importlib.import_module(module_name)
        setattr(module, name, _killer(module_name, name, when, scope, getattr(module, name)))
        installed.append(f"{module_name}.{name}")
    return installed


INSTALLED = install(os.environ.get("DRILL_FAILPOINTS", ""))
