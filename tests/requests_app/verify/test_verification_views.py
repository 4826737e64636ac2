import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import Status, Submission
from tests.factories import PrivacyRequestFactory
from tests.mfa_support import staff_login
from tests.requests_app.flow_helpers import MAYA, code_sent_to, maya_consumer

pytestmark = pytest.mark.django_db

FORM = reverse("requests_app:request_new")
SUBMITTED = reverse("requests_app:submitted")
VERIFY = reverse("requests_app:verify")
NEXT = reverse("requests_app:verify_next")
RESEND = reverse("requests_app:verify_resend")


@pytest.fixture(autouse=True)
def _staff_review_everything(settings):
    settings.AUTO_APPROVE_VERIFIED_KINDS = []


def _form(**overrides) -> dict:
    data = {
        "kinds": ["know_categories", "delete"],
        "first_name": "Maya",
        "last_name": "Chen",
        "email": MAYA["email"],
        "phone": "(415) 555-0101",
        "street": "123 Market Street",
        "city": "San Francisco",
        "state": "CA",
        "zip_code": "94105",
        "date_of_birth": "1990-04-02",
        "member_number": "RN00000001",
    }
    return {**data, **overrides}


UNKNOWN = {
    "first_name": "Maya",
    "last_name": "Chen",
    "email": "maya.chen@example.org",
    "phone": "(415) 555-0199",
    "member_number": "RN00099999",
}


def _masked(body: str) -> str:
    body = re.sub(r"RN-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", "RN-REF", body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)
    return re.sub(r"\b\d{6}\b", "CODE", body)


def test_known_and_unknown_people_get_identical_pages_and_emails_until_the_typed_address_is_proven(
    outbox, django_capture_on_commit_callbacks
):
    maya_consumer()
    known, unknown = Client(), Client()
    answers = {}
    for name, client, data in (("known", known, _form()), ("unknown", unknown, _form(**UNKNOWN))):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            posted = client.post(FORM, data)
        submitted = client.get(SUBMITTED)
        page = client.get(VERIFY)
        wrong = client.post(VERIFY, {"code": "000000"})
        code_mail = outbox[-1]
        answers[name] = (
            (posted.status_code, posted["Location"]),
            len(queries),
            (submitted.status_code, _masked(submitted.content.decode())),
            (page.status_code, _masked(page.content.decode())),
            (wrong.status_code, _masked(wrong.content.decode())),
            (_masked(code_mail.subject), _masked(code_mail.body), _masked(code_mail.alternatives[0][0])),
        )
    assert answers["known"] == answers["unknown"]
    assert "That code is not right" in answers["known"][4][1]


def test_a_requester_verifies_through_the_pages_and_sees_the_outcome(
    client, outbox, django_capture_on_commit_callbacks
):
    maya_consumer()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(VERIFY, {"code": code_sent_to(outbox, MAYA["email"])})
    assert response["Location"] == NEXT
    body = client.get(NEXT).content.decode()
    assert "Your identity is confirmed." in body
    assert set(Submission.objects.get().requests.values_list("status", flat=True)) == {Status.IN_REVIEW}


def test_no_records_found_is_said_on_the_page_after_the_code(
    client, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form(**UNKNOWN))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(VERIFY, {"code": code_sent_to(outbox, UNKNOWN["email"])})
    assert "We found no records matching your details" in client.get(NEXT).content.decode()


def test_the_declaration_page_comes_after_the_code_for_specific_pieces(
    client, outbox, django_capture_on_commit_callbacks
):
    maya_consumer()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form(kinds=["access_specific"]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(VERIFY, {"code": code_sent_to(outbox, MAYA["email"])})
    page = client.get(NEXT).content.decode()
    assert "under penalty of perjury" in page
    assert "Tick the box" in client.post(NEXT, {"signed_name": "Maya Chen"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEXT, {"signed_name": "Maya Chen", "accept": "on"})
    request = Submission.objects.get().requests.get()
    assert (request.status, request.kind, request.verification_level) == (
        Status.IN_REVIEW,
        "access_specific",
        "high",
    )


def test_the_second_code_page_takes_the_code_sent_to_the_address_on_record(
    client, outbox, django_capture_on_commit_callbacks
):
    maya_consumer()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form(email="maya@new-job.example"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(VERIFY, {"code": code_sent_to(outbox, "maya@new-job.example")})
    page = client.get(NEXT).content.decode()
    assert "second code" in page and MAYA["email"] not in page
    assert "not right" in client.post(NEXT, {"code": "000000"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEXT, {"code": code_sent_to(outbox, MAYA["email"])})
    assert "Your identity is confirmed." in client.get(NEXT).content.decode()


def test_someone_without_the_session_types_reference_email_and_code(
    client, outbox, django_capture_on_commit_callbacks
):
    maya_consumer()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form())
    reference = Submission.objects.get().requests.first().reference
    other = Client()
    page = other.get(VERIFY).content.decode()
    assert 'name="reference"' in page
    code = code_sent_to(outbox, MAYA["email"])
    wrong_email = other.post(VERIFY, {"reference": reference, "email": "eve@example.com", "code": code})
    assert "not right" in wrong_email.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        right = other.post(VERIFY, {"reference": reference, "email": MAYA["email"], "code": code})
    assert right["Location"] == NEXT
    assert reference not in right["Location"]


# --- Who may see these pages -------------------------------------------------------------------------


def test_the_outcome_page_needs_the_session_that_proved_the_code(
    client, outbox, django_capture_on_commit_callbacks
):
    maya_consumer()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(VERIFY, {"code": code_sent_to(outbox, MAYA["email"])})
    assert client.get(NEXT).status_code == 200
    stranger = Client()
    assert stranger.get(NEXT)["Location"] == VERIFY
    stranger.post(FORM, _form(**UNKNOWN))  # a session of its own submission proves nothing about Maya's
    assert stranger.get(NEXT)["Location"] == VERIFY


def test_a_session_that_only_submitted_cannot_see_the_outcome(client):
    client.post(FORM, _form())
    assert client.get(NEXT)["Location"] == VERIFY


def test_staff_login_does_not_open_a_requesters_outcome(client, django_user_model):
    PrivacyRequestFactory()
    staff = django_user_model.objects.create_user("analyst", password="a-long-password-1", is_staff=True)
    staff_login(client, staff)
    assert client.get(NEXT)["Location"] == VERIFY


def test_resend_without_a_session_sends_nothing(client, outbox):
    response = client.post(RESEND)
    assert response["Location"] == VERIFY and not outbox


def test_resend_needs_post(client):
    assert client.get(RESEND).status_code == 405


def test_resend_sends_a_new_code_to_the_typed_address_only(
    client, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form(**UNKNOWN))
    before = len(outbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESEND)
    assert len(outbox) == before + 1 and outbox[-1].to == [UNKNOWN["email"]]


def test_every_step_says_what_happens_next_and_shows_where_the_requester_is(
    client, outbox, django_capture_on_commit_callbacks
):
    """Issue 15, item 6: a deletion needs a second confirmation after review; a correction form opens
    after review; a step indicator on each page of the journey."""
    maya_consumer()
    form = client.get(FORM).content.decode()
    assert 'aria-current="step">Step 1 of 4: Your request' in form
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, _form(kinds=["delete", "correct"]))
    submitted = client.get(SUBMITTED).content.decode()
    assert 'aria-current="step">Step 2 of 4: Confirm your e-mail' in submitted
    assert "after our review we e-mail you again, and nothing is deleted until you confirm" in submitted
    assert "a form to tell us what to correct opens after our review" in submitted
    assert 'aria-current="step">Step 2 of 4' in client.get(VERIFY).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(VERIFY, {"code": code_sent_to(outbox, MAYA["email"])})
    outcome = " ".join(client.get(NEXT).content.decode().split())
    assert 'aria-current="step">Step 3 of 4: We review' in outcome
    assert (
        "then e-mail you a second time to confirm the deletion. Nothing is deleted until you confirm."
        in outcome
    )
    assert "we e-mail you a link to a form where you tell us what to correct" in outcome
    result_mail = [m for m in outbox if m.to == [MAYA["email"]]][-1].body
    assert "second time to confirm the deletion" in " ".join(result_mail.split())
