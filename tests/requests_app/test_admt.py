"""The ADMT request kinds (Cal. Code Regs. tit. 11 §§7220–7222): off by default, carried out by hand."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from requests_app import deadlines
from requests_app.fulfilment import FULFILMENT_TASKS
from requests_app.manual.services import HANDED_TO_STAFF, manual_fulfilment_hand_over
from requests_app.models import Kind, PrivacyRequest, RequestEvent, Status
from requests_app.rules import required_points
from staff.metrics import metrics_for_year
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db

FORM_URL = reverse("requests_app:request_new")
ADMT_ACCESS_LABEL = "Access information about our use of automated decision-making technology (ADMT)"
ADMT_OPT_OUT_LABEL = "Opt out of our use of automated decision-making technology (ADMT)"


def test_off_by_default_the_form_does_not_offer_the_admt_kinds(client, settings):
    assert settings.ADMT_REQUESTS_ENABLED is False
    body = client.get(FORM_URL).content.decode()
    assert 'value="know_categories"' in body
    assert 'value="admt_access"' not in body and 'value="admt_opt_out"' not in body
    agent_body = client.get(reverse("requests_app:agent_new")).content.decode()
    assert 'value="admt_opt_out"' not in agent_body


@pytest.mark.parametrize("kind", [Kind.ADMT_ACCESS, Kind.ADMT_OPT_OUT])
def test_off_a_post_naming_an_admt_kind_is_refused_with_a_form_error(client, valid_form_data, kind):
    response = client.post(FORM_URL, {**valid_form_data, "kinds": ["know_categories", kind]})
    assert response.status_code == 200
    assert "Requests about automated decision-making technology cannot be made here yet" in (
        response.content.decode()
    )
    assert not PrivacyRequest.objects.exists()


def test_on_the_form_offers_them_with_the_regulation_wording(client, settings):
    settings.ADMT_REQUESTS_ENABLED = True
    body = client.get(FORM_URL).content.decode()
    assert 'value="admt_access"' in body and ADMT_ACCESS_LABEL in body
    assert 'value="admt_opt_out"' in body and ADMT_OPT_OUT_LABEL in body


def test_on_an_opt_out_of_admt_needs_no_verification_and_is_put_to_staff(
    client, settings, valid_form_data, django_capture_on_commit_callbacks
):
    settings.ADMT_REQUESTS_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM_URL, {**valid_form_data, "kinds": ["admt_opt_out", "admt_access"]})
    assert response.status_code == 302
    opt_out = PrivacyRequest.objects.get(kind=Kind.ADMT_OPT_OUT)
    access = PrivacyRequest.objects.get(kind=Kind.ADMT_ACCESS)
    assert opt_out.status == Status.FULFILLING  # no verifiable request needed (§7221)
    assert access.status == Status.AWAITING_VERIFICATION
    assert RequestEvent.objects.filter(request=opt_out, name=HANDED_TO_STAFF).count() == 1
    assert not RequestEvent.objects.filter(request=access, name=HANDED_TO_STAFF).exists()


def test_deadlines_and_verification_bars():
    received = datetime(2027, 1, 4, 10, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Monday
    assert deadlines.response_due(received, Kind.ADMT_ACCESS) == date(2027, 2, 18)  # 45 days
    # 15 business days, skipping Martin Luther King Jr. Day (2027-01-18)
    assert deadlines.response_due(received, Kind.ADMT_OPT_OUT) == date(2027, 1, 26)
    assert Kind.ADMT_OPT_OUT in deadlines.NOT_EXTENDABLE
    assert Kind.ADMT_ACCESS not in deadlines.NOT_EXTENDABLE
    assert required_points(kind=Kind.ADMT_ACCESS, sensitive=False) == 2


def test_the_manual_fulfilment_records_the_hand_over_once_and_ignores_other_kinds():
    assert FULFILMENT_TASKS[Kind.ADMT_ACCESS].name == "requests.manual.hand_over"
    r = PrivacyRequestFactory(kind=Kind.ADMT_ACCESS, status=Status.FULFILLING)
    assert manual_fulfilment_hand_over(request_id=r.pk) is True
    assert manual_fulfilment_hand_over(request_id=r.pk) is False
    other = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING)
    assert manual_fulfilment_hand_over(request_id=other.pk) is False
    r.refresh_from_db()
    assert r.status == Status.FULFILLING
    assert not RequestEvent.objects.filter(request=other, name=HANDED_TO_STAFF).exists()


def test_metrics_have_a_row_for_each_admt_kind():
    rows = {m.kind for m in metrics_for_year(2027)}
    assert {Kind.ADMT_ACCESS, Kind.ADMT_OPT_OUT} <= rows
