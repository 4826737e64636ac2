"""The one-statement PostgreSQL DRP intake (drp/sql.py) writes exactly what the ORM path writes."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from drp.models import DrpAgent, DrpRequest, DrpSeenMessage
from requests_app.models import AgentAuthorization, OutboxMessage, PrivacyRequest, RequestEvent, Submission
from tests.drp_agent import MAYA_CLAIMS, DjangoTransport, DrpTestAgent, load_directory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's"),
]

# What differs between two submissions by its nature: keys, times, random references and ids.
VARYING = {
    "id",
    "submission",
    "request",
    "privacy_request",
    "created_at",
    "acknowledged_at",
    "reviewed_at",
    "received_at",
    "status_changed_at",
    "reference",
    "request_id",
    "digest",
    "expires_at",
    "next_attempt_at",
}


def _row(obj) -> dict:
    return {k: v for k, v in model_to_dict(obj).items() if k not in VARYING}


def snapshot(drp_request_id: str, seen: list[DrpSeenMessage]) -> dict:
    """Every row one exercise wrote, with the keys that vary between submissions left out."""
    drp_request = DrpRequest.objects.get(request_id=drp_request_id)
    request = drp_request.privacy_request
    submission = Submission.objects.get(pk=request.submission_id)
    authorization = AgentAuthorization.objects.get(submission=submission)
    requests = PrivacyRequest.objects.filter(submission=submission).order_by("pk")
    events = RequestEvent.objects.filter(request__submission=submission).order_by("pk")
    pk = str(authorization.pk)
    outbox = [
        (
            m.key.replace(pk, "<authorization>"),
            m.kind,
            {**m.payload, "args": ["<authorization>"]},
            m.attempts,
            m.last_error,
            m.sent_at,
        )
        for m in OutboxMessage.objects.filter(payload__args=[authorization.pk]).order_by("key")
    ]
    assert all(
        m.payload["args"] == [authorization.pk] for m in OutboxMessage.objects.filter(key__endswith=pk)
    )
    return {
        "submission": _row(submission),
        "authorization": _row(authorization),
        "requests": [_row(r) for r in requests],
        "events": [_row(e) for e in events],
        "drp": _row(drp_request),
        "seen": [_row(m) for m in seen],
        "outbox": outbox,
        "links": (
            request.submission_id == submission.pk,
            [e.request_id for e in events] == [request.pk] * len(events),
            drp_request.agent_id,
        ),
    }


def orm_path(monkeypatch) -> None:
    """Take the other databases' path (agent_request_submit) on this PostgreSQL database."""
    monkeypatch.setattr("drp.services.connection", SimpleNamespace(vendor="sqlite"))


def exercise(agent, capture, email: str, callback: str = "") -> tuple[dict, list[DrpSeenMessage], list]:
    """The agent's answer, the seen-message rows the exercise added and the SQL statements it ran."""
    known = set(DrpSeenMessage.objects.values_list("pk", flat=True))
    with capture(execute=False), CaptureQueriesContext(connection) as queries:
        status, data, _ = agent.exercise("deletion", {**MAYA_CLAIMS, "email": email}, callback=callback)
    assert status == 200, data
    return data, list(DrpSeenMessage.objects.exclude(pk__in=known)), [q["sql"] for q in queries]


def test_the_one_statement_drp_intake_writes_the_same_rows_as_the_orm(
    agent, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DRP_CALLBACK_ALLOW_PRIVATE = True
    callback = "https://agent.example.org/callback"
    sql_answer, sql_seen, sql_queries = exercise(
        agent, django_capture_on_commit_callbacks, "one@example.com", callback
    )
    sql_rows = snapshot(sql_answer["request_id"], sql_seen)
    orm_path(monkeypatch)
    orm_answer, orm_seen, orm_queries = exercise(
        agent, django_capture_on_commit_callbacks, "one@example.com", callback
    )
    orm_rows = snapshot(orm_answer["request_id"], orm_seen)

    assert sql_rows == orm_rows
    assert sql_rows["drp"]["status_callback"] == callback and sql_rows["links"][:2] == (True, True)
    assert [e["name"] for e in sql_rows["events"]] == [
        "requests.request.received",
        "requests.request.awaiting_verification",
        "agents.document.accepted",
        "requests.request.acknowledged",
    ]
    assert [key for key, *_ in sql_rows["outbox"]] == [
        "requests.agents.acknowledged_hooks:<authorization>",
        "requests.agents.process:<authorization>",
    ]
    assert len(sql_seen) == len(orm_seen) == 1 and sql_seen[0].digest != orm_seen[0].digest
    # And the same answer to the agent, but for its own ids and times.
    keep = ("status", "reason", "user_verification_url", "processing_details")
    assert {k: sql_answer.get(k) for k in keep} == {k: orm_answer.get(k) for k in keep}
    # The agent's request is two statements (its token, the insert chain, prepared on the connection's
    # first use) instead of the ORM's many.
    assert [q.split()[0] for q in sql_queries if not q.startswith("PREPARE")] == ["SELECT", "EXECUTE"]
    assert len(orm_queries) > 5


def test_a_replayed_message_writes_nothing_on_the_one_statement_path(
    agent, django_capture_on_commit_callbacks
):
    body = agent.sign(agent.envelope(exercise="deletion", regime="ccpa", **MAYA_CLAIMS))
    with django_capture_on_commit_callbacks(execute=False):
        assert agent.send_exercise(body)[0] == 200
    models = (
        Submission,
        AgentAuthorization,
        PrivacyRequest,
        RequestEvent,
        DrpRequest,
        DrpSeenMessage,
        OutboxMessage,
    )
    before = [m.objects.count() for m in models]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        status, data, _ = agent.send_exercise(body)

    assert (status, data["code"]) == (409, "409")
    assert [m.objects.count() for m in models] == before and callbacks == []


def test_a_known_token_costs_one_statement_and_a_disabled_agent_is_still_refused_at_once(
    agent, django_capture_on_commit_callbacks
):
    exercise(agent, django_capture_on_commit_callbacks, "one@example.com")
    _answer, _seen, queries = exercise(agent, django_capture_on_commit_callbacks, "two@example.com")
    statements = [q.split()[0] for q in queries if not q.startswith("PREPARE")]
    assert statements == ["EXECUTE"]  # the agent came from the token cache
    written = PrivacyRequest.objects.count()

    DrpAgent.objects.update(enabled=False)  # as the admin does; this process still holds the agent
    with django_capture_on_commit_callbacks(execute=False):
        status, data, _ = agent.exercise("deletion", MAYA_CLAIMS)
    assert (status, data["code"]) == (403, "403")
    assert PrivacyRequest.objects.count() == written

    DrpAgent.objects.update(enabled=True)  # the cache was dropped: the row is asked again, and agrees
    assert (
        exercise(agent, django_capture_on_commit_callbacks, "three@example.com")[0]["status"] == "in_progress"
    )


def test_a_new_key_in_the_directory_refuses_the_cached_agents_messages(
    agent, client, tmp_path, django_capture_on_commit_callbacks
):
    exercise(agent, django_capture_on_commit_callbacks, "one@example.com")
    load_directory(
        tmp_path, DrpTestAgent(DjangoTransport(client), agent_id=agent.agent_id)
    )  # revokes the token
    with django_capture_on_commit_callbacks(execute=False):
        status, _data, _ = agent.exercise("deletion", MAYA_CLAIMS)
    assert status == 403 and PrivacyRequest.objects.count() == 1
