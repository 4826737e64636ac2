"""Record keeping: 24 months of the record, then the personal data of closed requests is redacted."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage

from records.models import System
from records.vault import vault_put
from requests_app.lifecycle import event_record
from requests_app.models import OwnerTask, RequestEvent, Status, Submission, SystemRun
from staff.retention import records_purge, retention_cutoff
from staff.tasks import purge_expired_records_task
from tests.factories import ConsumerFactory, PrivacyRequestFactory, SubmissionFactory

pytestmark = pytest.mark.django_db
PT = ZoneInfo("America/Los_Angeles")
NOW = datetime(2027, 6, 15, 3, 30, tzinfo=PT)


def _closed(months_ago: float, submission=None, **kwargs):
    closed = NOW - timedelta(days=int(months_ago * 30.5))
    return PrivacyRequestFactory(
        submission=submission
        or SubmissionFactory(phone="+14155550101", street="123 Market Street", zip5="94105"),
        received_at=closed - timedelta(days=20),
        status=Status.DENIED,
        closed_at=closed,
        outcome="denied",
        denial_reason="exception:legal_obligation",
        consumer=ConsumerFactory(),
        **kwargs,
    )


def test_the_cutoff_is_24_months_earlier_to_the_day():
    assert retention_cutoff(NOW) == datetime(2025, 6, 15, 3, 30, tzinfo=PT)
    assert retention_cutoff(datetime(2028, 2, 29, 12, tzinfo=PT)).date().isoformat() == "2026-02-28"


def test_after_24_months_the_personal_data_goes_and_the_record_stays():
    old = _closed(25)
    event_record(
        request=old, name="staff.request.note", reason="Maya called from 415-555-0101", data={"x": "y"}
    )

    assert records_purge(now=NOW) == 1

    submission = Submission.objects.get(pk=old.submission_id)
    assert (submission.first_name, submission.last_name, submission.email, submission.phone) == (
        "",
        "",
        "",
        "",
    )
    assert (submission.street, submission.zip5, submission.date_of_birth) == ("", "", None)
    assert submission.personal_data_purged_at == NOW
    assert submission.channel == "web"
    old.refresh_from_db()
    assert old.consumer is None
    assert (old.kind, old.status, old.outcome, old.denial_reason) == (
        "know_categories",
        Status.DENIED,
        "denied",
        "exception:legal_obligation",
    )
    assert old.closed_at is not None and old.received_at is not None
    note = RequestEvent.objects.get(request=old, name="staff.request.note")
    assert (note.reason, note.data) == ("", {})
    assert RequestEvent.objects.filter(request=old, name="records.request.personal_data_purged").exists()


def test_requests_closed_less_than_24_months_ago_are_kept_whole():
    recent = _closed(23)
    assert records_purge(now=NOW) == 0
    assert Submission.objects.get(pk=recent.submission_id).email != ""


def test_a_submission_with_an_open_request_is_kept_whole():
    old = _closed(30)
    PrivacyRequestFactory(submission=old.submission, status=Status.IN_REVIEW)
    assert records_purge(now=NOW) == 0
    assert Submission.objects.get(pk=old.submission_id).personal_data_purged_at is None


def test_the_purge_runs_again_without_doing_anything_twice(django_capture_on_commit_callbacks):
    _closed(26)
    _closed(27)
    assert records_purge(now=NOW) == 2
    assert records_purge(now=NOW) == 0
    assert RequestEvent.objects.filter(name="records.request.personal_data_purged").count() == 2


def test_the_beat_task_purges():
    _closed(40)
    assert purge_expired_records_task.delay().get() == 1


def test_the_purge_blanks_the_external_systems_free_text_and_what_they_still_hold_sealed(
    django_capture_on_commit_callbacks,
):
    old = _closed(25)
    system = System.objects.create(code="paper_files", name="Paper files", connector=System.Connector.MANUAL)
    stored = vault_put(content=b'[{"value": "Maya Chen"}]', folder="system-exports")
    skipped = SystemRun.objects.create(
        request=old,
        system=system,
        step=SystemRun.Step.EXPORT,
        state=SystemRun.State.SKIPPED,
        skip_reason="Maya Chen's file is in the archive in Oakland",
        identity_sealed="sealed-identity",
        points_name=stored.name,
        points_sha256=stored.sha256,
    )
    kept = SystemRun.objects.create(
        request=old,
        system=system,
        step=SystemRun.Step.ERASE,
        state=SystemRun.State.DONE,
        kept=1,
        changes_sealed="sealed-changes",
        outcome={
            "system": "paper_files",
            "action": "retain",
            "explanation": "Maya's lease dispute",
            "retained": 1,
        },
    )
    OwnerTask.objects.create(
        run=kept,
        token_hash="0" * 64,
        expires_at=NOW,
        sent_at=NOW,
        answer=OwnerTask.Answer.KEPT,
        kept_reason="Maya's lease dispute",
    )
    recent = _closed(3)
    recent_run = SystemRun.objects.create(
        request=recent, system=system, step=SystemRun.Step.EXPORT, state="skipped", skip_reason="kept for now"
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert records_purge(now=NOW) == 1

    skipped.refresh_from_db()
    kept.refresh_from_db()
    assert (skipped.skip_reason, skipped.identity_sealed, skipped.points_name) == ("", "", "")
    assert not default_storage.exists(stored.name)
    assert (kept.changes_sealed, kept.outcome["explanation"]) == ("", "")
    assert (kept.state, kept.kept, kept.outcome["action"]) == ("done", 1, "retain")  # the record stays
    assert OwnerTask.objects.get(run=kept).kept_reason == ""
    recent_run.refresh_from_db()
    assert recent_run.skip_reason == "kept for now"
