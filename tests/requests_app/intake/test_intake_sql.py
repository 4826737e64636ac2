"""The one-statement PostgreSQL intake writes exactly what the ORM path writes."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict

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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's")
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
