"""Identity verification of a submitted request (DESIGN §5; Regs §7060–§7062; policy §5B).

The steps, for the requests of one submission that wait in `awaiting_verification`:

1. Right after intake everyone gets a code at the address they typed (`verification_start`), so sending
   it reveals nothing. Until that code is proven nothing looks at the consumer records, so every page,
   e-mail and response before that point is the same for people we hold and people we do not.
2. A submission with a specific-pieces request asks for the declaration under penalty of perjury.
3. Matching (verification.matching). When the typed address is not on record for the matched consumer,
   a second code goes to the e-mail (or phone) on record, and nothing is decided until it is proven.
4. The decision per request: points against the level of its kind, the twice-a-year limit on know/access
   requests (counted per person under a lock on the consumer row), then `in_review` (or straight on to
   fulfilment for AUTO_APPROVE_VERIFIED_KINDS), `denied` or `unverifiable`.

Data collected only for verification is blanked once every request of the submission is closed
(`submission_purge_verification_data`, called from the lifecycle's close hook).
"""

from __future__ import annotations

import hmac
import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from records.models import Consumer
from requests_app.emails import email_language, email_send
from requests_app.fulfilment import request_approve
from requests_app.lifecycle import event_record, personal_data_purged, request_transition
from requests_app.models import (
    CLOSED_STATUSES,
    NO_MATCHING_RECORDS,
    Declaration,
    Kind,
    PrivacyRequest,
    Status,
    Submission,
    VerificationState,
    submission_blanks,
)
from requests_app.outbox.services import outbox_sms
from requests_app.rules import Evidence, request_close_unverifiable, requests_decide
from requests_app.states import state_change
from requests_app.verify.tasks import send_verification_code_task
from requests_app.web import ip_hash
from verification.exceptions import VerificationError
from verification.matching import AMBIGUOUS, MATCHED, NONE, consumer_match
from verification.models import OneTimeCode
from verification.normalize import NormalizationError, normalize_name, normalize_street
from verification.otp import code_check, code_issue
from verification.scoring import Identity, name_similarity

logger = logging.getLogger(__name__)

Step = VerificationState.Step
# VerificationState.step, moved only through `_step_change` (requests_app.states). Matching may skip
# the contact code (the typed address is the one on record) or end the verification at once.
VERIFICATION_STEPS: dict[str, frozenset[str]] = {
    Step.TYPED_CODE: frozenset({Step.DECLARATION, Step.CONTACT_CODE, Step.DONE}),
    Step.DECLARATION: frozenset({Step.CONTACT_CODE, Step.DONE}),
    Step.CONTACT_CODE: frozenset({Step.DONE}),
    Step.DONE: frozenset(),
}

DECLARATION_VERSION = "2025-01"
DECLARATION_TEXT = gettext_lazy(
    "I declare under penalty of perjury under the laws of the State of California that I am the consumer "
    "whose personal information is the subject of this request, and that the information I have given "
    "in this request is true and correct."
)

WRONG_CODE = gettext_lazy(
    "That code is not right, has expired or was used. Check the newest e-mail or ask for a new one."
)

# Reason codes (stored in events and denial_reason) and what the requester reads about them.
REASONS = {
    NO_MATCHING_RECORDS: gettext_lazy(
        "You confirmed your e-mail address, but we found no records matching the details you gave."
    ),
    "insufficient_match": gettext_lazy(
        "The details you gave did not match our records closely enough for this kind of request."
    ),
    "no_contact_on_record": gettext_lazy(
        "We hold no e-mail address or phone number for you on which we could confirm your identity."
    ),
    "too_many_requests": gettext_lazy(
        "You may ask to know or access your information twice in any 12 months (policy §5B, "
        "Civ. Code §1798.100(d)). You can make the next request from {next_allowed}."
    ),
    "specific_as_categories_points": gettext_lazy(
        "To release specific pieces of information the law asks us to match at least three details; we "
        "matched two, so we are answering with the categories of information we hold."
    ),
    "specific_as_categories_declaration": gettext_lazy(
        "To release specific pieces of information the law asks for a signed declaration; without one "
        "we are answering with the categories of information we hold."
    ),
    "ambiguous_match": gettext_lazy(
        "Your details match more than one of our records, so our privacy team will check them and "
        "contact you."
    ),
}

# The e-mail stays: it is where the answer goes (status page, report download).
PURGED_SUBMISSION_FIELDS = tuple(submission_blanks(keep=("email",)))


def _typed_scope(submission_id: int) -> str:
    return f"verify:{submission_id}:typed"


def _contact_scope(submission_id: int) -> str:
    return f"verify:{submission_id}:contact"


def _pending(submission: Submission):
    return submission.requests.filter(status=Status.AWAITING_VERIFICATION).order_by("pk")


def _references(submission: Submission) -> list[PrivacyRequest]:
    return list(submission.requests.order_by("pk"))


def needs_declaration(submission: Submission) -> bool:
    return _pending(submission).filter(kind=Kind.ACCESS_SPECIFIC).exists()


def _step_change(state: VerificationState, to: str, **changes) -> VerificationState:
    """Recorded on every request of the submission still waiting for verification."""
    return state_change(
        obj=state,
        field="step",
        to=to,
        table=VERIFICATION_STEPS,
        request=_pending(state.submission),
        event=f"requests.verification.step.{to}",
        **changes,
    )


# --- Step 1: the code at the typed address -------------------------------------------------------


def verification_start(*, submission_id: int) -> bool:
    """Send the first code to the typed address, once; True when this call sent it."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if not submission.email or not _pending(submission).exists():
            return False
        state, _created = VerificationState.objects.get_or_create(submission=submission)
        if state.typed_code_sent_at:
            return False
        try:
            code = code_issue(scope=_typed_scope(submission.pk), address=submission.email)
        except VerificationError:
            logger.warning("verification code for submission %s not sent: rate limited", submission.pk)
            return False
        state.typed_code_sent_at = timezone.now()
        state.save(update_fields=["typed_code_sent_at", "updated_at"])
        _send_code_email(to=submission.email, code=code, submission=submission, template="verification_code")
    return True


def _send_code_email(*, to: str, code: str, submission: Submission, template: str) -> None:
    email_send(
        template=template,
        to=to,
        language=submission.language,
        context={
            "code": code,
            "minutes": settings.OTP_TTL_MINUTES,
            "requests": (requests := _references(submission)),
            "references": ", ".join(r.reference for r in requests),
            "verify_url": f"{settings.SITE_URL}/requests/verify/",
        },
    )


def verification_submission_for_reference(*, reference: str, email: str) -> int | None:
    """The submission of a reference when the typed e-mail is the one it was made with, else None."""
    request = (
        PrivacyRequest.objects.select_related("submission")
        .filter(reference=reference.strip().upper())
        .first()
    )
    on_file = request.submission.email if request else ""
    if request is None or not hmac.compare_digest(email.encode(), on_file.encode()):
        return None
    return request.submission_id


def verification_typed_code_check(*, submission_id: int | None, code: str, ip: str) -> VerificationState:
    """Prove the typed address; then ask for the declaration or match. Raises VerificationError."""
    state = VerificationState.objects.filter(submission_id=submission_id).first() if submission_id else None
    if state is None or state.step != Step.TYPED_CODE:
        # Same answer as a wrong code: nothing here tells a guesser what exists. A rate limit still counts.
        code_check(scope="verify:none", code=code, ip=ip)
        raise VerificationError(WRONG_CODE, code="wrong_code")
    if not code_check(scope=_typed_scope(submission_id), code=code, ip=ip):
        raise VerificationError(WRONG_CODE, code="wrong_code")
    with transaction.atomic():
        state = VerificationState.objects.select_for_update().select_related("submission").get(pk=state.pk)
        submission = state.submission
        state.typed_proven_at = timezone.now()
        for request in _pending(submission):
            event_record(request=request, name="requests.verification.email_proven", actor_label="requester")
        if needs_declaration(submission):
            return _step_change(state, Step.DECLARATION, typed_proven_at=state.typed_proven_at)
        state.save(update_fields=["typed_proven_at", "updated_at"])
        return _match(state)


def verification_code_resend(*, submission_id: int) -> None:
    """A new code for the step the submission is at (typed address or contact on record)."""
    with transaction.atomic():
        state = (
            VerificationState.objects.select_for_update(of=("self",))
            .select_related("submission", "consumer")
            .filter(submission_id=submission_id)
            .first()
        )
        if state is None:
            return
        submission = state.submission
        if state.step == Step.TYPED_CODE and submission.email:
            code = code_issue(scope=_typed_scope(submission.pk), address=submission.email)
            to = submission.email
            _send_code_email(to=to, code=code, submission=submission, template="verification_code")
        elif state.step == Step.CONTACT_CODE and state.consumer is not None:
            _contact_code_send(state=state, consumer=state.consumer)


# --- Step 2: the declaration ------------------------------------------------------------------------


def verification_declaration_sign(
    *, submission_id: int, signed_name: str, ip: str, user_agent: str
) -> VerificationState:
    """Record the signed declaration (Regs §7062(c)) and go on to matching. Raises VerificationError."""
    with transaction.atomic():
        state = (
            VerificationState.objects.select_for_update()
            .select_related("submission")
            .get(submission_id=submission_id)
        )
        if state.step != Step.DECLARATION:
            return state
        submission = state.submission
        if not _same_name(signed_name, f"{submission.first_name} {submission.last_name}"):
            raise VerificationError(
                _("Type your full name as you gave it in the request, like “Maya Chen”."), code="name"
            )
        Declaration.objects.create(
            submission=submission,
            statement_version=DECLARATION_VERSION,
            signed_name=" ".join(signed_name.split())[:200],
            signed_at=timezone.now(),
            ip_hash=ip_hash(ip),
            user_agent=user_agent[:300],
        )
        for request in _pending(submission).filter(kind=Kind.ACCESS_SPECIFIC):
            event_record(
                request=request,
                name="requests.verification.declaration_signed",
                actor_label="requester",
                data={"statement_version": DECLARATION_VERSION},
            )
        return _match(state)


def verification_declaration_skip(*, submission_id: int) -> VerificationState:
    """Go on without a declaration: specific-pieces requests will be answered as categories."""
    with transaction.atomic():
        state = VerificationState.objects.select_for_update().get(submission_id=submission_id)
        if state.step != Step.DECLARATION:
            return state
        return _match(state)


def _same_name(typed: str, on_request: str) -> bool:
    try:
        return name_similarity(normalize_name(typed), normalize_name(on_request)) >= (
            settings.VERIFICATION_NAME_THRESHOLD
        )
    except NormalizationError:
        return False


# --- Step 3: matching and the code at the contact on record --------------------------------------


def claimed_identity(submission: Submission) -> Identity:
    """What the requester typed, as an Identity; the e-mail included because its control is proven."""

    def normalised(fn, value):
        try:
            return fn(value) if value else None
        except NormalizationError:
            return None

    return Identity(
        email=submission.email or None,
        phone=submission.phone or None,
        member_number=submission.member_number or None,
        name=normalised(normalize_name, f"{submission.first_name} {submission.last_name}".strip()),
        street=normalised(normalize_street, submission.street),
        zip5=submission.zip5 or None,
        dob=submission.date_of_birth,
    )


def _match(state: VerificationState) -> VerificationState:
    """Run inside the caller's transaction with `state` locked."""
    submission = state.submission
    result = consumer_match(claimed=claimed_identity(submission))
    changes = {"match_outcome": result.outcome, "candidate_count": len(result.candidate_ids)}
    if result.outcome == NONE:
        _step_change(state, Step.DONE, **changes)
        # Told on the verification page only (the requester has just proven the typed address).
        for request in _pending(submission):
            request_close_unverifiable(request, NO_MATCHING_RECORDS)
        return state
    if result.outcome == AMBIGUOUS:
        _step_change(state, Step.DONE, **changes)
        for request in _pending(submission):
            request_transition(
                request=request,
                to=Status.IN_REVIEW,
                reason="ambiguous_match",
                data={"ambiguous": True, "candidates": len(result.candidate_ids)},
            )
            # What matched per candidate (names of data points, never values), for staff to decide on.
            event_record(
                request=request,
                name="requests.verification.candidates",
                data={
                    "candidates": [
                        {"consumer": pk, "points": list(points)} for pk, points in result.candidate_points
                    ]
                },
            )
        return state
    assert result.outcome == MATCHED  # noqa: S101
    consumer = Consumer.objects.get(pk=result.consumer_id)
    changes.update(consumer=consumer, matched_fields=list(result.points))
    if "email" in result.points:
        # The proven typed address is the one on record: control of an on-record contact is shown.
        changes.update(contact_channel="email", contact_proven_at=state.typed_proven_at)
        for name, value in changes.items():
            setattr(state, name, value)
        state.save(update_fields=[*changes, "updated_at"])
        return _decide(state)
    if not consumer.email and not consumer.phone:
        _step_change(state, Step.DONE, **changes)
        for request in _pending(submission):
            request_close_unverifiable(request, "no_contact_on_record")
        _result_email_on_commit(submission)
        return state
    _step_change(state, Step.CONTACT_CODE, **changes, contact_channel="email" if consumer.email else "phone")
    _contact_code_send(state=state, consumer=consumer)
    return state


def _contact_code_send(*, state: VerificationState, consumer: Consumer) -> None:
    """The second code, only ever to the e-mail or phone on record (DESIGN §5); sent after commit."""
    submission = state.submission
    if state.contact_channel == "email":
        to = consumer.email
        code = code_issue(scope=_contact_scope(submission.pk), address=to)
        _send_code_email(to=to, code=code, submission=submission, template="verification_contact_code")
    else:
        to = consumer.phone
        code = code_issue(scope=_contact_scope(submission.pk), address=to)
        with translation.override(email_language(submission.language)):  # the request's language
            body = _(
                "RakuNest Privacy: your code to confirm a privacy request is %(code)s. It works for "
                "%(minutes)s minutes. If you did not make a request, ignore this message."
            ) % {"code": code, "minutes": settings.OTP_TTL_MINUTES}
        outbox_sms(key=None, to=to, body=body)
    for request in _pending(submission):
        event_record(
            request=request,
            name="requests.verification.contact_code_sent",
            data={"channel": state.contact_channel},
        )


def verification_contact_code_check(*, submission_id: int, code: str, ip: str) -> VerificationState:
    """Prove the contact point on record, then decide. Raises VerificationError."""
    state = VerificationState.objects.get(submission_id=submission_id)
    if state.step != Step.CONTACT_CODE:
        return state
    if not code_check(scope=_contact_scope(submission_id), code=code, ip=ip):
        raise VerificationError(WRONG_CODE, code="wrong_code")
    with transaction.atomic():
        state = VerificationState.objects.select_for_update().select_related("submission").get(pk=state.pk)
        if state.step != Step.CONTACT_CODE:
            return state
        state.contact_proven_at = timezone.now()
        point = state.contact_channel  # "email" or "phone": proven control of it is a data point
        if point not in state.matched_fields:
            state.matched_fields = [*state.matched_fields, point]
        state.save(update_fields=["contact_proven_at", "matched_fields", "updated_at"])
        return _decide(state)


# --- Step 4: the decision ---------------------------------------------------------------------------


def _decide(state: VerificationState) -> VerificationState:
    """Decide every pending request of the submission. Runs in the caller's transaction."""
    submission = state.submission
    consumer = Consumer.objects.get(pk=state.consumer_id)
    declared = submission.declarations.exists()
    _step_change(state, Step.DONE)
    points = list(state.matched_fields)
    reviewed = requests_decide(
        requests=list(_pending(submission)),
        consumer=consumer,
        evidence=Evidence(points=points, declared=declared),
        reason="verified",
        data={"matched_fields": points, "declaration": declared},
    )
    for request in reviewed:
        if request.kind in settings.AUTO_APPROVE_VERIFIED_KINDS:
            request_approve(request=request, reason="auto_approved_verified")
    _result_email_on_commit(submission)
    return state


# --- What the requester reads --------------------------------------------------------------------


def request_outcome_text(request: PrivacyRequest) -> str:
    """The requester-facing explanation of where a request stands after verification."""
    texts = []
    changed = request.events.filter(name="requests.request.kind_changed").order_by("-pk").first()
    if changed is not None and changed.reason in REASONS:
        texts.append(REASONS[changed.reason])
    last = request.events.filter(to_status=request.status).order_by("-pk").first()
    if request.status in (Status.DENIED, Status.UNVERIFIABLE) and request.denial_reason in REASONS:
        text = REASONS[request.denial_reason]
        if request.denial_reason == "too_many_requests" and last is not None:
            next_allowed = date.fromisoformat(last.data.get("next_allowed"))
            text = text.format(next_allowed=date_format(next_allowed, "DATE_FORMAT"))
        texts.append(text)
        if request.kind == Kind.DELETE and request.status == Status.UNVERIFIABLE:
            texts.append(
                _(
                    "You can still ask us not to sell or share your information: that request needs no "
                    "verification. %(url)s"
                )
                % {"url": f"{settings.SITE_URL}/do-not-sell/"}
            )
    elif request.status == Status.IN_REVIEW and last is not None and last.data.get("ambiguous"):
        texts.append(REASONS["ambiguous_match"])
    elif request.status in (Status.IN_REVIEW, Status.APPROVED, Status.FULFILLING, Status.COMPLETED):
        texts.append(_("Your identity is confirmed."))
        if request.status in (Status.IN_REVIEW, Status.APPROVED) and request.kind in NEXT_STEPS:
            texts.append(NEXT_STEPS[request.kind])
    return " ".join(str(t) for t in texts)


# What happens after the review, per kind: said at every step so that no e-mail comes as a surprise.
NEXT_STEPS = {
    Kind.DELETE: gettext_lazy(
        "Next: we review your request, then e-mail you a second time to confirm the deletion. Nothing is "
        "deleted until you confirm."
    ),
    Kind.CORRECT: gettext_lazy(
        "Next: once we have reviewed your request, we e-mail you a link to a form where you tell us what "
        "to correct."
    ),
    Kind.ACCESS_SPECIFIC: gettext_lazy(
        "Next: we prepare your report and e-mail you when it is ready to download."
    ),
    Kind.KNOW_CATEGORIES: gettext_lazy(
        "Next: we prepare your report and e-mail you when it is ready to download."
    ),
}


def _result_email_on_commit(submission: Submission) -> None:
    # Rendered now, sent after commit: the close hook may blank the typed details by then.
    to = submission.email
    if not to:
        return
    with translation.override(email_language(submission.language)):  # the rows are text, made here
        rows = [
            {"reference": r.reference, "kind": r.get_kind_display(), "status": str(r.requester_status),
             "text": request_outcome_text(r)}
            for r in _references(submission)
        ]  # fmt: skip
    context = {"first_name": submission.first_name, "rows": rows}
    email_send(template="verification_result", to=to, context=context, language=submission.language)


# --- Purge of data collected only for verification -------------------------------------------------


def request_closed_hook(*, request: PrivacyRequest) -> None:
    """Lifecycle hook after a transition into a closed status: purge once the whole submission is closed."""
    submission_id = request.submission_id
    transaction.on_commit(lambda: submission_purge_verification_data(submission_id=submission_id))


def submission_purge_verification_data(*, submission_id: int) -> bool:
    """Blank what the requester typed only so we could verify them, once all their requests are closed.

    The e-mail address stays: it is where the answer goes (status page, report download) and not only
    a verification detail. Declarations keep their time and statement version, codes are deleted,
    and each request's event log records which fields were blanked and how the request ended.
    True when this call purged.
    """
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.personal_data_purged_at is not None:
            return False
        requests = list(submission.requests.all())
        if not requests or any(r.status not in CLOSED_STATUSES for r in requests):
            return False
        if submission.email and submission.acknowledged_at is None:
            return False  # the acknowledgement still needs the name; the sweep comes back later
        now = timezone.now()
        blanked = [f for f in PURGED_SUBMISSION_FIELDS if getattr(submission, f) not in ("", None)]
        for field in PURGED_SUBMISSION_FIELDS:
            setattr(submission, field, None if field == "date_of_birth" else "")
        submission.personal_data_purged_at = now
        submission.save(update_fields=[*PURGED_SUBMISSION_FIELDS, "personal_data_purged_at"])
        personal_data_purged(submission_ids=[submission.pk])
        declarations = submission.declarations.filter(purged_at__isnull=True).update(
            signed_name="", ip_hash="", user_agent="", purged_at=now
        )
        OneTimeCode.objects.filter(
            scope__in=[_typed_scope(submission.pk), _contact_scope(submission.pk)]
        ).delete()
        for request in requests:
            event_record(
                request=request,
                name="requests.submission.verification_data_purged",
                data={"fields": blanked, "declarations": declarations, "outcome": request.status},
            )
    return True


def purge_closed_submissions(*, limit: int = 500) -> int:
    """Purge every closed submission not purged yet (the beat sweep); the number purged."""
    open_statuses = [s for s in Status.values if s not in CLOSED_STATUSES]
    ids = list(
        Submission.objects.filter(personal_data_purged_at__isnull=True, requests__isnull=False)
        .exclude(requests__status__in=open_statuses)
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    return sum(submission_purge_verification_data(submission_id=pk) for pk in ids)


def verification_sweep() -> int:
    """Re-send first codes whose message was lost; blank verification data the close hook could not."""
    cutoff = timezone.now() - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    unsent = (
        Submission.objects.filter(created_at__lt=cutoff, requests__status=Status.AWAITING_VERIFICATION)
        .exclude(verification__typed_code_sent_at__isnull=False)
        .exclude(email="")
        .filter(agent_authorization__isnull=True)  # an agent's consumer is asked at the on-record address
        .values_list("pk", flat=True)
        .distinct()[:500]
    )
    for submission_id in unsent:
        send_verification_code_task.delay(submission_id)
    return purge_closed_submissions()
