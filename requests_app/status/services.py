"""The status page: a one-time code to the e-mail on the request opens its status for a short while."""

import hmac

from django.conf import settings
from django.db import transaction

from requests_app.emails import email_send
from requests_app.lifecycle import event_record
from requests_app.models import PrivacyRequest
from requests_app.outbox.services import outbox_task_if_matched
from requests_app.status.tasks import status_code_task
from verification.otp import code_check, code_issue


def _status_scope(request: PrivacyRequest) -> str:
    return f"status:{request.pk}"


def status_code_send(*, reference: str, email: str) -> PrivacyRequest | None:
    """Ask for a one-time code when reference and e-mail belong together; the caller says the same either way.

    The same work here for a match and a non-match (one lookup, one constant-time comparison, one outbox
    row), so neither the answer nor its timing tells whether they belong together: the row's task holds
    the request's id only on a match (never the typed e-mail), and the worker issues and e-mails the code.
    """
    request = (
        PrivacyRequest.objects.select_related("submission")
        .filter(reference=reference.strip().upper())
        .first()
    )
    on_file = request.submission.email if request else ""
    return outbox_task_if_matched(status_code_task, request, typed=email, on_file=on_file)


def status_code_deliver(*, request_id: int | None) -> bool:
    """The worker's half of `status_code_send`: issue the code and e-mail it to the request's address."""
    if request_id is None:
        return False
    with transaction.atomic():
        request = PrivacyRequest.objects.select_related("submission").filter(pk=request_id).first()
        if request is None:
            return False
        code = code_issue(scope=_status_scope(request))
        email_send(
            template="status_code",
            to=request.submission.email,
            language=request.submission.language,
            context={"code": code, "minutes": settings.OTP_TTL_MINUTES, "reference": request.reference},
        )
        event_record(request=request, name="requests.status.code_sent", actor_label="requester")
    return True


def status_code_went_to_record(*, request: PrivacyRequest) -> bool:
    """Whether the status code (always sent to the submission's address) reached the e-mail on record for
    the matched consumer. Only then may the status session stand in for the steps that send their code
    to the address on record (the report download, a change of contact details)."""
    if request.consumer_id is None or not request.submission.email or not request.consumer.email:
        return False
    return hmac.compare_digest(request.submission.email.encode(), request.consumer.email.encode())


def status_code_verify(*, request_id: int | None, code: str) -> PrivacyRequest | None:
    if request_id is None:
        return None
    request = PrivacyRequest.objects.select_related("submission", "consumer").filter(pk=request_id).first()
    if request is None or not code_check(scope=_status_scope(request), code=code):
        return None
    event_record(
        request=request,
        name="requests.status.viewed",
        actor_label="requester",
        data={"on_record": status_code_went_to_record(request=request)},
    )
    return request
