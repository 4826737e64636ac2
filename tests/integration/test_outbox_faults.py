"""Fault drill for the outbox on the real stack: PostgreSQL, a real worker, and a PRIVATE Redis (its own
redis-server on a free port, so that stopping it touches no one else's broker).

Mid-run the broker goes away (intake must still answer and record; messages wait in the outbox) and the
worker is SIGKILLed with its pool; afterwards every message is delivered and the number sent twice is
counted and printed. The one window left: a worker killed after the mail was written and before its row's
`sent_at` committed sends that one message again (outbox.services docstring).
"""

import re
import shutil
import time
import uuid
from collections import Counter

import pytest
from django.test import override_settings
from django.urls import reverse

from rakunest_privacy.celery import app as celery_app
from requests_app.intake.services import acknowledgement_sweep
from requests_app.models import OutboxMessage, Submission
from requests_app.outbox.tasks import outbox_drain_task
from tests.integration.conftest import WorkerProcess
from tests.integration.drill_support import PrivateRedis

pytestmark = pytest.mark.integration


@pytest.fixture
def private_stack(transactional_db, tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the drill needs PostgreSQL (set DATABASE_URL)")
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    redis = PrivateRedis(tmp_path)
    redis.start()
    queue = f"drill-{uuid.uuid4().hex[:12]}"
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, broker_url=redis.url, task_default_queue=queue)
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None  # producers connect to the private broker
    worker = WorkerProcess(redis_url=redis.url, queue=queue, var_dir=tmp_path)
    worker.start()
    try:
        with override_settings(OUTBOX_RELAY_SYNC=False):
            yield redis, worker
    finally:
        worker.stop()
        redis.stop()
        celery_app.conf.update(saved)
        celery_app.__dict__.pop("amqp", None)
        celery_app._pool = None  # producers connect to the private broker


def _submit(client, form: dict, n: int, tag: str) -> None:
    for i in range(n):
        response = client.post(
            reverse("requests_app:request_new"), {**form, "email": f"drill-{tag}-{i}@example.com"}
        )
        assert response.status_code == 302  # recorded and answered, whatever the broker's state


def test_broker_outage_and_worker_sigkill_lose_nothing_and_duplicates_are_counted(
    client, private_stack, valid_form_data
):
    redis, worker = private_stack
    form = {**valid_form_data, "kinds": ["know_categories", "delete", "opt_out"]}
    _submit(client, form, 3, "before")

    redis.stop()  # the broker goes away mid-run
    _submit(client, form, 3, "outage")
    assert Submission.objects.count() == 6
    assert OutboxMessage.objects.filter(sent_at__isnull=True).exists()  # waiting, not lost

    redis.start()  # an empty broker on the same port: whatever it held is gone
    outbox_drain_task.apply_async()  # what beat's drain does every minute
    time.sleep(0.5)
    worker.kill_all()  # SIGKILL the worker and its pool mid-relay
    worker.start()
    _submit(client, form, 2, "after")
    outbox_drain_task.apply_async()

    started = time.monotonic()
    last_drain = [started]
    swept = []

    def settled() -> bool:
        # The drill's worker runs no beat: stand in for its periodic drain (every minute in production,
        # every 5 s here), which is what relays the rows that failed while the broker was away.
        if time.monotonic() - last_drain[0] > 5:
            outbox_drain_task.apply_async()
            last_drain[0] = time.monotonic()
            # An acknowledgement task the SIGKILL caught in flight comes back only after the broker's
            # visibility timeout (2 h); beat's sweeper re-enqueues it after STUCK_REQUEST_MINUTES. Stand in
            # for that too, once the outbox has had 30 s of its own, and count what it had to recover.
            if time.monotonic() - started > 30:
                with override_settings(STUCK_REQUEST_MINUTES=0):
                    swept.append(acknowledgement_sweep())
        return (
            not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
            and not Submission.objects.filter(acknowledged_at__isnull=True).exists()
        )

    worker.wait_for(
        settled,
        timeout=180,
        what="every outbox message sent and every submission acknowledged",
    )
    outbox_drain_task.apply_async()  # a last drain finds nothing more to send
    time.sleep(2)
    mails = worker.mails()
    ids = Counter(m for mail in mails for m in re.findall(r"^Message-ID: (<outbox-\d+@[^>]+>)", mail, re.M))
    sent_twice = sum(count - 1 for count in ids.values() if count > 1)
    print(
        f"\noutbox drill: {len(mails)} e-mails, {len(ids)} distinct, sent twice: {sent_twice}; "
        f"acknowledgements the sweeper re-enqueued: {sum(swept)}"
    )
    email_rows = OutboxMessage.objects.filter(kind="email")
    assert len(ids) == email_rows.count()  # every e-mail the outbox holds was delivered
    for i, tag in [(i, t) for t, n in (("before", 3), ("outage", 3), ("after", 2)) for i in range(n)]:
        to = f"drill-{tag}-{i}@example.com"
        assert sum("We received your privacy request" in m and f"To: {to}" in m for m in mails) >= 1, to
    assert sent_twice <= 1  # at most the one message the SIGKILL may have caught between send and mark
