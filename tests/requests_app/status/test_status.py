import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from requests_app.models import OutboxMessage, RequestEvent
from requests_app.outbox.services import outbox_relay
from tests.equal_work import web_statements
from tests.factories import PrivacyRequestFactory
from verification.models import OneTimeCode

pytestmark = pytest.mark.django_db

LOOKUP = reverse("requests_app:status_lookup")
CODE = reverse("requests_app:status_code")
VIEW = reverse("requests_app:status_view")


def _code_from(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


@pytest.fixture
def privacy_request():
    return PrivacyRequestFactory(submission__email="maya.chen@example.com")


def test_reference_and_email_send_a_code_that_opens_the_timeline(client, privacy_request, outbox):
    response = client.post(
        LOOKUP, {"reference": privacy_request.reference.lower(), "email": "MAYA.CHEN@example.com"}
    )
    assert response.status_code == 302 and response["Location"] == CODE
    assert outbox[-1].to == ["maya.chen@example.com"]

    response = client.post(CODE, {"code": _code_from(outbox)}, follow=True)

    body = response.content.decode()
    assert privacy_request.reference in body
    assert "Timeline" in body
    assert RequestEvent.objects.filter(request=privacy_request, name="requests.status.viewed").exists()


def test_wrong_email_looks_the_same_and_sends_nothing(client, privacy_request, outbox):
    right = client.post(LOOKUP, {"reference": privacy_request.reference, "email": "maya.chen@example.com"})
    other = client.__class__().post(
        LOOKUP, {"reference": privacy_request.reference, "email": "eve@example.com"}
    )
    assert (right.status_code, right["Location"]) == (other.status_code, other["Location"])
    assert len(outbox) == 1


def test_a_lookup_does_the_same_work_whether_or_not_reference_and_email_belong_together(
    privacy_request, outbox, relay_in_worker
):
    def lookup(reference, email):
        response = Client().post(LOOKUP, {"reference": reference, "email": email})
        assert response["Location"] == CODE

    lookup(privacy_request.reference, "warm.up@example.com")  # first-request work (content types, …)
    OutboxMessage.objects.all().delete()
    matched = web_statements(lambda: lookup(privacy_request.reference, "maya.chen@example.com"))
    wrong_email = web_statements(lambda: lookup(privacy_request.reference, "eve@example.com"))
    unknown = web_statements(lambda: lookup("RN-7KQ2-M9XH-4TPD", "maya.chen@example.com"))

    assert matched == wrong_email == unknown
    assert sum('FROM "requests_app_privacyrequest"' in sql for sql in matched) == 1
    assert sum('INTO "requests_app_outboxmessage"' in sql for sql in matched) == 1
    # Nothing left the web process, and the rows hold no typed e-mail: only the id on the match.
    assert outbox == [] and not OneTimeCode.objects.exists()
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert [row.payload["args"] for row in rows] == [[privacy_request.pk], [None], [None]]
    assert not any("@" in str(row.payload) for row in rows)

    assert outbox_relay() == 4  # the worker: three task rows, then the one e-mail the match wrote
    assert [m.to for m in outbox] == [["maya.chen@example.com"]]
    assert OneTimeCode.objects.count() == 1
    assert RequestEvent.objects.filter(name="requests.status.code_sent").count() == 1


def test_the_status_page_needs_a_code(client, privacy_request):
    assert client.get(VIEW)["Location"] == LOOKUP
    client.post(LOOKUP, {"reference": privacy_request.reference, "email": "maya.chen@example.com"})
    response = client.post(CODE, {"code": "000000"})
    assert "That code is not right" in response.content.decode()
    assert client.get(VIEW)["Location"] == LOOKUP


def test_a_used_code_cannot_open_the_page_again(client, privacy_request, outbox):
    client.post(LOOKUP, {"reference": privacy_request.reference, "email": "maya.chen@example.com"})
    code = _code_from(outbox)
    client.post(CODE, {"code": code})
    other = client.__class__()
    other.post(LOOKUP, {"reference": privacy_request.reference, "email": "eve@example.com"})
    assert "not right" in other.post(CODE, {"code": code}).content.decode()


def test_status_access_lapses_after_fifteen_minutes(client, privacy_request, outbox):
    client.post(LOOKUP, {"reference": privacy_request.reference, "email": "maya.chen@example.com"})
    client.post(CODE, {"code": _code_from(outbox)})
    assert client.get(VIEW).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert client.get(VIEW)["Location"] == LOOKUP


def test_malformed_reference_gets_a_clear_message(client):
    response = client.post(LOOKUP, {"reference": "12345", "email": "maya.chen@example.com"})
    assert "A reference looks like RN-7KQ2-M9XH-4TPD." in response.content.decode()


def test_code_page_without_a_lookup_goes_back_to_the_lookup(client):
    assert client.get(CODE)["Location"] == LOOKUP


def test_an_emails_step_link_leads_straight_to_that_step_after_the_code(client, privacy_request, outbox):
    """Issue 15, item 7: `?step=report` (a step, never a person) opens the download page after the code,
    and the status page states how long the session lasts."""
    client.get(LOOKUP + "?step=report")
    client.post(LOOKUP, {"reference": privacy_request.reference, "email": "maya.chen@example.com"})
    response = client.post(CODE, {"code": _code_from(outbox)})
    assert response["Location"] == reverse("requests_app:report_download")

    body = client.get(VIEW).content.decode()
    # The factory's request matched nobody on record: no download without a code to the address on record.
    assert "You can continue for the next 15 minutes without a new code." in body
    assert "A report download or a change of contact details needs a code" in body


def test_an_unknown_step_is_ignored(client, privacy_request, outbox):
    client.get(LOOKUP + "?step=https://evil.example/")
    client.post(LOOKUP, {"reference": privacy_request.reference, "email": "maya.chen@example.com"})
    assert client.post(CODE, {"code": _code_from(outbox)})["Location"] == VIEW


def test_the_correction_invite_links_to_the_correction_step(client, outbox):
    correction = PrivacyRequestFactory(kind="correct", submission__email="maya.chen@example.com")
    client.get(LOOKUP + "?step=correction")
    client.post(LOOKUP, {"reference": correction.reference, "email": "maya.chen@example.com"})
    response = client.post(CODE, {"code": _code_from(outbox)})
    assert response["Location"] == reverse("requests_app:correction_details", args=[correction.reference])


def test_the_status_code_cycles_the_session_key_and_the_grant_records_whether_it_went_to_record(
    client, outbox
):
    """Issue 15, item 7: the one grant is made on a new session key, for a stated time."""
    from tests.factories import ConsumerFactory

    consumer = ConsumerFactory(email="maya.chen@example.com")
    request = PrivacyRequestFactory(submission__email="maya.chen@example.com", consumer=consumer)
    client.post(LOOKUP, {"reference": request.reference, "email": "maya.chen@example.com"})
    before = client.session.session_key
    client.post(CODE, {"code": _code_from(outbox)})
    assert client.session.session_key != before
    grant = client.session["status_access"]
    assert grant["id"] == request.pk and grant["on_record"] is True
    assert 14 * 60 < grant["until"] - timezone.now().timestamp() <= 15 * 60
    body = client.get(VIEW).content.decode()
    assert "You can download and continue for the next 15 minutes without a new code." in body
