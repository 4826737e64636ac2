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
