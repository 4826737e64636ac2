"""What the public pages share: the client's address, the rate-limit guard, the session keys, and the one
way a requester's page reaches a request (behind a fresh one-time code, never by reference alone)."""

import hashlib
import hmac

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django_ratelimit.core import is_ratelimited

from requests_app.models import PrivacyRequest
from requests_app.session_access import SessionGrant, session_access, session_access_id

# Session keys. They hold primary keys and expiry times, never personal data (session_access.py).
STATUS_PENDING_KEY = "status_pending"  # the request whose status code was e-mailed
STATUS_ACCESS_KEY = "status_access"  # the request opened on the status page with its code
DELETION_ACCESS_KEY = "deletion_access"  # the deletion just confirmed with its code


# The requests this browser just submitted: a signed, HttpOnly cookie holding their primary keys (no
# personal data), so that intake writes no session — one store round trip less on its hot path. It lets
# the confirmation page list them and the verification page ask for the code alone; the code is still
# needed, and the cookie cannot be forged or stretched beyond its age.
SUBMITTED_COOKIE = "rk_submitted"
SUBMITTED_MAX_AGE = 60 * 60 * 2  # seconds: the verification code's page is usually opened at once


def submitted_remember(response, ids: list[int]) -> None:
    response.set_signed_cookie(
        SUBMITTED_COOKIE,
        ".".join(str(pk) for pk in ids),
        salt=SUBMITTED_COOKIE,
        max_age=SUBMITTED_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def submitted_ids(request) -> list[int]:
    """The primary keys this browser was given at submission, or [] (none, tampered or too old)."""
    value = request.get_signed_cookie(
        SUBMITTED_COOKIE, default="", salt=SUBMITTED_COOKIE, max_age=SUBMITTED_MAX_AGE
    )
    return [int(pk) for pk in value.split(".") if pk.isdigit()]


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def ip_hash(ip: str) -> str:
    """Keyed hash of an IP address: lets us spot abuse without keeping the address."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest() if ip else ""


def rate_limited(request, group: str, rate: str) -> bool:
    """Count this POST against the client address's budget for `group`; True once it is spent."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)


def status_grant(request) -> SessionGrant | None:
    """The status page's live grant: which request, until when, and whether its code went to the contact
    point on record (then it also opens that request's report downloads)."""
    return session_access(request.session, STATUS_ACCESS_KEY)


def status_on_record_covers(request, privacy_request: PrivacyRequest) -> bool:
    """Whether the live status grant came from a code to the contact point on record of this request's
    consumer, for a request of the same submission: then it stands in for a code sent there."""
    grant = status_grant(request)
    if grant is None or not grant.on_record or privacy_request.consumer_id is None:
        return False
    return PrivacyRequest.objects.filter(
        pk=grant.object_id,
        submission_id=privacy_request.submission_id,
        consumer_id=privacy_request.consumer_id,
    ).exists()


def status_request_id(request) -> int | None:
    """The request opened on the status page in the last STATUS_ACCESS_MINUTES, or None."""
    return session_access_id(request.session, STATUS_ACCESS_KEY)


def status_request(request) -> PrivacyRequest | None:
    request_id = status_request_id(request)
    if request_id is None:
        return None
    return PrivacyRequest.objects.select_related("submission").filter(pk=request_id).first()


def requester_accessible_ids(request) -> set[int]:
    """Requests this browser may act on: the submission opened on the status page (a fresh code) or the
    deletion just confirmed (a fresh code too). Both expire after STATUS_ACCESS_MINUTES."""
    ids: set[int] = set()
    status_id = status_request_id(request)
    if status_id is not None:
        ids |= set(PrivacyRequest.objects.filter(submission__requests=status_id).values_list("pk", flat=True))
    confirmed_id = session_access_id(request.session, DELETION_ACCESS_KEY)
    if confirmed_id is not None:
        ids.add(confirmed_id)
    return ids


def requester_request_or_404(
    request, *, reference: str, kind: str, case: str, related: tuple[str, ...] = ()
) -> PrivacyRequest:
    """The request of this kind with this reference, among those the browser may act on, with its `case`
    (the kind's one-to-one record, e.g. "deletion_case"); 404 for anything else, whether or not it exists."""
    found = (
        PrivacyRequest.objects.select_related(case, *related)
        .filter(reference=reference.strip().upper(), kind=kind, pk__in=requester_accessible_ids(request))
        .first()
    )
    if found is None or not hasattr(found, case):
        raise Http404
    return found


KEEP_CHOICE = "keep"  # the name of a choice page's "No" button (Regs §7004: both answers, equal weight)


def choice_declined(request) -> bool:
    """Whether the POST is a choice page's "No" answer (the button named KEEP_CHOICE)."""
    return request.method == "POST" and KEEP_CHOICE in request.POST


def choice_kept_redirect(request, message: str):
    """The "No" answer of a choice page: change nothing, say so, and go back to the status page when this
    browser has it open (the home page otherwise)."""
    messages.info(request, message)
    return redirect("requests_app:status_view" if status_grant(request) else "requests_app:home")
