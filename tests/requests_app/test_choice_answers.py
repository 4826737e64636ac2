"""Regs §7004 (symmetry in choice): the "No" answer of each choice page changes nothing, says so, and goes
back to the status page (the home page when this browser has none open). Their look: tests/e2e/
test_choice_symmetry_browser.py."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from records.models import SaleOptIn
from requests_app.deletion import services as deletion
from requests_app.models import DeletionCase, Kind, PrivacyRequest, Status
from requests_app.web import STATUS_ACCESS_KEY
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.requests_app.flow_helpers import code_sent_to

pytestmark = pytest.mark.django_db

HOME = reverse("requests_app:home")
STATUS = reverse("requests_app:status_view")


@pytest.fixture
def awaiting_deletion(outbox):
    request = PrivacyRequestFactory(
        kind=Kind.DELETE,
        status=Status.FULFILLING,
        consumer=ConsumerFactory(email="maya.chen@example.com"),
        submission__email="maya.chen@example.com",
    )
    deletion.deletion_start(request_id=request.pk)
    return request


def _status_session(client, request: PrivacyRequest) -> None:
    session = client.session
    session[STATUS_ACCESS_KEY] = {"id": request.pk, "until": timezone.now().timestamp() + 600}
    session.save()


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_no_on_the_opt_out_page_opts_nobody_out_even_with_an_address_typed(client):
    response = client.post(
        reverse("requests_app:do_not_sell"), {"email": "maya.chen@example.com", "keep": "1"}
    )
    assert response.status_code == 302 and response["Location"] == HOME
    assert _said(response) == ["Nothing was changed: we did not opt you out."]
    assert not PrivacyRequest.objects.exists()


def test_no_on_the_deletion_confirmation_keeps_it_waiting_even_with_the_right_code(
    client, awaiting_deletion, outbox
):
    code = code_sent_to(outbox, "maya.chen@example.com")
    response = client.post(
        reverse("requests_app:deletion_confirm"),
        {"reference": awaiting_deletion.reference, "code": code, "keep": "1"},
    )
    assert response["Location"] == HOME  # no status page open in this browser
    assert _said(response)[0].startswith("Nothing was deleted.")
    awaiting_deletion.deletion_case.refresh_from_db()
    assert awaiting_deletion.deletion_case.state == DeletionCase.State.AWAITING_CONFIRMATION


def test_no_next_to_confirm_now_goes_back_to_the_status_page_and_deletes_nothing(client, awaiting_deletion):
    _status_session(client, awaiting_deletion)
    page = client.get(reverse("requests_app:deletion_confirm")).content.decode()
    assert page.count('name="keep"') == 2  # beside "confirm now" and beside the code form
    response = client.post(
        reverse("requests_app:deletion_confirm_now"), {"reference": awaiting_deletion.reference, "keep": "1"}
    )
    assert response["Location"] == STATUS
    awaiting_deletion.deletion_case.refresh_from_db()
    assert awaiting_deletion.deletion_case.state == DeletionCase.State.AWAITING_CONFIRMATION


def test_no_on_the_opt_in_page_records_no_opt_in_even_with_the_box_ticked(client, awaiting_deletion):
    _status_session(client, awaiting_deletion)
    response = client.post(reverse("requests_app:sale_opt_in"), {"confirm": "on", "keep": "1"})
    assert response["Location"] == STATUS
    assert _said(response) == ["Nothing was changed: you stay opted out."]
    assert not SaleOptIn.objects.exists()
    assert "Nothing was changed: you stay opted out." in client.get(STATUS).content.decode()  # shown once
