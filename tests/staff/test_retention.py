"""Record keeping: 24 months of the record, then the personal data of closed requests is redacted."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from requests_app.lifecycle import event_record
from requests_app.models import RequestEvent, Status, Submission
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
