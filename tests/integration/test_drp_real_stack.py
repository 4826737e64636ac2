"""DRP end to end on the real stack: the test agent (built from the spec) talks HTTP to the live server,
a real worker matches, e-mails the consumer and renders the report, and status callbacks reach the
agent's own HTTP server."""

import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from drp.models import DrpRequest
from requests_app.fulfilment import request_approve
from requests_app.models import PrivacyRequest, Status
from tests.drp_agent import MAYA_CLAIMS, DrpTestAgent, HttpTransport
from tests.factories import staff_member
from tests.requests_app.flow_helpers import maya_consumer

pytestmark = pytest.mark.integration


@pytest.fixture
def drp_env(monkeypatch):
    # The worker is started after this: it may call back to http://127.0.0.1 (the test's server).
    monkeypatch.setenv("DRP_CALLBACK_ALLOW_HTTP", "true")
    monkeypatch.setenv("DRP_CALLBACK_ALLOW_PRIVATE", "true")


@pytest.fixture
def agent(drp_env, celery_worker_process, live_server, tmp_path, settings):
    settings.DRP_CALLBACK_ALLOW_HTTP = settings.DRP_CALLBACK_ALLOW_PRIVATE = True
    maya_consumer()
    test_agent = DrpTestAgent(HttpTransport(live_server.url))
    (tmp_path / "agents.json").write_text(json.dumps([test_agent.directory_entry()]))
    call_command("drp_agents_load", str(tmp_path / "agents.json"))
    assert test_agent.setup()[0] == 200
    return test_agent


def consumer_confirms(client, worker, *, agent_may_receive: str) -> None:
    mail = worker.wait_for(
        lambda: [m for m in worker.mails() if "To: maya.chen@example.com" in m],
        what="the confirmation e-mail",
    )[-1]
    code = re.search(r"\b(\d{6})\b", mail.split("\n\n", 1)[1]).group(1)
    reference = DrpRequest.objects.get().privacy_request.reference
    client.post(reverse("requests_app:confirm_open"), {"reference": reference, "code": code})
    answer = {"gave_permission": "yes", "agent_may_receive": agent_may_receive, "date_of_birth": "1990-04-02"}
    client.post(reverse("requests_app:confirm_answer"), answer)


def statuses(server) -> list[tuple[str, str | None]]:
    return [(b["status"], b.get("reason")) for b in (json.loads(r.body) for r in server.received)]


def test_an_access_request_runs_end_to_end_with_callbacks(
    agent, client, celery_worker_process, webhook_server
):
    status, data, _ = agent.exercise("access:categories", MAYA_CLAIMS, callback=webhook_server.url)
    assert (status, data["status"]) == (200, "in_progress")

    celery_worker_process.wait_for(lambda: len(webhook_server.received) >= 1, what="the first callback")
    assert statuses(webhook_server)[0] == ("in_progress", "need_user_verification")
    consumer_confirms(client, celery_worker_process, agent_may_receive="yes")
    request = DrpRequest.objects.get().privacy_request
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW

    request_approve(request=request, actor=staff_member("pat", "approver"))
    celery_worker_process.wait_for(
        lambda: PrivacyRequest.objects.get(pk=request.pk).status == Status.COMPLETED,
        timeout=120,
        what="the report",
    )
    celery_worker_process.wait_for(
        lambda: statuses(webhook_server)[-1][0] == "fulfilled", what="the fulfilled callback"
    )
    final = agent.status(data["request_id"])[1]
    assert final["status"] == "fulfilled" and final["results_url"].endswith("/requests/agent/status/")
    assert "maya" not in b"".join(r.body for r in webhook_server.received).decode().lower()


def test_a_revoked_deletion_is_withdrawn_and_the_agent_is_told(
    agent, client, celery_worker_process, webhook_server
):
    data = agent.exercise("deletion", MAYA_CLAIMS, callback=webhook_server.url)[1]
    consumer_confirms(client, celery_worker_process, agent_may_receive="no")

    status, revoked, _ = agent.revoke(data["request_id"])

    assert (status, revoked["status"]) == (200, "revoked")
    assert DrpRequest.objects.get().privacy_request.status == Status.WITHDRAWN
    celery_worker_process.wait_for(
        lambda: statuses(webhook_server) and statuses(webhook_server)[-1][0] == "revoked",
        what="the revoked callback",
    )
    assert agent.revoke(data["request_id"])[0] == 409  # a new signed message, but the request is closed


def test_an_opt_in_is_recorded_only_once_the_consumer_confirms_it_on_our_site(
    agent, client, celery_worker_process, webhook_server
):
    from records.models import SaleOptIn

    data = agent.exercise("sale:opt-in", MAYA_CLAIMS, callback=webhook_server.url)[1]
    celery_worker_process.wait_for(lambda: len(webhook_server.received) >= 1, what="the first callback")
    assert statuses(webhook_server)[0] == ("in_progress", "need_user_verification")

    consumer_confirms(client, celery_worker_process, agent_may_receive="no")  # the first step, her own
    assert not SaleOptIn.objects.exists()
    waiting = agent.status(data["request_id"])[1]
    assert (waiting["status"], waiting["reason"]) == ("in_progress", "need_user_verification")
    assert "expires_at" in waiting

    page = client.post(reverse("requests_app:sale_opt_in"), {"confirm": "on"}).content.decode()

    assert "You opted back in" in page
    assert SaleOptIn.objects.get().given_by == SaleOptIn.GivenBy.CONSUMER
    assert DrpRequest.objects.get().privacy_request.status == Status.COMPLETED
    celery_worker_process.wait_for(
        lambda: statuses(webhook_server)[-1][0] == "fulfilled", what="the fulfilled callback"
    )
    assert agent.status(data["request_id"])[1]["status"] == "fulfilled"
    assert "maya" not in b"".join(r.body for r in webhook_server.received).decode().lower()
