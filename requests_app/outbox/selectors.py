"""Reads of the outbox for staff: messages that keep failing (no payload: it holds personal data)."""

from django.db.models import QuerySet

from requests_app.outbox.models import OutboxMessage
from requests_app.outbox.services import FAILING_ATTEMPTS


def outbox_failing() -> QuerySet[OutboxMessage]:
    return (
        OutboxMessage.objects.filter(sent_at__isnull=True, attempts__gte=FAILING_ATTEMPTS)
        .only("pk", "key", "kind", "attempts", "last_error", "next_attempt_at", "created_at")
        .order_by("created_at")
    )
