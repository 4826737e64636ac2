"""The one-statement PostgreSQL intake writes exactly what the ORM path writes."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from requests_app.intake.sql import submission_insert
from requests_app.lifecycle import requests_build, requests_save
from requests_app.models import Kind, PrivacyRequest, RequestEvent, Status, Submission

pytestmark = pytest.mark.django_db

KINDS = [Kind.KNOW_CATEGORIES, Kind.DELETE, Kind.OPT_OUT]


def first_status(kind):
    return Status.FULFILLING if kind == Kind.OPT_OUT else Status.AWAITING_VERIFICATION


def build(email: str):
    submission = Submission(first_name="Maya", last_name="Chen", email=email, zip5="94105", ip_hash="h" * 64)
    requests, events = requests_build(
        submission=submission, kinds=KINDS, first_status=first_status, data={"channel": "web"}
    )
    return submission, requests, events


def snapshot(submission: Submission) -> dict:
    ignore = {"id", "created_at", "received_at", "status_changed_at", "reference", "submission", "request"}
    sub = {
        k: v for k, v in model_to_dict(Submission.objects.get(pk=submission.pk)).items() if k not in ignore
    }
    reqs = [
        {k: v for k, v in model_to_dict(r).items() if k not in ignore}
        for r in PrivacyRequest.objects.filter(submission=submission).order_by("kind")
    ]
    events = sorted(
        (e.request.kind, e.name, e.from_status, e.to_status, e.actor_label, e.data)
        for e in RequestEvent.objects.filter(request__submission=submission).select_related("request")
    )
    return {"submission": sub, "requests": reqs, "events": events}


POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's"
)


@POSTGRESQL_ONLY
def test_the_one_statement_intake_writes_the_same_rows_as_the_orm():
    orm_sub, orm_requests, orm_events = build("a@example.com")
    orm_sub.save()
    requests_save(orm_requests, orm_events)
    sql_sub, sql_requests, sql_events = build("a@example.com")
    submission_insert(submission=sql_sub, requests=sql_requests, events=sql_events)

    assert snapshot(sql_sub) == snapshot(orm_sub)
    assert len(snapshot(sql_sub)["events"]) == 2 * len(KINDS)
    # The instances it returns carry their new primary keys, as bulk_create's do.
    assert [r.pk for r in sql_requests] == list(
        PrivacyRequest.objects.filter(submission=sql_sub).order_by("pk").values_list("pk", flat=True)
    )
    assert all(r.submission_id == sql_sub.pk and not r._state.adding for r in sql_requests)


def _prepares(queries) -> int:
    return sum(q["sql"].startswith("PREPARE") for q in queries)


@POSTGRESQL_ONLY
def test_a_chain_is_prepared_once_per_connection_and_shape():
    connection._chain_statements = None
    with CaptureQueriesContext(connection) as queries:
        for email in ("a@example.com", "b@example.com"):
            submission, requests, events = build(email)
            submission_insert(submission=submission, requests=requests, events=events)
    assert _prepares(queries) == 1
    assert [q["sql"].split()[0] for q in queries][1:] == ["EXECUTE", "EXECUTE"]
    with CaptureQueriesContext(connection) as queries:  # another shape: one request instead of three
        submission = Submission(first_name="Ana", last_name="Ruiz", email="c@example.com", zip5="94105")
        requests, events = requests_build(
            submission=submission, kinds=[Kind.DELETE], first_status=first_status, data={}
        )
        submission_insert(submission=submission, requests=requests, events=events)
    assert _prepares(queries) == 1
    assert PrivacyRequest.objects.filter(submission=submission).count() == 1


@POSTGRESQL_ONLY
def test_events_keep_their_order_past_ten_under_a_prepared_statement():
    """The events' positions are typed integers: ordered as text, position 10 would come before 2."""
    kinds = [value for value, _label in Kind.choices]
    submission = Submission(first_name="Maya", last_name="Chen", email="m@example.com", zip5="94105")
    requests, events = requests_build(submission=submission, kinds=kinds, first_status=first_status, data={})
    assert len(events) > 10
    submission_insert(submission=submission, requests=requests, events=events)
    written = RequestEvent.objects.filter(request__submission=submission).order_by("pk")
    assert [(e.request.reference, e.name) for e in written] == [(e.request.reference, e.name) for e in events]


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_intake_prepares_again_when_the_session_lost_its_statements():
    """A pooler that resets sessions, or a DEALLOCATE: the next intake prepares the chain again."""
    submission, requests, events = build("a@example.com")
    submission_insert(submission=submission, requests=requests, events=events)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    submission, requests, events = build("b@example.com")
    submission_insert(submission=submission, requests=requests, events=events)
    assert Submission.objects.filter(email="b@example.com").count() == 1
    connection.close()  # a new connection: a new session, with nothing prepared
    submission, requests, events = build("c@example.com")
    submission_insert(submission=submission, requests=requests, events=events)
    assert PrivacyRequest.objects.filter(submission__email="c@example.com").count() == len(KINDS)


@POSTGRESQL_ONLY
def test_without_prepared_statements_the_chain_is_sent_as_it_is(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    submission, requests, events = build("a@example.com")
    with CaptureQueriesContext(connection) as queries:
        submission_insert(submission=submission, requests=requests, events=events)
    assert [q["sql"].split()[0] for q in queries] == ["WITH"]
    assert PrivacyRequest.objects.filter(submission=submission).count() == len(KINDS)
