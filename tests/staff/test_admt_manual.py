"""Staff carry out the ADMT kinds by hand (Regs §§7220–7222): who may, and only for those kinds."""

import pytest
from django.urls import reverse

from requests_app.models import Kind, Status
from tests.factories import PrivacyRequestFactory

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def test_staff_complete_a_manual_kind_by_hand_and_see_it_in_queue(staff_user_factory):
    from staff.permissions import Role

    approver = staff_user_factory("admt_approver", Role.APPROVER)
    r = PrivacyRequestFactory(kind=Kind.ADMT_OPT_OUT, status=Status.FULFILLING)
    staff = signed_in(approver)
    page = staff.get(reverse("staff:request_detail", args=[r.reference])).content.decode()
    assert "Carried out by hand" in page
    queue = staff.get(reverse("staff:queue") + "?kind=admt_opt_out").content.decode()
    assert r.reference in queue

    response = staff.post(
        reverse("staff:request_action", args=[r.reference, "manual-complete"]),
        {"notes": "Stopped the scoring model for this consumer.", "confirm": "on"},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.COMPLETED and r.outcome == "complied"


def test_staff_cannot_complete_by_hand_a_kind_with_its_own_task(staff_user_factory):
    from staff.permissions import Role

    approver = staff_user_factory("admt_approver2", Role.APPROVER)
    r = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING)
    signed_in(approver).post(
        reverse("staff:request_action", args=[r.reference, "manual-complete"]),
        {"notes": "x", "confirm": "on"},
    )
    r.refresh_from_db()
    assert r.status == Status.FULFILLING


def test_an_opt_out_of_admt_cannot_be_denied_as_unverifiable():
    from staff.models import REASON_KINDS, DenialReason

    assert Kind.ADMT_OPT_OUT not in REASON_KINDS[DenialReason.UNVERIFIABLE]
    assert Kind.ADMT_ACCESS in REASON_KINDS[DenialReason.UNVERIFIABLE]
