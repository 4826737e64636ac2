"""Kinds staff carry out by hand (the ADMT kinds, Regs §§7220–7222): the fulfilment step only puts the
request to staff and records it; staff complete it from the request page (staff.services)."""

from django.db import transaction

from requests_app.fulfilment import fulfilling_request_lock
from requests_app.lifecycle import event_record
from requests_app.models import MANUAL_KINDS, PrivacyRequest, RequestEvent

HANDED_TO_STAFF = "requests.manual.handed_to_staff"


def manual_fulfilment_hand_over(*, request_id: int) -> bool:
    """Record, once, that a manual kind waits for staff to carry it out. True when this call recorded it."""
    with transaction.atomic():
        kind = PrivacyRequest.objects.filter(pk=request_id).values_list("kind", flat=True).first()
        if kind not in MANUAL_KINDS:
            return False
        request = fulfilling_request_lock(request_id, kind)
        if request is None or RequestEvent.objects.filter(request=request, name=HANDED_TO_STAFF).exists():
            return False
        event_record(request=request, name=HANDED_TO_STAFF, data={"kind": kind})
    return True
