"""DRP `sale:opt-in`: the agent's message is at most the first step of Regs §7028(a); the consumer proves
who they are at our confirmation page, then confirms the opt-in themselves on the separate opt-in page."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drp.models import DrpRequest
from records.choices import consumer_sale_opt_out
from records.models import SaleOptIn
from requests_app.agents.services import agent_sweep
from requests_app.exceptions import RequestError
from requests_app.fulfilment import request_approve
from requests_app.intake.forms import RequestForm
from requests_app.models import Kind, PrivacyRequest, Status, kinds_offered
from tests.drp.test_drp import CONFIRM, CONFIRM_ANSWER, code_for, drp_privacy_request, submit
from tests.drp_agent import MAYA_CLAIMS
from tests.factories import staff_member
from tests.requests_app.flow_helpers import maya_consumer

pytestmark = pytest.mark.django_db

OPT_IN = reverse("requests_app:sale_opt_in")


def identify(client, outbox, **points):
    """The consumer's own first step: the code from the e-mail at their address on record, a "yes" to the
    agent's permission and a data point."""
    client.post(CONFIRM, {"reference": drp_privacy_request().reference, "code": code_for(outbox)})
    return client.post(
        CONFIRM_ANSWER, {"gave_permission": "yes", **(points or {"date_of_birth": "1990-04-02"})}
    )


def opted_in(consumer) -> bool:
    consumer.refresh_from_db()
    return consumer.sale_opt_in_at is not None or SaleOptIn.objects.filter(consumer=consumer).exists()


def test_the_agent_is_told_the_consumer_must_confirm_and_by_when(
    agent, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]

    status = agent.status(request_id)[1]
    request = drp_privacy_request()
    assert (request.kind, request.status) == (Kind.SALE_OPT_IN, Status.AWAITING_CONSUMER_CONFIRMATION)
    assert (status["status"], status["reason"]) == ("in_progress", "need_user_verification")
    assert status["user_verification_url"].endswith("/requests/confirm/")
    assert status["expires_at"] == (request.status_changed_at + timedelta(days=10)).isoformat()
    assert "§7028(a)" in status["processing_details"]
    [mail] = outbox
    assert mail.to == ["maya.chen@example.com"]
    assert "we ask you on a separate page whether you want to opt in" in mail.body
    assert not opted_in(maya)


def test_an_unknown_consumer_gets_the_same_answer_and_nobody_is_e_mailed(
    agent, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt_in")[1]["request_id"]
    status = agent.status(request_id)[1]
    assert (status["status"], status["reason"]) == ("in_progress", "need_user_verification")
    assert "expires_at" in status and "§7028(a)" in status["processing_details"]
    assert outbox == []


def test_the_consumers_yes_to_the_agent_is_not_yet_an_opt_in(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    client.post(CONFIRM, {"reference": drp_privacy_request().reference, "code": code_for(outbox)})
    page = client.get(CONFIRM_ANSWER).content.decode()
    assert "Answering yes here does not opt you in" in page
    assert 'name="agent_may_receive"' not in page  # an opt-in has no results to receive

    response = client.post(CONFIRM_ANSWER, {"gave_permission": "yes", "date_of_birth": "1990-04-02"})

    assert response["Location"] == OPT_IN
    assert drp_privacy_request().status == Status.AWAITING_CONSUMER_CONFIRMATION
    assert not opted_in(maya)
    status = agent.status(request_id)[1]
    assert (status["status"], status["reason"]) == ("in_progress", "need_user_verification")
    # The separate confirmation, with its equal-weight "No", names the agent who asked.
    page = client.get(OPT_IN).content.decode()
    assert "Test Agent App, as your authorized agent, asked us to opt you back in" in page
    assert 'name="keep"' in page and "Confirm opt-in" in page


def test_the_consumers_separate_confirmation_records_the_opt_in_and_fulfils_the_request(
    agent, client, maya, outbox, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO)
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    identify(client, outbox)

    response = client.post(OPT_IN, {"confirm": "on"})

    assert "You opted back in" in response.content.decode()
    assert SaleOptIn.objects.get(consumer=maya).given_by == SaleOptIn.GivenBy.CONSUMER
    request = drp_privacy_request()
    assert (request.status, request.outcome) == (Status.COMPLETED, "complied")
    assert sorted(request.matched_fields) == ["dob", "email"]
    status = agent.status(request_id)[1]
    assert status["status"] == "fulfilled" and "results_url" not in status
    assert "confirmed the opt-in themselves" in status["processing_details"]
    for value in ("maya", "chen", "1990-04-02", "94105"):
        assert value not in caplog.text.lower()


def test_ticking_nothing_records_nothing(agent, client, maya, outbox, django_capture_on_commit_callbacks):
    submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")
    identify(client, outbox)
    assert "Tick the box to confirm" in client.post(OPT_IN, {}).content.decode()
    assert not opted_in(maya)
    assert drp_privacy_request().status == Status.AWAITING_CONSUMER_CONFIRMATION


def test_no_on_the_opt_in_page_withdraws_the_request_and_records_nothing(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    identify(client, outbox)

    response = client.post(OPT_IN, {"confirm": "on", "keep": "1"})

    assert response["Location"] == reverse("requests_app:status_view")
    assert not opted_in(maya)
    assert drp_privacy_request().status == Status.WITHDRAWN
    assert agent.status(request_id)[1]["status"] == "revoked"
    assert client.post(OPT_IN, {"confirm": "on"}).status_code == 200  # nothing waits any more
    assert not opted_in(maya)


def test_a_child_under_13_is_refused_and_the_agent_told_why(
    agent, client, outbox, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    child = maya_consumer(date_of_birth=date(today.year - 10, 1, 1))
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    identify(client, outbox, phone="+14155550101")

    page = client.post(OPT_IN, {"confirm": "on"}).content.decode()

    assert "only a verified parent or guardian can agree" in page
    assert not opted_in(child)
    request = drp_privacy_request()
    assert (request.status, request.denial_reason) == (Status.DENIED, "parent_consent_required")
    status = agent.status(request_id)[1]
    assert (status["status"], status["reason"]) == ("denied", "other")
    assert "under 13" in status["processing_details"] and str(today.year - 10) not in str(status)


def test_an_opt_in_within_12_months_of_an_opt_out_is_denied(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    consumer_sale_opt_out(consumer_id=maya.pk, at=timezone.now() - timedelta(days=100))
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    identify(client, outbox)
    assert "We keep to that choice for 12 months" in client.post(OPT_IN, {"confirm": "on"}).content.decode()
    assert not opted_in(maya)
    status = agent.status(request_id)[1]
    assert status["status"] == "denied" and "less than 12 months ago" in status["processing_details"]


def test_the_agent_can_revoke_before_the_confirmation_and_nothing_is_recorded(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    identify(client, outbox)

    status, data, _ = agent.revoke(request_id)
    assert (status, data["status"]) == (200, "revoked")

    page = client.post(OPT_IN, {"confirm": "on"}).content.decode()
    assert "no longer waiting for your answer" in page
    assert not opted_in(maya)
    assert drp_privacy_request().status == Status.WITHDRAWN


def test_unconfirmed_it_expires_whether_or_not_we_hold_the_person(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    identify(client, outbox)  # the first step only
    PrivacyRequest.objects.update(status_changed_at=timezone.now() - timedelta(days=11))

    assert agent_sweep()["expired"] == 1

    status = agent.status(request_id)[1]
    assert status["status"] == "expired"
    assert "did not confirm the opt-in in time" in status["processing_details"]
    assert client.post(OPT_IN, {"confirm": "on"}).status_code == 200
    assert not opted_in(maya)


def test_staff_cannot_approve_an_opt_in_the_consumer_has_not_confirmed(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")
    identify(client, outbox)
    with pytest.raises(RequestError, match="not confirmed"):
        request_approve(request=drp_privacy_request(), actor=staff_member("pat", "approver"))
    assert not opted_in(maya)


def test_the_consumer_may_confirm_from_a_status_page_opened_at_the_address_on_record(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    request_id = submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")[1]["request_id"]
    reference = drp_privacy_request().reference
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("requests_app:status_lookup"), {"reference": reference, "email": maya.email})
    client.post(reverse("requests_app:status_code"), {"code": code_for(outbox)})

    client.post(OPT_IN, {"confirm": "on"})

    assert opted_in(maya)
    assert drp_privacy_request().matched_fields == ["email"]
    assert agent.status(request_id)[1]["status"] == "fulfilled"


def test_the_web_forms_do_not_offer_the_agents_opt_in():
    assert Kind.SALE_OPT_IN not in dict(kinds_offered())
    form = RequestForm(data={"kinds": [Kind.SALE_OPT_IN], "first_name": "Maya", "last_name": "Chen"})
    assert not form.is_valid() and "/do-not-sell/opt-in/" in str(form.errors["kinds"])


def test_no_opt_in_is_recorded_without_the_code_from_the_address_on_record(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")
    wrong = re.sub(r"\d", "0", code_for(outbox))
    client.post(CONFIRM, {"reference": drp_privacy_request().reference, "code": wrong})
    assert client.post(CONFIRM_ANSWER, {"gave_permission": "yes"})["Location"] == CONFIRM
    assert client.post(OPT_IN, {"confirm": "on"})["Location"] == reverse("requests_app:status_lookup")
    assert not opted_in(maya)
    assert DrpRequest.objects.get().privacy_request.status == Status.AWAITING_CONSUMER_CONFIRMATION


def test_a_status_page_opened_at_an_address_the_agent_typed_cannot_confirm_it(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    # Found by the phone number; the e-mail claim is the agent's own inbox, not the consumer's.
    claims = {**MAYA_CLAIMS, "email": "inbox@agent.example.org"}
    submit(agent, django_capture_on_commit_callbacks, "sale:opt-in", claims=claims)
    reference = drp_privacy_request().reference
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("requests_app:status_lookup"), {"reference": reference, "email": claims["email"]})
    client.post(reverse("requests_app:status_code"), {"code": code_for(outbox, claims["email"])})

    assert client.post(OPT_IN, {"confirm": "on"})["Location"] == reverse("requests_app:status_lookup")
    assert not opted_in(maya)
    assert drp_privacy_request().status == Status.AWAITING_CONSUMER_CONFIRMATION


def test_the_fulfilment_task_records_no_opt_in_the_consumer_did_not_confirm(
    agent, client, maya, outbox, django_capture_on_commit_callbacks
):
    from requests_app.optout.tasks import fulfil_sale_opt_in_task

    submit(agent, django_capture_on_commit_callbacks, "sale:opt-in")
    identify(client, outbox)
    PrivacyRequest.objects.update(status=Status.FULFILLING)  # as if moved there some other way

    fulfil_sale_opt_in_task.delay(drp_privacy_request().pk)

    assert not opted_in(maya)
    assert drp_privacy_request().status == Status.FULFILLING
