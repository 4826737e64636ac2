"""Reads of the request area."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from requests_app.models import (
    NO_MATCHING_RECORDS,
    AgentAuthorization,
    Kind,
    PrivacyRequest,
    RequestEvent,
    Status,
)

# Event names shown to requesters on the status page, in their words; the rest is staff-only.
PUBLIC_EVENTS = {
    "requests.request.received": _("We received your request."),
    "requests.request.acknowledged": _("We e-mailed you a confirmation."),
    "requests.request.awaiting_verification": _("We are waiting for you to confirm your identity."),
    "requests.request.awaiting_consumer_confirmation": _("We asked the consumer to confirm the request."),
    "requests.request.in_review": _("Your identity is confirmed; our privacy team is reviewing the request."),
    "requests.request.approved": _("Your request was approved."),
    "requests.request.fulfilling": _("We are carrying out your request."),
    "requests.request.completed": _("Your request is complete."),
    "requests.request.denied": _("We could not grant your request. We e-mailed you the reason."),
    "requests.request.withdrawn": _("The request was withdrawn."),
    "requests.request.unverifiable": _("We could not verify your identity, so the request is closed."),
    "requests.request.extended": _("We need more time and extended the deadline; we e-mailed you why."),
    "requests.deletion.confirmation_sent": _("We e-mailed you a code to confirm the deletion."),
    "requests.deletion.confirmed": _("You confirmed the deletion; it can still be cancelled for a while."),
    "requests.deletion.response_sent": _("We e-mailed you what we deleted and what we had to keep."),
    "requests.correction.submitted": _("You told us what to correct; our privacy team is reviewing it."),
    "requests.correction.decided": _("We decided on your correction and e-mailed you the result."),
}


# Events whose words depend on their reason code: an ambiguous match waits for staff (the identity is
# not confirmed), and "no records" is not a failed identity check (the e-mail address was proven).
PUBLIC_EVENTS_BY_REASON = {
    ("requests.request.in_review", "ambiguous_match"): _(
        "Your details match more than one of our records; our privacy team will check them and contact you."
    ),
    ("requests.request.unverifiable", NO_MATCHING_RECORDS): _(
        "You confirmed your e-mail address, but we found no records matching the details you gave, so "
        "the request is closed."
    ),
}


def requests_by_ids(ids: list[int]) -> QuerySet[PrivacyRequest]:
    return PrivacyRequest.objects.filter(pk__in=ids).order_by("pk")


def request_for_status(*, request_id: int) -> PrivacyRequest:
    return PrivacyRequest.objects.select_related("submission").get(pk=request_id)


def public_timeline(*, request: PrivacyRequest) -> list[dict]:
    events = RequestEvent.objects.filter(request=request, name__in=PUBLIC_EVENTS).only(
        "name", "reason", "created_at"
    )
    return [
        {"when": e.created_at, "text": PUBLIC_EVENTS_BY_REASON.get((e.name, e.reason), PUBLIC_EVENTS[e.name])}
        for e in events
    ]


def submission_by_agent(*, submission_id: int) -> bool:
    """Whether an authorized agent made the submission (its written permission is on file)."""
    return AgentAuthorization.objects.filter(submission_id=submission_id).exists()


def agent_opt_in_waiting(*, submission_id: int) -> PrivacyRequest | None:
    """The submission's opt-in to sale that waits for its consumer's own confirmation, if any."""
    return (
        PrivacyRequest.objects.filter(
            submission_id=submission_id,
            kind=Kind.SALE_OPT_IN,
            status=Status.AWAITING_CONSUMER_CONFIRMATION,
            consumer__isnull=False,
            submission__agent_authorization__consumer_answered_at__isnull=True,
        )
        .order_by("pk")
        .first()
    )
