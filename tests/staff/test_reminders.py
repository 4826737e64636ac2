"""Daily deadline reminders, with the clock frozen."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from requests_app.models import Status
from staff.models import ReminderSent
from staff.reminders import reminders_send
from staff.tasks import send_deadline_reminders_task
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 10, 7, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


def _received(days_ago: int, **kwargs):
    return PrivacyRequestFactory(received_at=NOW - timedelta(days=days_ago), **kwargs)


@pytest.fixture
def work(analyst):
    acked = {"submission__acknowledged_at": NOW - timedelta(days=40)}
    return {
        "soon": _received(42, assignee=analyst, **acked),  # due in 3 days
        "overdue": _received(47, assignee=analyst, **acked),  # 2 days overdue
        "later": _received(10, assignee=analyst, **acked),  # due in 35 days: not mentioned
        "not_acked": _received(20, assignee=analyst),  # acknowledgement was due 10 business days in
        "closed": _received(60, assignee=analyst, status=Status.COMPLETED, **acked),
        "unassigned": _received(50, **acked),  # overdue, nobody's: goes to the admins
    }


def test_each_assignee_gets_one_digest_of_what_is_due_overdue_or_unacknowledged(
    work, analyst, admin_user, outbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() == 2

    by_recipient = {m.to[0]: m for m in outbox}
    mine = by_recipient[analyst.email]
    assert work["soon"].reference in mine.body and "3 days left" in mine.body
    assert work["overdue"].reference in mine.body and "2 days overdue" in mine.body
    assert work["not_acked"].reference in mine.body and "ACKNOWLEDGEMENT OVERDUE" in mine.body
    assert work["later"].reference not in mine.body
    assert work["closed"].reference not in mine.body
    assert work["unassigned"].reference not in mine.body
    assert "1 overdue, 1 due within 7 days" in mine.subject

    admins = by_recipient[admin_user.email]
    assert work["unassigned"].reference in admins.body and "[unassigned]" in admins.body


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(
    work, outbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders_task.delay()
        send_deadline_reminders_task.delay()
    assert len(outbox) == 1
    with (
        time_machine.travel(NOW + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders_send()
    assert len(outbox) == 2
    assert ReminderSent.objects.count() == 2


def test_no_work_no_email(outbox):
    with time_machine.travel(NOW, tick=False):
        assert reminders_send() == 0
    assert outbox == []
