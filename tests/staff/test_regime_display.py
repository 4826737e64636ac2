import pytest
from django.urls import reverse

from requests_app.regimes import Regime
from tests.factories import PrivacyRequestFactory


@pytest.mark.django_db
def test_requests_default_to_california_and_the_page_shows_the_regime_statute(approver_client):
    request = PrivacyRequestFactory()
    assert request.regime == Regime.CALIFORNIA
    page = approver_client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    assert "Cal. Civ. Code §1798.130(a)(2)" in page
    request.regime = Regime.COLORADO
    request.save(update_fields=["regime"])
    page = approver_client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    assert "Colo. Rev. Stat. §6-1-1306" in page
    assert "appeal decided in 45 days" in page


@pytest.mark.django_db
def test_the_page_shows_the_appeal_extension_and_the_opt_out_signal_the_regime_recognises(approver_client):
    request = PrivacyRequestFactory(regime=Regime.COLORADO)
    page = approver_client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    assert "appeal decided in 45 days (+60)" in page
    assert "Global Privacy Control" in page and "since Jul 1, 2024" in page
    request.regime = Regime.VIRGINIA
    request.save(update_fields=["regime"])
    page = approver_client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    assert "appeal decided in 60 days ·" not in page and "honours" not in page


@pytest.mark.django_db
def test_a_minor_is_flagged_to_roles_that_see_personal_data_only(approver_client, viewer_client):
    from datetime import date

    from django.utils import timezone

    from tests.factories import ConsumerFactory

    today = timezone.localdate()
    minor = PrivacyRequestFactory(consumer=ConsumerFactory(date_of_birth=date(today.year - 12, 1, 1)))
    adult = PrivacyRequestFactory(consumer=ConsumerFactory(date_of_birth=date(today.year - 40, 1, 1)))
    flag = "Known to be under 16:"

    def page(client, request):
        return client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()

    assert flag in page(approver_client, minor)
    assert flag not in page(approver_client, adult)
    assert flag not in page(viewer_client, minor)  # the viewer role sees no personal data
