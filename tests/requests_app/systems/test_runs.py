"""One run per request, external system and step: its states, fan-out, retries, alerts and skips."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from records.connectors import ConnectorError
from requests_app.exceptions import RequestError
from requests_app.models import RequestEvent, SystemRun
from requests_app.systems import services as systems
from requests_app.systems.services import RUN_STATES
from tests.records.external_schema import MAYA

pytestmark = pytest.mark.django_db

R = SystemRun.State


def gather(request, *, step="export"):
    return systems.system_runs_gather(
        request=request, step=step, identity=systems.consumer_identity(request.consumer)
    )


def run_of(request, system, step="export") -> SystemRun:
    return SystemRun.objects.get(request=request, system=system, step=step)


# --- States -------------------------------------------------------------------------------------------


def test_every_state_has_a_row_in_the_transition_table_and_answered_states_are_final():
    assert set(RUN_STATES) == set(R.values)
    assert RUN_STATES[R.DONE] == RUN_STATES[R.SKIPPED] == frozenset()


def test_a_done_run_cannot_be_started_again(access_request, billing):
    gather(access_request)
    run = run_of(access_request, billing)
    systems.system_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == R.DONE
    with pytest.raises(RequestError):
        systems._change(run, R.RUNNING)


def test_each_state_change_of_a_run_is_an_audit_event(access_request, billing):
    gather(access_request)
    run = run_of(access_request, billing)
    systems.system_run_execute(run_id=run.pk)
    names = list(
        RequestEvent.objects.filter(request=access_request, name__startswith="requests.systems.").values_list(
            "name", flat=True
        )
    )
    assert names == ["requests.systems.fanned_out", "requests.systems.running", "requests.systems.done"]
    done = RequestEvent.objects.get(request=access_request, name="requests.systems.done")
    assert done.data == {
        "system": "billing",
        "step": "export",
        "found": 1,
        "exported": 10,
        "from": "running",
        "to": "done",
    }


# --- Fan-out --------------------------------------------------------------------------------------------


def test_with_no_external_system_nothing_waits_and_no_run_is_created(access_request):
    assert gather(access_request) is True
    assert not SystemRun.objects.exists()


def test_the_fan_out_creates_one_run_per_system_once_and_enqueues_one_task_each(
    access_request, billing, paper_files, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(  # the outbox relay publishes with apply_async (delay calls it too)
        systems.system_run_task,
        "apply_async",
        lambda args=(), kwargs=None, **kw: enqueued.append(tuple(args)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert gather(access_request) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert gather(access_request) is False

    runs = SystemRun.objects.filter(request=access_request)
    assert sorted(runs.values_list("system__code", flat=True)) == ["billing", "paper_files"]
    assert all(r.state == R.PENDING and r.identity_sealed for r in runs)
    assert sorted(enqueued) == sorted((r.pk,) for r in runs)  # a primary key, and nothing else
    assert (
        RequestEvent.objects.filter(request=access_request, name="requests.systems.fanned_out").count() == 1
    )


def test_the_identity_is_kept_only_encrypted_and_goes_when_the_run_ends(access_request, billing):
    gather(access_request)
    run = run_of(access_request, billing)
    assert MAYA["email"] not in run.identity_sealed and MAYA["member_number"] not in run.identity_sealed
    assert systems._unseal(run.identity_sealed).email == MAYA["email"]
    systems.system_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.identity_sealed == ""


def test_an_export_run_counts_what_it_found_and_keeps_the_points_only_encrypted(
    access_request, billing, settings
):
    gather(access_request)
    run = run_of(access_request, billing)
    assert systems.system_run_execute(run_id=run.pk) is True
    run.refresh_from_db()
    assert (run.state, run.found, run.exported, run.attempts) == (R.DONE, 1, 10, 1)
    with open(f"{settings.MEDIA_ROOT}/{run.points_name}", "rb") as stored:
        raw = stored.read()
    assert b"maya" not in raw.lower() and b"4242" not in raw


def test_a_redelivered_message_for_a_done_run_does_nothing(access_request, billing):
    gather(access_request)
    run = run_of(access_request, billing)
    systems.system_run_execute(run_id=run.pk)
    events = RequestEvent.objects.count()
    assert systems.system_run_execute(run_id=run.pk) is False
    run.refresh_from_db()
    assert run.attempts == 1 and RequestEvent.objects.count() == events


# --- Failures, retries and alerts -----------------------------------------------------------------


@pytest.fixture
def unbuilt_billing(tmp_path, monkeypatch, billing):
    """The billing system pointed at an empty database: every query fails (a ConnectorError)."""
    monkeypatch.setenv("BILLING_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    return billing


def test_a_connector_error_marks_the_run_failing_with_its_next_attempt_and_is_raised_for_the_retry(
    access_request, unbuilt_billing, settings
):
    settings.SYSTEM_RUN_RETRY_BASE_SECONDS = 30
    gather(access_request)
    run = run_of(access_request, unbuilt_billing)
    before = timezone.now()
    with pytest.raises(ConnectorError):
        systems.system_run_execute(run_id=run.pk, retries=2)
    run.refresh_from_db()
    assert run.state == R.FAILING and run.attempts == 1
    assert run.last_error == "billing: locate failed (OperationalError)"
    assert timedelta(seconds=119) < run.next_attempt_at - before < timedelta(seconds=125)  # 30 s × 2²
    assert run.failing_since and not run.configuration_error


def test_retries_are_bounded_and_a_failing_run_recovers_on_the_next_attempt(
    access_request, unbuilt_billing, monkeypatch, tmp_path, settings
):
    gather(access_request)
    run = run_of(access_request, unbuilt_billing)
    for retries in range(2):
        with pytest.raises(ConnectorError):
            systems.system_run_execute(run_id=run.pk, retries=retries)
    monkeypatch.setenv("BILLING_DATABASE_URL", f"sqlite:///{tmp_path / 'billing.sqlite3'}")
    assert systems.system_run_execute(run_id=run.pk, retries=2)
    run.refresh_from_db()
    assert (run.state, run.attempts, run.last_error, run.exported) == (R.DONE, 3, "", 10)


def test_the_last_allowed_retry_leaves_the_run_failing_without_a_next_attempt(
    access_request, unbuilt_billing, settings
):
    settings.SYSTEM_RUN_MAX_RETRIES = 3
    gather(access_request)
    run = run_of(access_request, unbuilt_billing)
    with pytest.raises(ConnectorError):
        systems.system_run_execute(run_id=run.pk, retries=3)
    run.refresh_from_db()
    assert run.state == R.FAILING and run.next_attempt_at is None
    assert run.max_attempts == 4


def test_a_dataset_error_fails_the_run_at_once_without_a_retry_and_alerts_staff(
    access_request, billing, monkeypatch, outbox, settings
):
    monkeypatch.delenv("BILLING_DATABASE_URL")
    gather(access_request)
    run = run_of(access_request, billing)
    assert systems.system_run_execute(run_id=run.pk) is False  # nothing raised: no retry storm
    run.refresh_from_db()
    assert run.state == R.FAILING and run.configuration_error and run.next_attempt_at is None
    assert "BILLING_DATABASE_URL is not set" in run.last_error
    [alert] = outbox
    assert alert.to == [settings.PRIVACY_CONTACT_EMAIL]
    assert "configuration problem" in alert.body and access_request.reference in alert.body
    # A redelivered message, and the sweeper, leave it alone: staff fix the file and try again.
    assert systems.system_run_execute(run_id=run.pk) is False
    assert systems.system_runs_sweep()["enqueued"] == 0
    assert len(outbox) == 1


def test_a_run_failing_longer_than_the_alert_time_emails_the_assignee_once(
    access_request, unbuilt_billing, outbox, settings, approver, monkeypatch
):
    settings.SYSTEM_FAILING_ALERT_MINUTES = 60
    monkeypatch.setattr(systems.system_run_task, "delay", lambda *args: None)  # the retries: not here
    access_request.assignee = approver
    access_request.save(update_fields=["assignee"])
    gather(access_request)
    run = run_of(access_request, unbuilt_billing)
    with pytest.raises(ConnectorError):
        systems.system_run_execute(run_id=run.pk)
    assert systems.system_runs_sweep()["alerted"] == 0
    assert outbox == []

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert systems.system_runs_sweep()["alerted"] == 1
        assert systems.system_runs_sweep()["alerted"] == 0
    [alert] = outbox
    assert alert.to == [approver.email]
    assert "Billing is failing" in alert.subject
    assert "Attempts: 1 of 9" in alert.body and "locate failed (OperationalError)" in alert.body
    assert RequestEvent.objects.filter(request=access_request, name="requests.systems.alerted").count() == 1


def test_the_sweeper_enqueues_again_a_run_whose_message_was_lost(
    access_request, billing, monkeypatch, settings
):
    enqueued = []
    monkeypatch.setattr(  # the outbox relay publishes with apply_async (delay calls it too)
        systems.system_run_task,
        "apply_async",
        lambda args=(), kwargs=None, **kw: enqueued.append(tuple(args)),
    )
    gather(access_request)  # on_commit never runs here: the message is "lost"
    run = run_of(access_request, billing)
    assert systems.system_runs_sweep()["enqueued"] == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.STUCK_REQUEST_MINUTES + 1)):
        assert systems.system_runs_sweep()["enqueued"] == 1
    assert enqueued == [(run.pk,)]


# --- Skip and retry by staff ------------------------------------------------------------------------


def test_skipping_a_system_needs_a_reason(access_request, paper_files, approver):
    gather(access_request)
    run = run_of(access_request, paper_files)
    with pytest.raises(RequestError, match="Say why"):
        systems.system_run_skip(run_id=run.pk, actor=approver, reason="  ")
    run.refresh_from_db()
    assert run.state == R.PENDING


def test_a_skipped_system_is_audited_with_who_and_why_and_releases_the_report(
    access_request, paper_files, approver, django_capture_on_commit_callbacks
):
    gather(access_request)
    run = run_of(access_request, paper_files)
    with django_capture_on_commit_callbacks(execute=True):
        systems.system_run_skip(run_id=run.pk, actor=approver, reason="The paper archive burnt down in 2024.")
    run.refresh_from_db()
    assert (run.state, run.skipped_by, run.skip_reason) == (
        R.SKIPPED,
        approver,
        "The paper archive burnt down in 2024.",
    )
    event = RequestEvent.objects.get(request=access_request, name="requests.systems.skipped")
    assert event.actor == approver and event.reason == "The paper archive burnt down in 2024."
    access_request.refresh_from_db()
    assert access_request.status == "completed"  # the report step ran: nothing else was waiting
    with pytest.raises(RequestError, match="already answered"):
        systems.system_run_skip(run_id=run.pk, actor=approver, reason="again")


def test_trying_a_failing_system_again_starts_it_afresh(access_request, billing, monkeypatch, approver):
    monkeypatch.delenv("BILLING_DATABASE_URL")
    gather(access_request)
    run = run_of(access_request, billing)
    systems.system_run_execute(run_id=run.pk)
    monkeypatch.setenv(
        "BILLING_DATABASE_URL", "sqlite:///" + billing.dataset_path.replace("billing.yaml", "billing.sqlite3")
    )
    systems.system_run_retry(run_id=run.pk, actor=approver)
    run.refresh_from_db()
    assert run.state == R.PENDING and not run.configuration_error
    assert systems.system_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == R.DONE and run.attempts == 2


# --- No personal data where it must not be --------------------------------------------------------


def test_no_identifier_reaches_a_log_an_event_or_a_task_argument(
    access_request, billing, paper_files, caplog, monkeypatch, outbox, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    sent = []
    real_apply = systems.system_run_task.apply_async
    monkeypatch.setattr(  # the outbox relay publishes with apply_async
        systems.system_run_task,
        "apply_async",
        lambda args=(), kwargs=None, **kw: (
            sent.append((tuple(args), kwargs or {})),
            real_apply(args=args, kwargs=kwargs, **kw),
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        gather(access_request)
    secrets_seen = [MAYA["email"], MAYA["phone"], MAYA["member_number"], "Maya", "4242"]
    assert (
        sent and all(isinstance(a, int) for args, kw in sent for a in args) and all(not kw for _a, kw in sent)
    )
    logs = caplog.text
    events = str(list(RequestEvent.objects.values_list("data", "reason")))
    runs = str(list(SystemRun.objects.values_list("last_error", "outcome")))
    mails = " ".join(m.subject + m.body + m.alternatives[0][0] for m in outbox)
    assert outbox  # the owner's e-mail went
    for value in secrets_seen:
        assert value not in logs and value not in events and value not in runs and value not in mails


def test_an_unexpected_error_is_recorded_without_its_message_and_retried(
    access_request, billing, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    from records.connectors.sql import SqlConnector

    def broken(self, identity):
        raise KeyError(MAYA["email"])

    monkeypatch.setattr(SqlConnector, "locate", broken)
    gather(access_request)
    run = run_of(access_request, billing)
    with pytest.raises(ConnectorError, match="billing: unexpected KeyError"):
        systems.system_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == R.FAILING and run.last_error == "billing: unexpected KeyError" and run.next_attempt_at
    assert MAYA["email"] not in caplog.text and "unexpected KeyError" in caplog.text
