import pytest
from django.urls import reverse

from requests_app.models import PrivacyRequest, RequestEvent, Status, Submission

pytestmark = pytest.mark.django_db

FORM_URL = reverse("requests_app:request_new")


def test_form_page_renders_every_kind_and_the_do_not_sell_link(client):
    response = client.get(FORM_URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="access_specific"' in body and 'value="opt_out"' in body
    assert "Do Not Sell or Share My Personal Information" in body


def test_valid_submission_creates_one_request_per_kind_and_shows_references(
    client, valid_form_data, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM_URL, valid_form_data, follow=True)

    requests = list(PrivacyRequest.objects.order_by("pk"))
    assert [r.kind for r in requests] == ["know_categories", "delete"]
    assert {r.status for r in requests} == {Status.AWAITING_VERIFICATION}
    assert requests[0].submission_id == requests[1].submission_id
    body = response.content.decode()
    assert all(r.reference in body for r in requests)
    submission = Submission.objects.get()
    assert submission.email == "maya.chen@example.com"  # normalised
    assert submission.phone == "+14155550101"
    assert submission.acknowledged_at is not None
    assert len(outbox) == 2  # the acknowledgement, then the verification code (issue 3)
    assert requests[0].reference in outbox[0].body
    assert outbox[0].alternatives[0][1] == "text/html"


def test_references_are_random_and_not_in_any_url(client, valid_form_data):
    response = client.post(FORM_URL, valid_form_data)
    assert response.status_code == 302
    assert "RN-" not in response["Location"]
    first, second = PrivacyRequest.objects.values_list("reference", flat=True)
    assert first != second and len(first) == 17


def test_opt_out_skips_verification(client, valid_form_data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM_URL, {**valid_form_data, "kinds": ["opt_out"]})
    request = PrivacyRequest.objects.get()
    names = list(RequestEvent.objects.filter(request=request).values_list("name", flat=True))
    assert names[:2] == ["requests.request.received", "requests.request.fulfilling"]
    assert "requests.request.awaiting_verification" not in names
    assert "requests.request.acknowledged" in names


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kinds", [], "Choose at least one request."),
        ("kinds", ["sell_my_soul"], "Choose requests from the list."),
        ("first_name", "", "Enter your first name."),
        ("first_name", "x" * 81, "Enter at most 80 characters."),
        ("last_name", "", "Enter your last name."),
        ("last_name", "<script>", "Use letters, spaces, hyphens and apostrophes only."),
        ("email", "", "Enter your e-mail address; we send a code there."),
        ("email", "maya.chen-at-example.com", "Enter a valid e-mail address"),
        ("email", "maya@ex\u0430mple.com", "look-alike characters"),
        ("phone", "12", "Enter a valid phone number"),
        ("street", "1 Main St <b>", "Enter a street address"),
        ("city", "San\x00Francisco", "Null characters are not allowed."),
        ("state", "ZZ", "Choose a state from the list."),
        ("zip_code", "9410", "ZIP"),
        ("date_of_birth", "2999-01-01", "date of birth"),
        ("date_of_birth", "yesterday", "date of birth"),
        ("member_number", "12345", "member number"),
    ],
)
def test_each_invalid_field_gets_a_clear_message_and_nothing_is_written(
    client, valid_form_data, field, value, message, outbox
):
    response = client.post(FORM_URL, {**valid_form_data, field: value})

    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert 'aria-invalid="true"' in response.content.decode() or field == "kinds" or field == "state"
    assert not Submission.objects.exists()
    assert not PrivacyRequest.objects.exists()
    assert not outbox


def test_invalid_submission_keeps_what_was_typed(client, valid_form_data):
    response = client.post(FORM_URL, {**valid_form_data, "zip_code": "abc"})
    body = response.content.decode()
    assert 'value="Maya"' in body and 'value="123 Market Street"' in body
    assert 'value="know_categories" checked' in body


def test_confirmation_page_without_a_submission_sends_you_to_the_form(client):
    response = client.get(reverse("requests_app:submitted"))
    assert response.status_code == 302 and response["Location"] == FORM_URL


def test_do_not_sell_link_opens_the_opt_out_page(client):
    response = client.get(reverse("requests_app:do_not_sell"))
    assert response.status_code == 200
    assert "Do Not Sell or Share My Personal Information" in response.content.decode()


def test_a_flood_of_submissions_from_one_address_is_slowed_down(client, valid_form_data):
    for _ in range(30):
        client.post(FORM_URL, valid_form_data)
    response = client.post(FORM_URL, valid_form_data)
    assert response.status_code == 200
    assert "Too many requests from your network" in response.content.decode()
    assert Submission.objects.count() == 30


def test_get_only_pages_refuse_other_methods(client):
    assert client.put(FORM_URL).status_code == 405


def test_residency_decides_the_regime_and_a_form_without_it_stays_california(client, valid_form_data):
    from requests_app.regimes import Regime

    assert 'name="residency"' in client.get(FORM_URL).content.decode()
    client.post(FORM_URL, {**valid_form_data, "kinds": ["delete"], "residency": "CO"})
    client.post(FORM_URL, {**valid_form_data, "kinds": ["delete"]})
    colorado, default = PrivacyRequest.objects.order_by("pk")
    assert colorado.regime == Regime.COLORADO
    assert default.regime == Regime.CALIFORNIA


def test_an_unknown_residency_is_refused_with_a_message_and_nothing_written(client, valid_form_data):
    response = client.post(FORM_URL, {**valid_form_data, "residency": "ZZ"})
    assert response.status_code == 200
    assert "Choose a state from the list." in response.content.decode()
    assert not Submission.objects.exists()


def test_a_request_to_know_can_ask_for_a_date_range(client, valid_form_data):
    from datetime import date

    client.post(
        FORM_URL,
        {
            **valid_form_data,
            "kinds": ["access_specific", "delete"],
            "period": "range",
            "period_from": "2022-06-01",
            "period_to": "2024-12-31",
        },
    )
    know, delete = PrivacyRequest.objects.order_by("pk")
    assert (know.data_from, know.data_to) == (date(2022, 6, 1), date(2024, 12, 31))
    assert (delete.data_from, delete.data_to) == (None, None)


def test_everything_since_2022_is_the_default_and_dates_are_ignored_then(client, valid_form_data):
    body = client.get(FORM_URL).content.decode()
    assert "Everything since January 1, 2022" in body
    client.post(FORM_URL, {**valid_form_data, "kinds": ["access_specific"], "period_from": "2023-01-01"})
    assert PrivacyRequest.objects.get().data_from is None


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2021-12-31", "", "January 1, 2022 at the earliest"),
        ("2024-01-02", "2024-01-01", "must not be before the first day"),
        ("", "", "Enter the first day of the range"),
        ("01/02/2024", "", "Enter a date like 2023-01-31."),
    ],
)
def test_a_bad_range_is_refused_with_a_message_and_nothing_written(
    client, valid_form_data, start, end, message
):
    response = client.post(
        FORM_URL,
        {
            **valid_form_data,
            "kinds": ["access_specific"],
            "period": "range",
            "period_from": start,
            "period_to": end,
        },
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Submission.objects.exists()


def test_identity_fields_carry_their_autocomplete_tokens(client):
    """WCAG 2.2 SC 1.3.5: the consumer's own identity fields name their purpose for autofill."""
    import re

    body = client.get(FORM_URL).content.decode()
    tokens = dict(re.findall(r'name="(\w+)"[^>]*?autocomplete="([\w-]+)"', body))
    expected = {
        "first_name": "given-name",
        "last_name": "family-name",
        "email": "email",
        "phone": "tel",
        "date_of_birth": "bday",
        "street": "street-address",
        "zip_code": "postal-code",
        "city": "address-level2",
        "state": "address-level1",
    }
    assert {name: tokens.get(name) for name in expected} == expected


def test_a_submission_writes_no_session_and_a_signed_cookie_lists_its_requests(client, valid_form_data):
    from django.conf import settings

    from requests_app.web import SUBMITTED_COOKIE

    response = client.post(FORM_URL, valid_form_data)
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # no session store round trip on intake
    cookie = response.cookies[SUBMITTED_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "@" not in cookie.value and "Maya" not in cookie.value  # primary keys only
    page = client.get(reverse("requests_app:submitted")).content.decode()
    assert all(r.reference in page for r in PrivacyRequest.objects.all())


def test_a_tampered_or_foreign_submitted_cookie_shows_nothing(client, valid_form_data):
    from requests_app.web import SUBMITTED_COOKIE

    client.post(FORM_URL, valid_form_data)
    own = client.cookies[SUBMITTED_COOKIE].value
    other = PrivacyRequest.objects.order_by("pk").last().pk + 1
    # Another request's primary key put in the cookie: the signature no longer matches.
    client.cookies[SUBMITTED_COOKIE] = own.replace(own.split(":")[0], str(other))
    assert client.get(reverse("requests_app:submitted"))["Location"] == FORM_URL
    client.cookies[SUBMITTED_COOKIE] = str(other)
    assert client.get(reverse("requests_app:submitted"))["Location"] == FORM_URL


def test_the_submitted_cookie_expires(client, valid_form_data):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from requests_app.web import SUBMITTED_MAX_AGE

    client.post(FORM_URL, valid_form_data)
    with time_machine.travel(timezone.now() + timedelta(seconds=SUBMITTED_MAX_AGE + 5)):
        assert client.get(reverse("requests_app:submitted"))["Location"] == FORM_URL


def test_form_instances_share_the_fixed_choices_but_not_changes_to_them():
    from requests_app.intake.forms import RequestForm

    base = RequestForm.base_fields["state"]
    first, second = RequestForm(), RequestForm()
    assert first.fields["state"].choices is base.choices  # not deep-copied on every form (bench/intake.py)
    first.fields["state"].choices = [("CA", "CA")]
    first.fields["state"].widget.attrs["data-x"] = "1"
    assert len(second.fields["state"].choices) == len(base.choices) > 50
    assert len(second.fields["state"].widget.choices) == len(base.choices)
    assert "data-x" not in second.fields["state"].widget.attrs and "data-x" not in base.widget.attrs
    assert first.fields["state"].widget.choices == [("CA", "CA")]
    assert first.fields["kinds"].error_messages is not RequestForm.base_fields["kinds"].error_messages
