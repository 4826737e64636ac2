import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from records.choices import consumer_sale_opt_out
from records.models import Consumer, Recipient, SaleOptIn
from requests_app.models import (
    AgentAuthorization,
    Channel,
    Kind,
    PrivacyRequest,
    ProcessorNotice,
    RequestEvent,
    Status,
    Submission,
)
from requests_app.optout.services import gpc_consumer_opt_out, opt_out_fulfil, opt_out_submit
from requests_app.processors.services import webhook_signature_valid
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.optout_support import partner_share_point

pytestmark = pytest.mark.django_db

DNS = reverse("requests_app:do_not_sell")
DONE = reverse("requests_app:do_not_sell_done")
OPT_IN = reverse("requests_app:sale_opt_in")
GPC = {"HTTP_SEC_GPC": "1"}


@pytest.fixture
def maya():
    consumer = ConsumerFactory(email="maya.chen@example.com")
    partner_share_point(consumer)
    return consumer


def _status_session(client, request: PrivacyRequest, *, minutes: int = 15, on_record: bool = False) -> None:
    """What views.status_code leaves in the session once a one-time code was right."""
    session = client.session
    session["status_access"] = {
        "id": request.pk,
        "until": timezone.now().timestamp() + minutes * 60,
        "on_record": on_record,
    }
    session.save()


# --- The Do Not Sell page -------------------------------------------------------------------------


def test_anyone_may_open_the_do_not_sell_page_without_signing_in(client):
    response = client.get(DNS)
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert "first_name" not in response.content.decode()  # minimal data: an e-mail and nothing else


def test_an_opt_out_by_email_is_applied_and_confirmed(
    client, maya, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DNS, {"email": " Maya.Chen@Example.com "})
    assert response["Location"] == DONE

    request = PrivacyRequest.objects.get()
    assert (request.kind, request.status, request.outcome) == (Kind.OPT_OUT, Status.COMPLETED, "complied")
    assert request.consumer == maya and request.matched_fields == ["email"]
    maya.refresh_from_db()
    assert maya.sale_opted_out_at is not None
    assert maya.data_points.get(system__code="partner_sharing").redacted_at is not None
    submission = request.submission
    assert (submission.email, submission.first_name, submission.phone) == ("maya.chen@example.com", "", "")
    [notice] = ProcessorNotice.objects.filter(request=request)
    assert (notice.recipient.code, notice.action) == ("incubation_partners", "opt_out")
    assert set(notice.subject) == {"email", "phone", "member_number"}  # keyed hashes, no values
    assert "maya" not in str(notice.subject)
    confirmation = [m for m in outbox if "opt-out of sale and sharing is done" in m.subject]
    assert len(confirmation) == 1 and confirmation[0].to == ["maya.chen@example.com"]
    assert request.reference in confirmation[0].body
    assert client.get(DONE).content.decode().count(request.reference) == 1


def test_an_unknown_email_gets_the_same_page_and_the_same_email_and_changes_nobody(
    client, maya, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(DNS, {"email": "maya.chen@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.__class__().post(DNS, {"email": "stranger@example.com"})
    assert known["Location"] == unknown["Location"] == DONE
    subjects = sorted(m.subject.split(" (")[0] for m in outbox)
    assert subjects.count("Your opt-out of sale and sharing is done") == 2
    stranger = PrivacyRequest.objects.get(submission__email="stranger@example.com")
    assert stranger.status == Status.COMPLETED and stranger.consumer is None
    assert not ProcessorNotice.objects.filter(request=stranger).exists()


def test_only_an_exact_email_match_is_opted_out(client, maya, django_capture_on_commit_callbacks):
    lookalike = ConsumerFactory(email="maya.chen@example.co")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DNS, {"email": "maya.chen@example.com"})
    lookalike.refresh_from_db()
    assert lookalike.sale_opted_out_at is None


def test_every_record_with_the_exact_email_is_opted_out(client, django_capture_on_commit_callbacks):
    twins = ConsumerFactory.create_batch(2, email="jordan.kim@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DNS, {"email": "jordan.kim@example.com"})
    assert all(c.sale_opted_out_at for c in Consumer.objects.filter(pk__in=[t.pk for t in twins]))


def test_without_gpc_an_email_is_required_and_nothing_is_written(client):
    response = client.post(DNS, {"email": ""})
    assert response.status_code == 200
    assert "Enter your e-mail address" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_malformed_email_gets_a_clear_message(client):
    response = client.post(DNS, {"email": "maya-at-example"})
    assert response.status_code == 200
    assert "valid e-mail address" in response.content.decode()
    assert not Submission.objects.exists()


def test_with_gpc_no_email_is_needed_and_only_the_browser_is_opted_out(client):
    response = client.post(DNS, {"email": ""}, **GPC)
    assert response["Location"] == DONE
    assert response.cookies["gpc_opt_out"].value == "1"
    assert not Submission.objects.exists()
    assert "opted this browser out" in client.get(DONE).content.decode()


def test_the_done_page_without_an_opt_out_sends_you_to_the_form(client):
    assert client.get(DONE)["Location"] == DNS


def test_a_flood_of_opt_outs_from_one_address_is_slowed_down(client):
    for n in range(30):
        client.post(DNS, {"email": f"p{n}@example.com"})
    response = client.post(DNS, {"email": "one.more@example.com"})
    assert "Too many requests" in response.content.decode()
    assert Submission.objects.count() == 30


def test_sale_partners_get_a_signed_opt_out_webhook(
    client, maya, webhook_server, django_capture_on_commit_callbacks
):
    Recipient.objects.filter(code="incubation_partners").update(webhook_url=webhook_server.url)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DNS, {"email": "maya.chen@example.com"})
    [call] = webhook_server.wait_for(1)
    payload = json.loads(call.body)
    assert (payload["type"], payload["recipient"]) == ("privacy.opt_out", "incubation_partners")
    assert webhook_signature_valid(body=call.body, header=call.headers["rakunest-signature"])
    assert b"maya" not in call.body
    assert ProcessorNotice.objects.get().status == ProcessorNotice.State.SENT


def test_partners_are_not_told_again_about_a_consumer_already_opted_out(
    client, maya, django_capture_on_commit_callbacks
):
    consumer_sale_opt_out(consumer_id=maya.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DNS, {"email": "maya.chen@example.com"})
    assert PrivacyRequest.objects.get().status == Status.COMPLETED
    assert not ProcessorNotice.objects.exists()


def test_a_redelivered_opt_out_task_does_nothing_twice(maya, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = opt_out_submit(email="maya.chen@example.com")
    events = RequestEvent.objects.filter(request=request).count()
    with django_capture_on_commit_callbacks(execute=True):
        assert opt_out_fulfil(request_id=request.pk) is False
    assert RequestEvent.objects.filter(request=request).count() == events


# --- Global Privacy Control -------------------------------------------------------------------------


def test_a_gpc_browser_sees_the_honored_notice_and_gets_a_cookie_without_personal_data(client):
    response = client.get(reverse("requests_app:home"), **GPC)
    assert "Opt-out request honored" in response.content.decode()
    assert response.cookies["gpc_opt_out"].value == "1"
    assert "Sec-GPC" in response["Vary"]
    # The cookie alone keeps the notice once the browser stops sending the header.
    assert "Opt-out request honored" in client.get(reverse("requests_app:home")).content.decode()


def test_a_browser_without_gpc_sees_no_notice(client):
    response = client.get(reverse("requests_app:home"))
    assert "Opt-out request honored" not in response.content.decode()
    assert "gpc_opt_out" not in response.cookies


def test_gpc_without_a_known_consumer_records_nothing_on_our_side(client):
    client.get(reverse("requests_app:home"), **GPC)
    assert not PrivacyRequest.objects.exists()


def test_gpc_from_a_known_consumer_becomes_their_opt_out_once(
    client, maya, django_capture_on_commit_callbacks
):
    _status_session(client, PrivacyRequestFactory(consumer=maya))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("requests_app:status_view"), **GPC)
        client.get(reverse("requests_app:home"), **GPC)
    gpc_request = PrivacyRequest.objects.get(kind=Kind.OPT_OUT)
    assert gpc_request.submission.channel == Channel.GPC
    assert gpc_request.submission.email == ""  # nothing typed, nothing stored
    assert (gpc_request.consumer, gpc_request.status) == (maya, Status.COMPLETED)
    maya.refresh_from_db()
    assert maya.sale_opted_out_at is not None


def test_gpc_is_not_recorded_again_for_a_consumer_already_opted_out(maya):
    consumer_sale_opt_out(consumer_id=maya.pk)
    status_request = PrivacyRequestFactory(consumer=maya)
    assert gpc_consumer_opt_out(status_request_id=status_request.pk) is None
    assert not PrivacyRequest.objects.filter(kind=Kind.OPT_OUT).exists()


def test_gpc_with_a_status_session_for_an_unmatched_request_records_nothing(client):
    _status_session(client, PrivacyRequestFactory(consumer=None))
    client.get(reverse("requests_app:home"), **GPC)
    assert not PrivacyRequest.objects.filter(kind=Kind.OPT_OUT).exists()


def test_an_expired_status_session_does_not_make_the_consumer_known(client, maya):
    _status_session(client, PrivacyRequestFactory(consumer=maya), minutes=-1)
    client.get(reverse("requests_app:home"), **GPC)
    assert not PrivacyRequest.objects.filter(kind=Kind.OPT_OUT).exists()


# --- Opting back in -----------------------------------------------------------------------------------


def test_the_opt_in_page_needs_a_status_session(client):
    assert client.get(OPT_IN)["Location"] == reverse("requests_app:status_lookup")
    assert client.post(OPT_IN, {"confirm": "on"})["Location"] == reverse("requests_app:status_lookup")
    assert not SaleOptIn.objects.exists()


def test_the_opt_in_page_needs_a_request_matched_to_a_consumer(client):
    _status_session(client, PrivacyRequestFactory(consumer=None))
    assert client.get(OPT_IN)["Location"] == reverse("requests_app:status_lookup")


def test_the_opt_in_page_refuses_an_expired_status_session(client, maya):
    _status_session(client, PrivacyRequestFactory(consumer=maya), minutes=-1)
    assert client.post(OPT_IN, {"confirm": "on"})["Location"] == reverse("requests_app:status_lookup")
    assert not SaleOptIn.objects.exists()


def test_opting_in_needs_an_explicit_confirmation(client, maya):
    _status_session(client, PrivacyRequestFactory(consumer=maya))
    response = client.post(OPT_IN, {})
    assert "Tick the box to confirm" in response.content.decode()
    assert not SaleOptIn.objects.exists()


def test_opting_back_in_within_12_months_is_refused_with_a_clear_message(client, maya):
    consumer_sale_opt_out(consumer_id=maya.pk, at=timezone.now() - timedelta(days=200))
    _status_session(client, PrivacyRequestFactory(consumer=maya))
    response = client.post(OPT_IN, {"confirm": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "We keep to that choice for 12 months" in body
    maya.refresh_from_db()
    assert maya.sale_opt_in_at is None


def test_an_agents_request_opens_the_opt_in_only_with_a_code_sent_to_the_address_on_record(client, maya):
    # An agent's request is matched before the consumer confirms anything, at an address the agent typed:
    # a status code sent there must not let the agent give the consumer's consent.
    request = PrivacyRequestFactory(consumer=maya, kind=Kind.KNOW_CATEGORIES)
    AgentAuthorization.objects.create(
        submission=request.submission,
        agent_name="Agent",
        agent_email="agent@example.org",
        document_type=AgentAuthorization.DocumentType.PERMISSION,
    )
    _status_session(client, request)
    assert client.post(OPT_IN, {"confirm": "on"})["Location"] == reverse("requests_app:status_lookup")
    assert not SaleOptIn.objects.exists()

    _status_session(client, request, on_record=True)
    assert "You opted back in" in client.post(OPT_IN, {"confirm": "on"}).content.decode()


def test_a_consumer_who_never_opted_out_can_opt_in(client, maya):
    _status_session(client, PrivacyRequestFactory(consumer=maya))
    response = client.post(OPT_IN, {"confirm": "on"})
    assert "You opted back in" in response.content.decode()
    assert SaleOptIn.objects.get().given_by == SaleOptIn.GivenBy.CONSUMER
