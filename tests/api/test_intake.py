"""Intake for other channels: a call centre (or the mail room) enters a request through the API with the
web form's validation and intake service; it is acknowledged like a web request."""

import pytest

from requests_app.models import Channel, PrivacyRequest, RequestEvent, Status, Submission

pytestmark = pytest.mark.django_db


def _body(valid_form_data, **changes):
    return {**valid_form_data, "channel": "phone", **changes}


def test_a_phone_request_is_recorded_with_its_channel_and_acknowledged(
    api_user, valid_form_data, outbox, django_capture_on_commit_callbacks
):
    analyst, client = api_user("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/submissions/", _body(valid_form_data), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["channel"] == "phone"
    assert sorted(r["kind"] for r in body["requests"]) == ["delete", "know_categories"]
    submission = Submission.objects.get()
    assert submission.channel == Channel.PHONE
    # normalised exactly as the web form does
    assert (submission.email, submission.phone, submission.zip5) == (
        "maya.chen@example.com",
        "+14155550101",
        "94105",
    )
    requests = PrivacyRequest.objects.filter(submission=submission)
    assert {r.status for r in requests} == {Status.AWAITING_VERIFICATION}
    entered = RequestEvent.objects.filter(name="staff.request.entered")
    assert entered.count() == 2 and {e.actor for e in entered} == {analyst}
    assert any(m.to == ["maya.chen@example.com"] for m in outbox)  # the acknowledgement


def test_postal_mail_is_a_channel(api_user, valid_form_data):
    _analyst, client = api_user("analyst")
    response = client.post("/api/v1/submissions/", _body(valid_form_data, channel="mail"), format="json")
    assert response.status_code == 201
    assert Submission.objects.get().channel == Channel.MAIL


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", ""),
        ({"first_name": "<script>"}, "first_name", "Use letters, spaces, hyphens and apostrophes only."),
        ({"kinds": []}, "kinds", ""),
        ({"period": "range", "period_from": "2021-01-01"}, "period_from", "January 1, 2022"),
        ({"channel": "web"}, "channel", ""),
    ],
)
def test_the_web_forms_validation_applies_and_nothing_is_written(
    api_user, valid_form_data, changes, field, message
):
    _analyst, client = api_user("analyst")
    response = client.post("/api/v1/submissions/", _body(valid_form_data, **changes), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Submission.objects.exists()
