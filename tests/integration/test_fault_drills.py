"""Fault drills on the real stack (issue 13 part 2): a batch of requests of every kind goes through intake
(the web form), verification (codes read from the SMTP server), staff approval and fulfilment by real
workers, while one fault strikes mid-run:

- `sigkill`: a test-only failpoint module (tests/integration/failpoints.py, loaded into the drill's
  workers alone) SIGKILLs the worker at the first call of each fulfilment step, before or after the step's
  work, the pool process alone or the whole worker with its pool; a fresh process picks the work up;
- `redis`: the private broker stops (its queues are lost) while intake goes on, and starts again empty;
- `smtp`: the SMTP server stops for a while and starts again;
- `postgres`: the private PostgreSQL cluster that every process uses is restarted (`pg_ctlcluster`).

Afterwards every request is in its right final state, every e-mail the outbox holds reached the SMTP
server, and the number sent twice (same Message-ID, or the same mail under another one) is printed.

How the processes are laid out, and why: the workers are real `celery worker` processes (two, one pool
process each, so that one can die while the other works); the test process is the web tier (Django's test
client posts the request form) and plays the requester and the approver through the services the pages
call, and stands in for beat by publishing the drain and the sweepers every few seconds (STUCK_REQUEST_MINUTES
is 0 in the workers: "stuck" means "not done yet"). For the PostgreSQL drill every process, the test process
included, is pointed at a private cluster holding a copy of the migrated test database: one restart then
reaches the web tier, the workers and the drain at once, which a gunicorn subprocess would not add to
(Django's request_started handler, close_old_connections, is what the test process calls before each round).

The one duplicate window left is the outbox's (requests_app.outbox.services): a worker killed after the
SMTP server accepted a message and before its row's sent_at committed sends that message again, under the
same Message-ID. The failpoints kill at step boundaries, never between a send and its mark (a whole-worker
kill could catch a relay of another pool process; with one pool process per worker there is none). The
PostgreSQL drill found a second one, now closed: a restart between the send and the mark made the drain
send the mail again; the relay now marks it on a fresh connection (test_outbox.py has its unit test).
"""

import random
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.db import close_old_connections, connection
from django.test import override_settings
from django.urls import reverse

from rakunest_privacy.celery import app as celery_app
from records.models import DataPoint, Recipient
from requests_app.correction.services import ItemInput, correction_decide, correction_submit
from requests_app.deletion.services import deletion_confirm
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.manual.services import HANDED_TO_STAFF
from requests_app.models import (
    AccessReport,
    CorrectionCase,
    DeletionCase,
    Kind,
    OutboxMessage,
    PrivacyRequest,
    ProcessorNotice,
    ReportStep,
    Status,
    Submission,
    VerificationState,
)
from requests_app.verify import services as verify
from staff.services import request_manual_complete, staff_request_approve
from tests.factories import ConsumerFactory, staff_member
from tests.integration.conftest import WorkerProcess
from tests.integration.drill_support import CODE, PrivateCluster, PrivateRedis, SmtpSink

pytestmark = pytest.mark.integration

KINDS = [
    Kind.KNOW_CATEGORIES,
    Kind.ACCESS_SPECIFIC,
    Kind.DELETE,
    Kind.CORRECT,
    Kind.OPT_OUT,
    Kind.SHINE_THE_LIGHT,
    Kind.UNSUBSCRIBE,
    Kind.CLOSE_ACCOUNT,
    Kind.ADMT_ACCESS,
    Kind.ADMT_OPT_OUT,
]
HELD_KINDS = [Kind.ACCESS_SPECIFIC, Kind.DELETE, Kind.CORRECT]  # approved only once the fault struck
# Submitted mid-run, while the fault is on (or just after a PostgreSQL restart).
LATE_KINDS = [Kind.KNOW_CATEGORIES, Kind.OPT_OUT, Kind.DELETE]

# Every fulfilment step of the batch, `module:function:when[:scope]` (tests/integration/failpoints.py).
S = "requests_app"
FAILPOINTS = [
    f"{S}.intake.services:acknowledgement_send:before",
    f"{S}.verify.services:verification_start:after",
    f"{S}.reports.services:access_report_fulfil:before:worker",
    f"{S}.deletion.services:deletion_start:after",
    f"{S}.deletion.services:deletion_execute:before:worker",
    f"{S}.deletion.services:deletion_response_send:after",
    f"{S}.correction.services:correction_start:before",
    f"{S}.optout.services:opt_out_fulfil:after",
    f"{S}.optout.services:shine_the_light_fulfil:before",
    f"{S}.optout.services:unsubscribe_fulfil:after:worker",
    f"{S}.optout.services:close_account_fulfil:before",
    f"{S}.optout.services:choice_response_send:after",
    f"{S}.processors.services:processor_notice_send:before",
    f"{S}.manual.services:manual_fulfilment_hand_over:after",
    f"{S}.outbox.services:outbox_relay_one:before",
]
# What beat runs, by pinned task name; the drill publishes them every SWEEP_SECONDS.
BEAT = [
    "requests.outbox.drain",
    "requests.intake.sweep",
    "requests.verify.sweep",
    "requests.optout.sweep",
    "requests.deletion.sweep",
    "requests.systems.sweep",
    "requests.processors.reminders",  # also re-enqueues notices whose first message was lost
]
SWEEP_SECONDS = 3
OUTAGE_SECONDS = 4  # how long the broker or the SMTP server stays away
DEADLINE_SECONDS = 150


@dataclass
class Stack:
    fault: str
    redis: PrivateRedis
    smtp: SmtpSink
    workers: list[WorkerProcess]
    cluster: PrivateCluster | None = None
    marker_dir: object = None
    restarts: int = 0

    def workers_revive(self) -> None:
        for worker in self.workers:
            if worker.proc is not None and worker.proc.poll() is not None:
                self.restarts += 1
                worker.start()

    def logs(self) -> str:
        return "\n".join(w.log_path.read_text()[-2500:] for w in self.workers)


@pytest.fixture
def drill_stack(request, transactional_db, tmp_path, settings):
    import shutil

    fault = request.param
    if connection.vendor != "postgresql":
        pytest.skip("the drills need PostgreSQL (set DATABASE_URL)")
    if shutil.which("redis-server") is None:
        pytest.skip("the drills need redis-server")
    pytest.importorskip("aiosmtpd")
    if fault == "postgres" and not PrivateCluster.available():
        pytest.skip("the PostgreSQL drill needs root and Debian's pg_createcluster")
    settings.ADMT_REQUESTS_ENABLED = True
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0  # the window itself is tested with eager tasks
    settings.AUTO_APPROVE_VERIFIED_KINDS = []  # every request passes an approver
    for recipient in Recipient.objects.all():  # every processor instructed by e-mail, to our SMTP server
        recipient.notify_by, recipient.notify_email = (
            "email",
            f"privacy@{recipient.code.replace('_', '-')}.example",
        )
        recipient.save(update_fields=["notify_by", "notify_email"])

    cluster, saved_db = None, None
    if fault == "postgres":
        cluster = PrivateCluster()
        db = connection.settings_dict
        try:
            cluster.create()
            cluster.copy_database(source=db, name="rk_drill")
        except Exception:
            cluster.drop()
            raise
        saved_db = {k: db[k] for k in ("HOST", "PORT", "NAME")}
        connection.close()
        db.update(HOST="127.0.0.1", PORT=str(cluster.port), NAME="rk_drill")
        settings.DATABASES["default"].update(HOST="127.0.0.1", PORT=str(cluster.port), NAME="rk_drill")

    redis, smtp = PrivateRedis(tmp_path), SmtpSink()
    queue = f"drill-{fault}-{tmp_path.name[-12:]}"
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, broker_url=redis.url, task_default_queue=queue)
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    marker_dir = tmp_path / "failpoints"
    marker_dir.mkdir()
    env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "STUCK_REQUEST_MINUTES": "0",
        "DELETION_CANCEL_WINDOW_MINUTES": "0",
        "ADMT_REQUESTS_ENABLED": "true",
        "SMS_BACKEND": "verification.sms.LocmemBackend",
    }
    args: tuple[str, ...] = ()
    if fault == "sigkill":
        env.update(DRILL_FAILPOINTS=",".join(FAILPOINTS), DRILL_MARKER_DIR=str(marker_dir))
        args = ("--include", "tests.integration.failpoints")
    workers = [
        WorkerProcess(
            redis_url=redis.url,
            queue=queue,
            var_dir=tmp_path / f"worker{n}",
            concurrency=1,
            extra_env=env,
            extra_args=args,
        )
        for n in range(2)
    ]
    stack = Stack(
        fault=fault, redis=redis, smtp=smtp, workers=workers, cluster=cluster, marker_dir=marker_dir
    )
    try:
        redis.start()
        smtp.start()
        for worker in workers:
            worker.start()
        with override_settings(OUTBOX_RELAY_SYNC=False):
            yield stack
    finally:
        for worker in workers:
            worker.kill_all()
        smtp.stop()
        redis.stop()
        celery_app.conf.update(saved)
        celery_app.__dict__.pop("amqp", None)
        celery_app._pool = None
        if saved_db is not None:
            connection.close()
            connection.settings_dict.update(saved_db)
            settings.DATABASES["default"].update(saved_db)
            cluster.drop()


@dataclass
class Batch:
    """The requesters and the approver, acting through the pages' services as each step allows."""

    client: object
    smtp: SmtpSink
    approver: object = None
    n: int = 0
    emails: dict[int, str] = field(default_factory=dict)  # submission pk -> address
    used_codes: set = field(default_factory=set)
    ips: dict[int, str] = field(default_factory=dict)
    # Kinds the approver leaves in review until the fault has struck, so that it always finds work open
    # (on an idle machine the rest of the batch can be done within seconds).
    held: set = field(default_factory=lambda: set(HELD_KINDS))

    def submit(self, kind: str) -> None:
        self.n += 1
        n = self.n
        email = f"drill-{kind.replace('_', '-')}-{n}@example.com"
        consumer = ConsumerFactory(
            email=email, phone=f"+14155559{n:03d}", member_number=f"RN9{n:07d}", first_name="Dana"
        )
        DataPoint.objects.bulk_create(DataPointMaker(random.Random(n)).rich(consumer))
        response = self.client.post(
            reverse("requests_app:request_new"),
            {
                "kinds": [kind],
                "first_name": "Dana",
                "last_name": consumer.last_name,
                "email": email,
                "phone": f"(415) 555-9{n:03d}",
                "street": consumer.street,
                "city": consumer.city,
                "state": "CA",
                "zip_code": consumer.zip5,
                "date_of_birth": consumer.date_of_birth.isoformat(),
                "member_number": consumer.member_number,
            },
        )
        assert response.status_code == 302, response.content[:2000]  # recorded and answered
        submission = Submission.objects.get(email=email)
        self.emails[submission.pk] = email
        self.ips[submission.pk] = f"198.51.100.{n}"

    def _code(self, to: str, subject: str) -> str | None:
        for mail in reversed(self.smtp.received()):
            if mail.to == to and mail.subject.startswith(subject):
                match = CODE.search(mail.text)
                if match and (to, match.group(1)) not in self.used_codes:
                    return match.group(1)
        return None

    def advance(self) -> None:
        """One round of what the people do: prove an address, sign, approve, confirm, correct, complete."""
        self.approver = self.approver or staff_member("drill-approver", "approver")
        for state in VerificationState.objects.filter(
            step__in=[VerificationState.Step.TYPED_CODE, VerificationState.Step.DECLARATION]
        ):
            pk, to = state.submission_id, self.emails.get(state.submission_id)
            if to is None:
                continue
            if state.step == VerificationState.Step.TYPED_CODE:
                code = self._code(to, "Your RakuNest privacy request: confirm your e-mail address")
                if code is None:
                    continue
                self.used_codes.add((to, code))
                state = verify.verification_typed_code_check(submission_id=pk, code=code, ip=self.ips[pk])
            if state.step == VerificationState.Step.DECLARATION:
                verify.verification_declaration_sign(
                    submission_id=pk, signed_name="Dana Chen", ip=self.ips[pk], user_agent="drill"
                )
        for request in PrivacyRequest.objects.filter(status=Status.IN_REVIEW).exclude(kind__in=self.held):
            staff_request_approve(request=request, actor=self.approver)
        for case in DeletionCase.objects.filter(
            state=DeletionCase.State.AWAITING_CONFIRMATION, code_sent_at__isnull=False
        ).select_related("request__submission"):
            to = case.request.submission.email
            code = self._code(to, "Confirm the deletion of your information")
            if code is not None:
                self.used_codes.add((to, code))
                assert deletion_confirm(reference=case.request.reference, code=code)
        for case in CorrectionCase.objects.filter(
            state=CorrectionCase.State.AWAITING_DETAILS, invited_at__isnull=False
        ).select_related("request"):
            point = DataPoint.objects.get(
                consumer=case.request.consumer_id,
                system__code="member_accounts",
                point_type__code="postal_address",
            )
            correction_submit(request=case.request, items=[ItemInput(point.pk, "500 Howard Street, SF")])
        for case in CorrectionCase.objects.filter(state=CorrectionCase.State.SUBMITTED).select_related(
            "request"
        ):
            correction_decide(request=case.request, actor=self.approver, approve=True, notes="Lease seen.")
        for request in PrivacyRequest.objects.filter(
            status=Status.FULFILLING, events__name=HANDED_TO_STAFF
        ).distinct():
            request_manual_complete(request=request, actor=self.approver, notes="Done by hand (drill).")


def _beat() -> None:
    for name in BEAT:
        try:
            celery_app.send_task(name, retry=False)
        except Exception:  # noqa: S110 the broker is away: beat's next tick tries again
            pass


def _settled() -> bool:
    return (
        not PrivacyRequest.objects.exclude(status=Status.COMPLETED).exists()
        and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
        and not Submission.objects.filter(acknowledged_at__isnull=True).exists()
        and not ProcessorNotice.objects.exclude(status=ProcessorNotice.State.SENT).exists()
    )


def _fault_due(stack: Stack) -> bool:
    """Mid-run: once a third of the batch is done (the rest is then at every step from intake on, and the
    held kinds wait for their approval)."""
    return PrivacyRequest.objects.filter(status=Status.COMPLETED).count() * 3 >= len(KINDS)


def _fault(stack: Stack, batch: Batch) -> dict:
    """Strike the drill's fault; the web tier takes LATE_KINDS meanwhile. Returns what it saw."""
    seen: dict = {"open_at_fault": PrivacyRequest.objects.exclude(status=Status.COMPLETED).count()}
    struck = time.monotonic()
    if stack.fault == "redis":
        stack.redis.stop()
        before = Submission.objects.count()
        for kind in LATE_KINDS:
            batch.submit(kind)  # the web tier answers and records, with the broker away
        seen["recorded_in_outage"] = Submission.objects.count() - before
        seen["waiting_in_outbox"] = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        _hold(stack, batch, OUTAGE_SECONDS, beat=False)  # beat's publishes fail too while it is away
        stack.redis.start()  # empty: every queued and unacknowledged message is gone
    elif stack.fault == "smtp":
        stack.smtp.stop()
        for kind in LATE_KINDS:
            batch.submit(kind)
        _hold(stack, batch, OUTAGE_SECONDS)
        seen["failed_while_down"] = OutboxMessage.objects.filter(attempts__gt=0, sent_at__isnull=True).count()
        stack.smtp.start()
    elif stack.fault == "postgres":
        seen["postmaster_started"] = _postmaster_started()
        stack.cluster.ctl("restart")
        close_old_connections()
        for kind in LATE_KINDS:
            batch.submit(kind)
    else:
        for kind in LATE_KINDS:
            batch.submit(kind)
    seen["fault_s"] = round(time.monotonic() - struck, 1)
    return seen


def _hold(stack: Stack, batch: Batch, seconds: float, *, beat: bool = True) -> None:
    """The outage lasts `seconds` (a duration, not a condition); people (and beat) go on meanwhile."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        batch.advance()
        if beat:
            _beat()
        time.sleep(0.5)


@pytest.mark.parametrize("drill_stack", ["sigkill", "redis", "smtp", "postgres"], indirect=True)
def test_every_request_ends_right_and_nothing_is_sent_twice_under_the_fault(client, drill_stack):
    stack = drill_stack
    started = time.monotonic()
    batch = Batch(client=client, smtp=stack.smtp)
    for kind in KINDS:
        batch.submit(kind)

    seen, last_beat = None, 0.0
    deadline = started + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        close_old_connections()  # what Django does at each request's start
        batch.advance()
        if seen is None and _fault_due(stack):
            seen = {"at_s": round(time.monotonic() - started, 1), **_fault(stack, batch)}
            batch.held = set()
        if time.monotonic() - last_beat > SWEEP_SECONDS:
            _beat()
            last_beat = time.monotonic()
        stack.workers_revive()
        if seen is not None and _settled() and _delivered(stack):
            break
        time.sleep(0.3)
    else:
        raise AssertionError(
            f"the {stack.fault} drill did not settle in {DEADLINE_SECONDS} s:\n{_left()}\n{stack.logs()}"
        )
    duration = time.monotonic() - started

    received = stack.smtp.received()
    ids = Counter(m.message_id for m in received)
    distinct = {m.message_id: m for m in received}.values()
    same_mail = Counter((m.to, m.subject, m.text) for m in distinct)
    twice_by_id = sum(c - 1 for c in ids.values())
    twice_by_content = sum(c - 1 for c in same_mail.values())
    fired = sorted(p.name for p in stack.marker_dir.iterdir())
    print(
        f"\n{stack.fault} drill: {duration:.1f} s, {Submission.objects.count()} submissions, "
        f"{PrivacyRequest.objects.count()} requests, {len(received)} e-mails received, {len(ids)} distinct; "
        f"sent twice: {twice_by_id} (same Message-ID), {twice_by_content} (same mail, another Message-ID); "
        f"worker restarts: {stack.restarts}; failpoints fired: {len(fired)}; seen: {seen}"
    )

    # Every request reached its right final state.
    assert PrivacyRequest.objects.count() == len(KINDS) + len(LATE_KINDS)
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {Status.COMPLETED}
    # A deletion keeps what the law keeps (payments, security logs: the rich records hold both).
    outcomes = Counter(PrivacyRequest.objects.values_list("kind", "outcome"))
    assert outcomes == Counter(
        (kind, "partially" if kind == Kind.DELETE else "complied") for kind in KINDS + LATE_KINDS
    )
    access = PrivacyRequest.objects.filter(kind__in=[Kind.KNOW_CATEGORIES, Kind.ACCESS_SPECIFIC])
    assert AccessReport.objects.filter(request__in=access, step=ReportStep.READY).count() == access.count()
    deletions = DeletionCase.objects.all()
    assert deletions.count() == 2 and not deletions.filter(response_sent_at__isnull=True).exists()
    assert set(CorrectionCase.objects.values_list("state", flat=True)) == {CorrectionCase.State.APPROVED}
    # Every e-mail the outbox holds reached the SMTP server, the expected ones by template.
    rows = OutboxMessage.objects.filter(kind="email")
    assert {f"<outbox-{pk}@rakunest.example>" for pk in rows.values_list("pk", flat=True)} <= set(ids)
    templates = Counter(rows.values_list("payload__template", flat=True))
    choice_kinds = [Kind.OPT_OUT, Kind.SHINE_THE_LIGHT, Kind.UNSUBSCRIBE, Kind.CLOSE_ACCOUNT]
    assert templates["acknowledgement"] == Submission.objects.count()
    assert templates["report_ready"] == access.count()
    assert templates["deletion_completed"] == 2
    assert templates["correction_completed"] == 1
    assert templates["choice_response"] == PrivacyRequest.objects.filter(kind__in=choice_kinds).count()
    assert templates["processor_notice"] == ProcessorNotice.objects.count() > 0
    if stack.fault == "sigkill":
        assert len(fired) == len(FAILPOINTS), fired  # every step was killed once
        assert stack.restarts >= 2  # the whole-worker kills needed a fresh worker
    if stack.fault == "redis":  # the web tier answered during the outage; messages waited
        assert seen["recorded_in_outage"] == len(LATE_KINDS) and seen["waiting_in_outbox"] > 0
    if stack.fault == "smtp":
        assert seen["failed_while_down"] > 0
    if stack.fault == "postgres":  # the server every process used was restarted under them
        assert _postmaster_started() > seen["postmaster_started"]
    assert seen["open_at_fault"] >= len(HELD_KINDS)  # mid-run
    assert twice_by_id == 0 and twice_by_content == 0
    assert duration < DEADLINE_SECONDS


def _delivered(stack: Stack) -> bool:
    ids = {m.message_id for m in stack.smtp.received()}
    pks = OutboxMessage.objects.filter(kind="email").values_list("pk", flat=True)
    return all(f"<outbox-{pk}@rakunest.example>" in ids for pk in pks)


def _left() -> str:
    return (
        f"requests: {Counter(PrivacyRequest.objects.values_list('kind', 'status'))}; "
        f"unsent outbox: {Counter(OutboxMessage.objects.filter(sent_at__isnull=True).values_list('kind', 'last_error'))}; "
        f"notices: {Counter(ProcessorNotice.objects.values_list('status', flat=True))}"
    )


def _postmaster_started():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]
