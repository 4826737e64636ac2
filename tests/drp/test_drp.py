"""The covered business's side of the Data Rights Protocol, driven by a test agent built from the spec."""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from drp.models import DrpAgent, DrpRequest, DrpSeenMessage
from drp.services import drp_seen_purge
from requests_app.fulfilment import request_approve
from requests_app.models import AgentAuthorization, Channel, Kind, PrivacyRequest, RequestEvent, Status
from tests.drp_agent import MAYA_CLAIMS, DjangoTransport, DrpTestAgent, load_directory, now
from tests.factories import staff_member

pytestmark = pytest.mark.django_db

CONFIRM = reverse("requests_app:confirm_open")
CONFIRM_ANSWER = reverse("requests_app:confirm_answer")


def submit(agent, capture, exercise="access", claims=None, **extra):
    with capture(execute=True):
        return agent.exercise(exercise, MAYA_CLAIMS if claims is None else claims, **extra)


def code_for(outbox, address="maya.chen@example.com") -> str:
    message = [m for m in outbox if m.to == [address]][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


# --- key set-up and the directory --------------------------------------------------------------------


def test_the_directory_file_loads_agents_and_a_new_key_revokes_the_token(agent, tmp_path):
    row = DrpAgent.objects.get(agent_id=agent.agent_id)
    assert row.enabled and row.token_hash and agent.token not in row.token_hash  # only a hash is stored

    rekeyed = DrpTestAgent(agent.transport, agent_id=agent.agent_id)
    load_directory(tmp_path, rekeyed)

    row.refresh_from_db()
    assert row.token_hash == "" and row.verify_key == rekeyed.directory_entry()["verify_key"]
    assert agent.status("00000000-0000-4000-8000-000000000000")[0] == 403


def test_an_agent_missing_from_the_directory_is_disabled(agent, client, tmp_path):
    other = DrpTestAgent(DjangoTransport(client), agent_id="OTHER_AGENT")
    load_directory(tmp_path, other)
    assert DrpAgent.objects.get(agent_id=agent.agent_id).enabled is False


def test_a_malformed_directory_entry_is_refused_with_its_position(tmp_path):
    path = tmp_path / "agents.json"
    path.write_text(json.dumps([{"id": "lower_case", "verify_key": "x"}]))
    with pytest.raises(Exception, match="Entry 1: `id` must match"):
        call_command("drp_agents_load", str(path))
    assert not DrpAgent.objects.exists()


@pytest.mark.parametrize("slash", ["", "/"])
def test_key_setup_and_agent_information_answer_with_and_without_a_trailing_slash(client, tmp_path, slash):
    test_agent = DrpTestAgent(DjangoTransport(client))
    load_directory(tmp_path, test_agent)
    response = client.post(
        f"/v1/agent/{test_agent.agent_id}{slash}",
        data=test_agent.sign(test_agent.envelope()),
        content_type="text/plain",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["agent-id"] == test_agent.agent_id
    info = client.get(f"/v1/agent/{test_agent.agent_id}{slash}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (info.status_code, info.json()) == (200, {})


def test_key_setup_for_an_unknown_or_disabled_agent_is_403_with_no_body(client, tmp_path):
    stranger = DrpTestAgent(DjangoTransport(client), agent_id="STRANGER")
    status, data, response = stranger.setup()
    assert (status, response.content) == (403, b"")

    load_directory(tmp_path, stranger)
    DrpAgent.objects.filter(agent_id="STRANGER").update(enabled=False)
    assert stranger.setup()[0] == 403


def test_agent_information_for_another_agents_id_is_403(agent):
    status, data, _ = agent.transport.call("GET", "/v1/agent/OTHER_AGENT", token=agent.token)
    assert status == 403 and data["code"] == "403"


def test_a_key_setup_signed_by_another_key_is_refused(client, tmp_path):
    listed = DrpTestAgent(DjangoTransport(client))
    load_directory(tmp_path, listed)
    impostor = DrpTestAgent(DjangoTransport(client), agent_id=listed.agent_id)
    assert impostor.setup()[0] == 403


# --- exercises --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exercise", "kind"),
    [
        ("sale:opt-out", Kind.OPT_OUT),
        ("sale:opt_out", Kind.OPT_OUT),
        ("deletion", Kind.DELETE),
        ("access", Kind.ACCESS_SPECIFIC),
        ("access:categories", Kind.KNOW_CATEGORIES),
        ("access:specific", Kind.ACCESS_SPECIFIC),
        ("sale:opt-in", Kind.SALE_OPT_IN),
        ("sale:opt_in", Kind.SALE_OPT_IN),
    ],
)
def test_each_exercise_opens_its_kind_and_waits_for_the_consumer(
    agent, maya, outbox, django_capture_on_commit_callbacks, exercise, kind
):
    status, data, _ = submit(agent, django_capture_on_commit_callbacks, exercise)

    assert status == 200, data
    assert data["status"] == "in_progress"  # received; matching runs in a task after the answer
    data = agent.status(data["request_id"])[1]
    request = drp_privacy_request()
    assert request.kind == kind and request.submission.channel == Channel.DRP
    assert request.status == Status.AWAITING_CONSUMER_CONFIRMATION
    assert data["request_id"] == str(DrpRequest.objects.get().request_id)
    assert data["status"] == "in_progress" and data["reason"] == "need_user_verification"
    assert data["user_verification_url"].endswith("/requests/confirm/")
    assert data["expected_by"].startswith(request.due_at.isoformat())
    # The consumer is asked at the address on record, never at one the agent typed.
    assert [m.to for m in outbox] == [["maya.chen@example.com"]]
    authorization = request.submission.agent_authorization
    assert authorization.document_type == AgentAuthorization.DocumentType.DRP_DIRECTORY
    assert authorization.review == AgentAuthorization.Review.ACCEPTED


def test_an_unknown_consumer_gets_the_same_answer_and_nobody_is_e_mailed(
    agent, outbox, django_capture_on_commit_callbacks
):
    status, data, _ = submit(agent, django_capture_on_commit_callbacks)
    assert status == 200
    data = agent.status(data["request_id"])[1]
    assert (data["status"], data["reason"]) == ("in_progress", "need_user_verification")
    assert outbox == []


def test_an_unsupported_exercise_or_version_is_400(agent, django_capture_on_commit_callbacks):
    assert submit(agent, django_capture_on_commit_callbacks, "profiling:opt-out")[1] == {
        "code": "400",
        "message": "Unsupported rights actions submitted.",
    }
    body = agent.sign(agent.envelope(exercise="deletion", **MAYA_CLAIMS) | {"drp.version": "0.5"})
    assert agent.send_exercise(body)[0] == 400
    assert not PrivacyRequest.objects.exists()


def test_identity_claims_are_validated_like_the_web_form_and_nothing_is_kept(
    agent, django_capture_on_commit_callbacks
):
    claims = {**MAYA_CLAIMS, "email": "not an address", "name": "<script>"}
    status, data, _ = submit(agent, django_capture_on_commit_callbacks, claims=claims)
    assert status == 400
    assert data["message"].startswith("The identity claims are not valid.")
    assert "email:" in data["message"] and "<script>" not in data["message"]
    assert not PrivacyRequest.objects.exists()
    assert DrpSeenMessage.objects.count() == 1  # the key set-up's, not this one: it may be sent again


@pytest.mark.parametrize("path", ["/v1/data-rights-request", "/v1/data-rights-request/"])
def test_the_exercise_is_accepted_with_and_without_a_trailing_slash(
    agent, django_capture_on_commit_callbacks, path
):
    body = agent.sign(agent.envelope(exercise="sale:opt-out", regime="ccpa", **MAYA_CLAIMS))
    with django_capture_on_commit_callbacks(execute=True):
        status, data, response = agent.send_exercise(body, path=path)
    assert status == 200 and not response.has_header("Location")


def test_a_status_callback_to_a_private_address_is_refused_in_production(
    agent, settings, django_capture_on_commit_callbacks
):
    settings.DRP_CALLBACK_ALLOW_PRIVATE = False
    settings.DRP_CALLBACK_ALLOW_HTTP = False
    for url in ("http://agent.example.org/cb", "https://127.0.0.1/cb", "https://10.1.2.3/cb"):
        status, data, _ = submit(agent, django_capture_on_commit_callbacks, callback=url)
        assert status == 400 and "status_callback" in data["message"], url
    assert not PrivacyRequest.objects.exists()


def test_a_voluntary_request_takes_the_regime_of_the_address(agent, maya, django_capture_on_commit_callbacks):
    claims = {**MAYA_CLAIMS, "address": {**MAYA_CLAIMS["address"], "region": "CO"}}
    body = agent.sign(agent.envelope(exercise="deletion", **claims))  # no `regime`
    with django_capture_on_commit_callbacks(execute=True):
        assert agent.send_exercise(body)[0] == 200
    assert drp_privacy_request().regime == "CO"


# --- refusals in the spec's order -------------------------------------------------------------------------


def refused(agent, body: bytes, token: str | None = None):
    status, data, _ = agent.transport.call(
        "POST", "/v1/data-rights-request", body=body, token=agent.token if token is None else token
    )
    assert not PrivacyRequest.objects.exists()
    return status, data


def exercise_envelope(agent, **overrides):
    return agent.envelope(exercise="deletion", regime="ccpa", **MAYA_CLAIMS) | overrides


def test_a_body_that_is_not_base64_is_400(agent):
    assert refused(agent, b"{not base64}")[0] == 400


def test_a_tampered_body_is_403(agent):
    signed = bytearray(base64.b64decode(agent.sign(exercise_envelope(agent))))
    signed[-3] ^= 0x01  # one bit of the JSON after signing
    assert refused(agent, base64.b64encode(bytes(signed)))[0] == 403


def test_no_token_or_a_wrong_token_is_403(agent):
    body = agent.sign(exercise_envelope(agent))
    assert refused(agent, body, token="")[0] == 403
    assert refused(agent, body, token="not-the-token")[0] == 403


def test_a_disabled_agent_is_refused_at_once(agent):
    DrpAgent.objects.update(enabled=False)
    assert refused(agent, agent.sign(exercise_envelope(agent)))[0] == 403


def test_another_agents_message_under_our_token_is_403(agent, client, tmp_path):
    other = DrpTestAgent(DjangoTransport(client), agent_id="OTHER_AGENT", signing_key=agent.signing_key)
    assert refused(agent, other.sign(exercise_envelope(other)))[0] == 403


def test_a_message_for_another_business_is_403(agent):
    assert refused(agent, agent.sign(exercise_envelope(agent, **{"business-id": "ACME"})))[0] == 403


def test_a_message_issued_in_the_future_is_400(agent):
    later = now() + timedelta(minutes=2)
    body = agent.sign(
        exercise_envelope(
            agent,
            **{"issued-at": later.isoformat(), "expires-at": (later + timedelta(minutes=5)).isoformat()},
        )
    )
    assert refused(agent, body)[0] == 400


def test_an_expired_message_is_a_fatal_400(agent):
    earlier = now() - timedelta(minutes=20)
    body = agent.sign(
        exercise_envelope(
            agent,
            **{"issued-at": earlier.isoformat(), "expires-at": (earlier + timedelta(minutes=5)).isoformat()},
        )
    )
    status, data = refused(agent, body)
    assert (status, data["fatal"]) == (400, True)


def test_a_message_that_expires_too_far_ahead_is_400(agent):
    assert (
        refused(
            agent,
            agent.sign(exercise_envelope(agent) | {"expires-at": (now() + timedelta(days=1)).isoformat()}),
        )[0]
        == 400
    )


def test_a_replayed_message_is_409_and_opens_nothing_twice(agent, maya, django_capture_on_commit_callbacks):
    body = agent.sign(exercise_envelope(agent))
    with django_capture_on_commit_callbacks(execute=True):
        assert agent.send_exercise(body)[0] == 200
        status, data, _ = agent.send_exercise(body)
    assert (status, data["code"]) == (409, "409")
    assert PrivacyRequest.objects.count() == 1


def test_seen_messages_are_forgotten_once_expired(agent, maya, django_capture_on_commit_callbacks):
    submit(agent, django_capture_on_commit_callbacks)
    assert DrpSeenMessage.objects.count() == 2  # the key set-up and the exercise
    DrpSeenMessage.objects.filter(pk=DrpSeenMessage.objects.last().pk).update(
        expires_at=now() - timedelta(seconds=1)
    )
    assert drp_seen_purge() == 1
    assert DrpSeenMessage.objects.count() == 1


def test_refusals_are_logged_without_personal_data(agent, caplog):
    caplog.set_level(logging.INFO)
    agent.transport.call(
        "POST",
        "/v1/data-rights-request",
        body=agent.sign(exercise_envelope(agent, **{"business-id": "X"})),
        token=agent.token,
    )
    assert "wrong_business" in caplog.text
    for value in ("maya", "Chen", "Market", "94105", "4155550101"):
        assert value.lower() not in caplog.text.lower()


def test_only_get_post_and_delete_are_answered_and_no_csrf_cookie_is_needed(agent):
    status, _data, _ = agent.transport.call("PUT", "/v1/data-rights-request")
    assert status == 405


# --- status, another agent's request, revocation ----------------------------------------------------------


def test_another_agents_request_id_is_403_and_an_unknown_one_404(
    agent, client, tmp_path, maya, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks)[1]["request_id"]
    other = DrpTestAgent(DjangoTransport(client), agent_id="OTHER_AGENT")
    load_directory(tmp_path, agent, other)
    assert other.setup()[0] == 200

    assert other.status(request_id)[0] == 403
    assert other.revoke(request_id)[0] == 403
    assert agent.status("00000000-0000-4000-8000-000000000000")[0] == 404
    assert drp_privacy_request().status == Status.AWAITING_CONSUMER_CONFIRMATION


def drp_privacy_request() -> PrivacyRequest:
    return DrpRequest.objects.get().privacy_request


def confirm(client, outbox, *, agent_may_receive: str):
    reference = drp_privacy_request().reference
    client.post(CONFIRM, {"reference": reference, "code": code_for(outbox)})
    return client.post(
        CONFIRM_ANSWER,
        {"gave_permission": "yes", "agent_may_receive": agent_may_receive, "date_of_birth": "1990-04-02"},
    )


def test_the_consumer_confirms_then_staff_approve_and_the_agent_sees_it_fulfilled(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "access:categories")[1]["request_id"]
    confirm(client, outbox, agent_may_receive="yes")
    request = drp_privacy_request()
    assert request.status == Status.IN_REVIEW
    assert agent.status(request_id)[1]["status"] == "in_progress"
    assert "reason" not in agent.status(request_id)[1]

    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, actor=staff_member("pat", "approver"))

    status = agent.status(request_id)[1]
    assert status["status"] == "fulfilled"
    assert status["results_url"].endswith("/requests/agent/status/")


def test_results_are_not_offered_to_the_agent_when_the_consumer_kept_them(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "access:categories")[1]["request_id"]
    confirm(client, outbox, agent_may_receive="no")
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=drp_privacy_request(), actor=staff_member("pat", "approver"))
    status = agent.status(request_id)[1]
    assert status["status"] == "fulfilled" and "results_url" not in status
    assert "receive the results themselves" in status["processing_details"]


def test_the_twice_a_year_limit_applies_to_drp_requests(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    from tests.factories import PrivacyRequestFactory

    for _ in range(2):
        PrivacyRequestFactory(kind=Kind.KNOW_CATEGORIES, status=Status.COMPLETED, consumer=maya)
    request_id = submit(agent, django_capture_on_commit_callbacks, "access:categories")[1]["request_id"]
    confirm(client, outbox, agent_may_receive="yes")
    status = agent.status(request_id)[1]
    assert (status["status"], status["reason"]) == ("denied", "too_many_requests")


def test_a_consumer_who_says_no_denies_the_request(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "deletion")[1]["request_id"]
    client.post(CONFIRM, {"reference": drp_privacy_request().reference, "code": code_for(outbox)})
    client.post(CONFIRM_ANSWER, {"gave_permission": "no"})
    assert agent.status(request_id)[1]["status"] == "denied"


@pytest.mark.parametrize("stage", [Status.AWAITING_CONSUMER_CONFIRMATION, Status.IN_REVIEW, Status.APPROVED])
def test_revocation_withdraws_an_open_request_at_each_stage(
    agent, client, maya, outbox, django_capture_on_commit_callbacks, stage
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "deletion")[1]["request_id"]
    if stage != Status.AWAITING_CONSUMER_CONFIRMATION:
        confirm(client, outbox, agent_may_receive="no")
    if stage == Status.APPROVED:
        PrivacyRequest.objects.filter(pk=drp_privacy_request().pk).update(
            status=Status.APPROVED
        )  # approved, fulfilment not started yet
    status, data, _ = agent.revoke(request_id)
    assert (status, data["status"]) == (200, "revoked")
    request = drp_privacy_request()
    assert request.status == Status.WITHDRAWN
    assert DrpRequest.objects.get().revoke_reason == "I changed my mind"
    assert RequestEvent.objects.filter(request=request, name="requests.request.withdrawn").count() == 1


def test_a_deletion_awaiting_its_confirmation_e_mail_can_still_be_revoked(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "deletion")[1]["request_id"]
    confirm(client, outbox, agent_may_receive="no")
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=drp_privacy_request(), actor=staff_member("pat", "approver"))
    assert drp_privacy_request().status == Status.FULFILLING

    assert agent.revoke(request_id)[1]["status"] == "revoked"
    assert drp_privacy_request().status == Status.WITHDRAWN


def test_a_closed_request_cannot_be_revoked(agent, client, maya, outbox, django_capture_on_commit_callbacks):
    request_id = submit(agent, django_capture_on_commit_callbacks, "access:categories")[1]["request_id"]
    confirm(client, outbox, agent_may_receive="yes")
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=drp_privacy_request(), actor=staff_member("pat", "approver"))
    status, data, _ = agent.revoke(request_id)
    assert status == 409 and "closed" in data["message"]
    assert agent.status(request_id)[1]["status"] == "fulfilled"


def test_the_web_agent_form_does_not_offer_the_drp_document_type(client):
    page = client.get(reverse("requests_app:agent_new")).content.decode()
    assert 'value="drp_directory"' not in page


# --- status callbacks --------------------------------------------------------------------------------------


def test_each_status_change_calls_the_agent_back_with_the_status_object(
    agent, client, maya, outbox, webhook_server, settings, django_capture_on_commit_callbacks
):
    settings.DRP_CALLBACK_ALLOW_HTTP = settings.DRP_CALLBACK_ALLOW_PRIVATE = True
    request_id = submit(agent, django_capture_on_commit_callbacks, "deletion", callback=webhook_server.url)[
        1
    ]["request_id"]
    webhook_server.wait_for(1)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, outbox, agent_may_receive="no")

    bodies = [json.loads(r.body) for r in webhook_server.wait_for(2)]
    assert [(b["status"], b.get("reason")) for b in bodies] == [
        ("in_progress", "need_user_verification"),
        ("in_progress", None),
    ]
    assert {b["request_id"] for b in bodies} == {request_id}
    assert all(r.headers["content-type"] == "application/json" for r in webhook_server.received)
    assert "maya" not in b"".join(r.body for r in webhook_server.received).decode().lower()


def test_a_callback_the_agent_does_not_take_is_retried(agent, maya, webhook_server, settings, monkeypatch):
    from drp.services import drp_callback_send

    settings.DRP_CALLBACK_ALLOW_HTTP = settings.DRP_CALLBACK_ALLOW_PRIVATE = True
    webhook_server.statuses = [503, 200]
    monkeypatch.setattr("drp.services.outbox_task", lambda *a, **k: None)  # drive the sends by hand
    status, data, _ = agent.exercise("deletion", MAYA_CLAIMS, callback=webhook_server.url)
    pk = DrpRequest.objects.get().pk

    with pytest.raises(OSError, match="answered 503"):
        drp_callback_send(drp_request_id=pk)
    assert drp_callback_send(drp_request_id=pk) == 200


def test_a_drp_request_is_announced_to_the_staff_tools_webhooks_like_any_other(
    agent, maya, webhook_server, django_capture_on_commit_callbacks
):
    from api.models import WebhookEndpoint, WebhookEvent

    WebhookEndpoint.objects.create(
        name="Ticketing", url=webhook_server.url, secret="s" * 32, events=[WebhookEvent.RECEIVED]
    )
    submit(agent, django_capture_on_commit_callbacks, "deletion")
    payloads = [json.loads(r.body) for r in webhook_server.wait_for(1)]
    assert [(p["event"], p["kind"]) for p in payloads] == [("request.received", "delete")]


def test_the_revoke_reason_is_purged_with_the_submissions_personal_data(
    agent, maya, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "deletion")[1]["request_id"]
    with django_capture_on_commit_callbacks(execute=False) as purges:
        assert agent.revoke(request_id, reason="Maya Chen asked me to stop, call 415-555-0101")[0] == 200
    assert DrpRequest.objects.get().revoke_reason.startswith("Maya Chen")  # kept until the purge runs

    for purge in purges:  # after commit: the closed submission's personal data is blanked
        purge()

    request = drp_privacy_request()
    assert request.submission.personal_data_purged_at is not None and request.submission.first_name == ""
    assert DrpRequest.objects.get().revoke_reason == ""


def test_the_retention_purge_blanks_a_revoke_reason_too(agent, maya, django_capture_on_commit_callbacks):
    from staff.retention import records_purge

    request_id = submit(agent, django_capture_on_commit_callbacks, "deletion")[1]["request_id"]
    with django_capture_on_commit_callbacks(execute=False):  # the close-time purge does not run
        agent.revoke(request_id, reason="Maya Chen asked me to stop")
    PrivacyRequest.objects.update(closed_at=now() - timedelta(days=800))

    assert records_purge() == 1
    assert DrpRequest.objects.get().revoke_reason == ""


@pytest.mark.parametrize(
    "claims",
    [
        MAYA_CLAIMS,
        {**MAYA_CLAIMS, "email": "not an address"},
        {**MAYA_CLAIMS, "name": "<script>", "phone_number": "12"},
        {**MAYA_CLAIMS, "address": {"postal_code": "ABCDE", "region": "ZZ"}},
    ],
)
def test_the_claims_form_validates_exactly_as_the_web_request_form(claims):
    from drp.services import ClaimsForm, claims_form_data
    from requests_app.intake.forms import RequestForm

    data = claims_form_data(claims, Kind.DELETE, "CA")
    web, drp = RequestForm(data=data), ClaimsForm(data=data)
    assert web.is_valid() == drp.is_valid()
    assert web.errors == drp.errors and web.cleaned_data == drp.cleaned_data
    # Sharing the field definitions leaves nothing behind for the next message.
    assert ClaimsForm(data=claims_form_data(MAYA_CLAIMS, Kind.DELETE, "CA")).is_valid()


@pytest.mark.django_db(transaction=True)
def test_callbacks_of_one_request_go_one_at_a_time_and_the_last_carries_the_latest_status(
    agent, maya, webhook_server, settings, monkeypatch
):
    """Two workers sending a request's callbacks side by side: the second waits for the first to be
    answered and then reads the status, so an older status never arrives last (PostgreSQL's lock)."""
    import threading

    from django.db import connection

    from drp.services import drp_callback_send

    if connection.vendor != "postgresql":
        pytest.skip("the callbacks' lock is PostgreSQL's")
    settings.DRP_CALLBACK_ALLOW_HTTP = settings.DRP_CALLBACK_ALLOW_PRIVATE = True
    monkeypatch.setattr("drp.services.outbox_task", lambda *a, **k: None)  # drive the sends by hand
    agent.exercise("deletion", MAYA_CLAIMS, callback=webhook_server.url)
    drp_request = DrpRequest.objects.get()
    webhook_server.delay_seconds = 1.0

    def send():
        try:
            drp_callback_send(drp_request_id=drp_request.pk)
        finally:
            connection.close()

    first = threading.Thread(target=send)
    first.start()
    webhook_server.wait_for(1)  # the first is being answered, slowly
    assert agent.revoke(str(drp_request.request_id))[1]["status"] == "revoked"
    second = threading.Thread(target=send)
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    bodies = [json.loads(r.body) for r in webhook_server.wait_for(2)]
    assert webhook_server.most_in_flight == 1
    assert [b["status"] for b in bodies] == ["in_progress", "revoked"]
