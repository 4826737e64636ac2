"""The queue: filters, search, sorting, keyset pages, counts, due badges, bulk assignment, query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app.models import Channel, Kind, RequestEvent, Status
from staff.templatetags.staff_tags import badge_parts as due_badge
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("staff:queue")


def _refs(response) -> list[str]:
    return [r.reference for r in response.context["rows"]]


def _due_in(days: int, **kwargs):
    received = timezone.now() - timedelta(days=45 - days)
    return PrivacyRequestFactory(received_at=received, **kwargs)


def test_the_queue_shows_open_requests_soonest_due_first(analyst_client):
    later, sooner, overdue = _due_in(30), _due_in(3), _due_in(-2)
    PrivacyRequestFactory(status=Status.COMPLETED)
    assert _refs(analyst_client.get(QUEUE)) == [overdue.reference, sooner.reference, later.reference]
    assert _refs(analyst_client.get(QUEUE, {"sort": "-due"})) == [
        later.reference,
        sooner.reference,
        overdue.reference,
    ]


def test_filters_narrow_the_queue(analyst, analyst_client):
    mine = _due_in(20, assignee=analyst, kind=Kind.DELETE)
    overdue = _due_in(-1)
    soon = _due_in(5, submission__channel=Channel.EMAIL)
    in_review = _due_in(40, status=Status.IN_REVIEW)
    assert _refs(analyst_client.get(QUEUE, {"assignee": "me"})) == [mine.reference]
    assert _refs(analyst_client.get(QUEUE, {"kind": "delete"})) == [mine.reference]
    assert _refs(analyst_client.get(QUEUE, {"overdue": "on"})) == [overdue.reference]
    assert _refs(analyst_client.get(QUEUE, {"due_within": "7"})) == [overdue.reference, soon.reference]
    assert _refs(analyst_client.get(QUEUE, {"channel": "email"})) == [soon.reference]
    assert _refs(analyst_client.get(QUEUE, {"status": "in_review"})) == [in_review.reference]
    assert len(_refs(analyst_client.get(QUEUE, {"assignee": "none"}))) == 3


def test_search_by_reference_for_everyone_and_by_email_for_analysts(analyst_client, viewer_client):
    wanted = PrivacyRequestFactory(submission__email="maya.chen@example.com")
    PrivacyRequestFactory()
    compact = wanted.reference.replace("-", "").lower()
    assert _refs(viewer_client.get(QUEUE, {"q": compact})) == [wanted.reference]
    assert _refs(analyst_client.get(QUEUE, {"q": "Maya.Chen@Example.com"})) == [wanted.reference]
    assert RequestEvent.objects.filter(request=wanted, name="staff.request.viewed").exists()

    response = viewer_client.get(QUEUE, {"q": "maya.chen@example.com"})
    assert "Your role can search by reference only." in response.content.decode()
    assert "maya.chen" not in " ".join(_refs(response))


def test_next_page_continues_where_the_last_one_ended(analyst_client):
    made = [_due_in(d) for d in range(1, 31)]
    first = analyst_client.get(QUEUE, {"size": 25})
    assert _refs(first) == [r.reference for r in made[:25]]
    second = analyst_client.get(QUEUE + first.context["next_url"])
    assert _refs(second) == [r.reference for r in made[25:]]
    assert second.context["next_url"] is None


def test_ties_on_the_due_date_are_paged_without_losing_a_request(analyst_client):
    made = PrivacyRequestFactory.create_batch(30)  # all received now: the same due date
    seen = []
    url = QUEUE + "?size=25"
    while url:
        response = analyst_client.get(url)
        seen += _refs(response)
        url = QUEUE + response.context["next_url"] if response.context["next_url"] else None
    assert sorted(seen) == sorted(r.reference for r in made) and len(seen) == 30


def test_a_malformed_cursor_shows_the_first_page(analyst_client):
    PrivacyRequestFactory()
    assert len(_refs(analyst_client.get(QUEUE, {"after": "x'; drop table"}))) == 1


def test_counts_per_status(analyst_client):
    PrivacyRequestFactory.create_batch(2, status=Status.IN_REVIEW)
    PrivacyRequestFactory(status=Status.DENIED)
    counts = {value: n for value, _, n in analyst_client.get(QUEUE).context["counts"]}
    assert counts["in_review"] == 2 and counts["denied"] == 1 and counts["completed"] == 0


def test_the_query_count_does_not_grow_with_the_page_size(analyst, analyst_client):
    for i in range(120):
        _due_in(i % 40, assignee=analyst if i % 2 else None)
    analyst_client.get(QUEUE)  # warm the session write and the closed-count cache
    counts = {}
    for size in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = analyst_client.get(QUEUE, {"size": size})
        assert len(response.context["rows"]) == size
        counts[size] = len(queries)
    assert counts[25] == counts[100]
    assert 3 <= counts[25] <= 8, counts


def test_bulk_assign_sets_the_assignee_and_records_an_event_on_each(analyst, approver, analyst_client):
    chosen = PrivacyRequestFactory.create_batch(3)
    other = PrivacyRequestFactory()
    analyst_client.post(
        reverse("staff:bulk_assign"),
        {"references": [r.reference for r in chosen], "assignee": approver.pk, "confirm": "on"},
    )
    for r in chosen:
        r.refresh_from_db()
        assert r.assignee == approver
    other.refresh_from_db()
    assert other.assignee is None
    assert RequestEvent.objects.filter(name="requests.request.assigned", actor=analyst).count() == 3


def test_bulk_assign_is_reversible_so_it_needs_no_tick_box(analyst, analyst_client):
    chosen = PrivacyRequestFactory.create_batch(2)
    analyst_client.post(
        reverse("staff:bulk_assign"), {"references": [r.reference for r in chosen], "assignee": analyst.pk}
    )
    assert RequestEvent.objects.filter(name="requests.request.assigned").count() == 2
    assert 'name="confirm"' not in analyst_client.get(reverse("staff:queue")).content.decode()


def test_the_due_badge_is_green_then_amber_under_a_week_then_red_when_overdue():
    today = timezone.localdate()
    assert due_badge(today + timedelta(days=10), today) | {} == {
        "text": "10 days left",
        "tone": "green",
        "due": today + timedelta(days=10),
    }
    assert due_badge(today + timedelta(days=6), today)["tone"] == "amber"
    assert due_badge(today + timedelta(days=1), today)["text"] == "1 day left"
    assert due_badge(today - timedelta(days=3), today) == {
        "text": "3 days overdue",
        "tone": "red",
        "due": today - timedelta(days=3),
    }
