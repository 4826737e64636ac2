"""Authorized agents (policy §5B; Regs §7063): intake with a sanitised permission document, the consumer's
own confirmation at their on-record address, the agent's status access, and staff's document decision.

The flow, and where each rule lives:
- `agent_request_submit` stores the sanitised document (encrypted, random name) and the requests, all
  waiting for verification; opt-out too, because an agent's opt-out also needs the consumer's permission
  (Regs §7026(j)). Matching and e-mail happen after commit, in tasks, so the agent's response and its timing
  are the same whether or not the consumer is in our records.
- `agent_authorization_process` matches the consumer. With a signed permission, a code goes to the
  consumer's ON-RECORD e-mail (never to an address the agent typed) and the requests wait in
  `awaiting_consumer_confirmation`; with no match or an ambiguous one they wait the same way, no e-mail is
  sent, and the sweeper closes them as unverifiable when the window ends. A power of attorney needs no
  consumer confirmation (Probate Code §§4121–4130): the requests go to staff review.
- `agent_confirmation_answer` records the consumer's answer: a "yes" with a matching data point sends the
  requests to review, a "no" denies them; the consumer also chooses whether the agent may receive results.
- Nothing from an agent is approved before staff accept the document and, for a permission, the consumer
  confirmed (`agent_release_refusal`, enforced by the lifecycle).
- An opt-in to sale or sharing (a DRP agent's `sale:opt-in`) is the agent's request at most, never the
  consumer's consent (Regs §7028(a): the consumer requests, then separately confirms). A "yes" with a
  matching data point only opens the opt-in page for that browser; `agent_opt_in_answer` records the
  consumer's own answer there: opted in (completed), kept opted out (withdrawn), or refused by
  records.choices (a child under 13, within 12 months of an opt-out: denied). Unconfirmed, it closes with
  the confirmation window like any agent request (`agent_sweep`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from records.models import Consumer
from records.vault import vault_delete, vault_get, vault_put
from requests_app.agents.tasks import (
    agent_acknowledged_hooks_task,
    agent_acknowledgement_task,
    agent_confirmation_task,
    agent_process_task,
    agent_status_code_task,
)
from requests_app.emails import email_send
from requests_app.exceptions import RequestError
from requests_app.lifecycle import (
    acknowledged_event_build,
    acknowledged_hooks_run,
    event_record,
    request_acknowledged_record,
    request_transition,
    requests_build,
    requests_save,
)
from requests_app.models import (
    AgentAuthorization,
    Channel,
    Kind,
    PrivacyRequest,
    RequestEvent,
    Status,
    Submission,
)
from requests_app.optout.services import sale_opt_in_fulfil
from requests_app.outbox.services import outbox_task, outbox_task_if_matched
from requests_app.regimes import Regime
from requests_app.requester import RequesterDetails
from requests_app.rules import (
    Evidence,
    consumer_holds_sensitive,
    kind_as_verified,
    requests_decide,
    required_points,
)
from requests_app.states import state_change
from requests_app.verify.services import claimed_identity
from requests_app.web import ip_hash
from verification.exceptions import VerificationError
from verification.matching import MatchResult, consumer_match, stored_identity
from verification.models import OneTimeCode
from verification.normalize import normalize_street
from verification.otp import code_check, code_issue
from verification.scoring import Identity, matched_points
from verification.uploads import SanitizedUpload, sanitize_upload

logger = logging.getLogger(__name__)

DOCUMENT_FOLDER = "agent-documents"
CONFIRMATION_POINTS = ("phone", "member_number", "street_zip", "dob")
REASON_NOT_CONFIRMED = "agent_permission_not_confirmed"
REASON_CONFIRMATION_EXPIRED = "consumer_confirmation_expired"
REASON_CONFIRMATION_FAILED = "consumer_confirmation_failed"
REASON_DOCUMENT_REJECTED = "agent_document_rejected"
REASON_OPT_IN_CONFIRMED = "consumer_confirmed_opt_in"
REASON_OPT_IN_KEPT = "consumer_kept_opt_out"
IDENTITY_CONFIRMED = "agents.confirmation.identity_confirmed"

R = AgentAuthorization.Review
# AgentAuthorization.review, changed only by `agent_document_review` through requests_app.states: a
# document is reviewed once (staff/evidence.py offers the review only while it is pending).
REVIEW_STATES: dict[str, frozenset[str]] = {
    R.PENDING: frozenset({R.ACCEPTED, R.REJECTED}),
    R.ACCEPTED: frozenset(),
    R.REJECTED: frozenset(),
}


@dataclass(frozen=True)
class AgentDetails:
    """The agent as they typed themselves, validated and normalised by the form."""

    name: str
    email: str
    organisation: str = ""
    is_entity: bool = False
    sos_number: str = ""


# --- matching (the one call into verification) -------------------------------------------------------


def agent_consumer_match(*, submission: Submission) -> MatchResult:
    """Whom to ask. The agent's typed e-mail is unproven, so here it only helps LOCATE the consumer, whose
    own proof comes at confirmation (a code at the on-record address plus a data point); it never counts
    towards a power of attorney's matched points (see agent_authorization_process)."""
    return consumer_match(claimed=claimed_identity(submission))


# --- intake ----------------------------------------------------------------------------------------


def agent_document_sanitize(*, name: str, stream: BinaryIO) -> SanitizedUpload:
    """Validate and clean an uploaded document with the portal's limits; raises UploadRejected."""
    clamd = (settings.CLAMD_HOST, settings.CLAMD_PORT) if settings.CLAMD_HOST else None
    return sanitize_upload(name=name, stream=stream, max_bytes=settings.UPLOAD_MAX_BYTES, clamd=clamd)


@dataclass
class AgentSubmission:
    """An agent's submission built and not yet saved: the rows, and the tasks (each taking the
    authorization's primary key) to enqueue with them."""

    submission: Submission
    authorization: AgentAuthorization
    requests: list[PrivacyRequest]
    events: list[RequestEvent]
    tasks: list


def agent_submission_build(
    *,
    kinds: list[str],
    consumer: RequesterDetails,
    agent: AgentDetails,
    document_type: str,
    document: SanitizedUpload | None = None,
    stored=None,
    language: str = "en",
    ip: str = "",
    user_agent: str = "",
    regime: str = Regime.CALIFORNIA,
    data_range: tuple[date | None, date | None] = (None, None),
    channel: str = Channel.WEB,
) -> AgentSubmission:
    """The rows of an agent's submission, unsaved; `agent_request_submit` saves them with the ORM and the
    DRP intake in one statement on PostgreSQL (drp/sql.py), so both write the same rows."""
    now = timezone.now()
    directory = document_type == AgentAuthorization.DocumentType.DRP_DIRECTORY
    submission = Submission(
        channel=channel,
        language=language,
        ip_hash=ip_hash(ip),
        user_agent=user_agent[:300],
        acknowledged_at=now if directory else None,
        **consumer.__dict__,
    )
    authorization = AgentAuthorization(
        submission=submission,
        agent_name=agent.name,
        agent_email=agent.email,
        agent_organisation=agent.organisation,
        agent_is_entity=agent.is_entity,
        agent_sos_number=agent.sos_number,
        document_type=document_type,
        **(_document_fields(document, stored) if stored else {}),
        review=R.ACCEPTED if directory else R.PENDING,
        reviewed_at=now if directory else None,
    )
    requests, events = requests_build(
        submission=submission,
        kinds=kinds,
        regime=regime,
        data_range=data_range,
        first_status=lambda kind: Status.AWAITING_VERIFICATION,
        actor_label="agent",
        data={"channel": channel, "agent": True, "document_type": document_type},
    )
    for request in requests:
        if directory:
            # The HTTP answer is the acknowledgement; its hooks (the API's webhooks) run in a task, off the
            # agent's request path.
            events.append(
                RequestEvent(
                    request=request,
                    name="agents.document.accepted",
                    actor_label="system",
                    reason="drp_directory",
                )
            )
            events.append(acknowledged_event_build(request=request, data={"to": "agent"}))
            continue
        events.append(
            RequestEvent(
                request=request,
                name="agents.document.stored",
                actor_label="agent",
                data={
                    "content_type": document.content_type,
                    "pages": document.pages,
                    "removed": list(document.removed),
                    "sha256": stored.sha256,
                },
            )
        )
    tasks = [agent_acknowledged_hooks_task if directory else agent_acknowledgement_task, agent_process_task]
    return AgentSubmission(submission, authorization, requests, events, tasks)


def agent_request_submit(
    *,
    kinds: list[str],
    consumer: RequesterDetails,
    agent: AgentDetails,
    document_type: str,
    document: SanitizedUpload | None,
    language: str = "en",
    ip: str = "",
    user_agent: str = "",
    regime: str = Regime.CALIFORNIA,
    data_range: tuple[date | None, date | None] = (None, None),
    channel: str = Channel.WEB,
    on_created: Callable[[AgentAuthorization, list[PrivacyRequest]], None] | None = None,
) -> list[PrivacyRequest]:
    """Record an agent's submission and its document; matching and e-mail follow after commit.

    A Data Rights Protocol agent (channel DRP) has no document: its authority is its place in the DRP
    directory, checked by the caller with the message's signature, so the "document" is accepted at once
    and the HTTP answer is the acknowledgement. Everything after that is the web agent's flow: the consumer
    confirms at their on-record address, the same matching, limits and release checks. `on_created` runs
    in the same transaction (the DRP channel records its own row there).
    """
    directory = document_type == AgentAuthorization.DocumentType.DRP_DIRECTORY
    if directory != (document is None):
        raise ValueError("a document is required, except for an agent of the DRP directory")
    stored = None if document is None else vault_put(content=document.content, folder=DOCUMENT_FOLDER)
    built = agent_submission_build(
        kinds=kinds,
        consumer=consumer,
        agent=agent,
        document_type=document_type,
        document=document,
        stored=stored,
        language=language,
        ip=ip,
        user_agent=user_agent,
        regime=regime,
        data_range=data_range,
        channel=channel,
    )
    submission, authorization, requests = built.submission, built.authorization, built.requests
    try:
        with transaction.atomic():
            submission.save()
            authorization.save()
            requests_save(requests, built.events)
            if not directory:
                # A directory agent files at scale by design (staff disable it in the admin if need be);
                # the warning is for a person's agent filing more than a person would.
                _volume_check(authorization=authorization, requests=requests, now=submission.created_at)
            if on_created is not None:
                on_created(authorization, requests)
            for task in built.tasks:
                outbox_task(task, authorization.pk, key=f"{task.name}:{authorization.pk}")
    except BaseException:
        if stored is not None:
            vault_delete(stored.name)  # a failed submission leaves no file behind
        raise
    logger.info("agent submission %s received with %d request(s)", submission.pk, len(requests))
    return requests


def _document_fields(document: SanitizedUpload, stored) -> dict:
    return {
        "document_storage_name": stored.name,
        "document_sha256": stored.sha256,
        "document_size": stored.size,
        "document_content_type": document.content_type,
        "document_display_name": document.display_name,
        "document_pages": document.pages,
        "document_removed": list(document.removed),
    }


def _volume_check(*, authorization: AgentAuthorization, requests: list[PrivacyRequest], now) -> None:
    """Flag an agent who files more requests in 24 hours than AGENT_DAILY_REQUEST_WARNING (for staff)."""
    filed = PrivacyRequest.objects.filter(
        submission__agent_authorization__agent_email=authorization.agent_email,
        received_at__gt=now - timedelta(days=1),
    ).count()
    if filed <= settings.AGENT_DAILY_REQUEST_WARNING:
        return
    authorization.volume_flagged = True
    authorization.save(update_fields=["volume_flagged"])
    for request in requests:
        event_record(
            request=request,
            name="agents.agent.volume_warning",
            data={"requests_in_24h": filed, "threshold": settings.AGENT_DAILY_REQUEST_WARNING},
        )


def agent_acknowledgement_send(*, authorization_id: int) -> bool:
    """Confirm receipt to the agent once (Regs §7021(a)); True when this call sent it."""
    with transaction.atomic():
        authorization = AgentAuthorization.objects.select_related("submission").get(pk=authorization_id)
        submission = Submission.objects.select_for_update().get(pk=authorization.submission_id)
        if submission.acknowledged_at:
            return False
        requests = list(submission.requests.order_by("pk"))
        email_send(
            template="agent_acknowledgement",
            to=authorization.agent_email,
            language=submission.language,
            context={"authorization": authorization, "submission": submission, "requests": requests},
        )
        submission.acknowledged_at = timezone.now()
        submission.save(update_fields=["acknowledged_at"])
        for request in requests:
            request_acknowledged_record(request=request, data={"to": "agent"})
    return True


def agent_acknowledged_hooks_run(*, authorization_id: int) -> None:
    """The acknowledgement hooks of a submission acknowledged at intake (a DRP agent's), run by a task so
    that the hooks' look-ups are not on the agent's request path; the hooks are idempotent."""
    with transaction.atomic():
        for request in PrivacyRequest.objects.filter(
            submission__agent_authorization=authorization_id
        ).order_by("pk"):
            acknowledged_hooks_run(request=request)


# --- matching and the consumer's confirmation ----------------------------------------------------------


def _confirmation_scope(authorization: AgentAuthorization) -> str:
    return f"agent-confirm:{authorization.pk}"


def _open_requests(authorization: AgentAuthorization) -> list[PrivacyRequest]:
    return list(
        PrivacyRequest.objects.filter(submission_id=authorization.submission_id)
        .exclude(status__in=[Status.COMPLETED, Status.DENIED, Status.WITHDRAWN, Status.UNVERIFIABLE])
        .order_by("pk")
    )


def agent_authorization_process(*, authorization_id: int) -> str:
    """Match the consumer and ask them to confirm; idempotent (a second run does nothing)."""
    with transaction.atomic():
        authorization = AgentAuthorization.objects.select_for_update().get(pk=authorization_id)
        if authorization.matched_at is not None:
            return authorization.match_outcome
        result = agent_consumer_match(submission=authorization.submission)
        authorization.matched_at = timezone.now()
        authorization.match_outcome = result.outcome
        authorization.save(update_fields=["matched_at", "match_outcome"])
        consumer = Consumer.objects.get(pk=result.consumer_id) if result.outcome == "matched" else None
        power_of_attorney = authorization.document_type == AgentAuthorization.DocumentType.POWER_OF_ATTORNEY
        # The same next status whatever the outcome, so nothing the agent can see reveals a match.
        target = Status.IN_REVIEW if power_of_attorney else Status.AWAITING_CONSUMER_CONFIRMATION
        for request in _open_requests(authorization):
            if request.status != Status.AWAITING_VERIFICATION:
                continue
            changes = {"consumer": consumer} if consumer else {}
            if consumer and power_of_attorney:
                changes["matched_fields"] = [p for p in result.points if p != "email"]  # e-mail unproven
            request_transition(
                request=request,
                to=target,
                reason="power_of_attorney" if power_of_attorney else "agent_permission",
                data={
                    "match": result.outcome,
                    "points": list(result.points),
                    "candidates": len(result.candidate_ids),
                },
                **changes,
            )
        if consumer and not power_of_attorney:
            outbox_task(agent_confirmation_task, authorization_id)
    return result.outcome


def agent_confirmation_send(*, authorization_id: int | None, again: bool = False) -> bool:
    """E-mail a code to the consumer's ON-RECORD address (Regs §7063(a)(2)); once, unless `again`.

    Silent (False) when there is nobody to ask: no match, already answered, nothing waiting, or no
    authorization at all (`agent_confirmation_resend` for an unknown reference).
    """
    if authorization_id is None:
        return False
    with transaction.atomic():
        authorization = AgentAuthorization.objects.select_for_update().get(pk=authorization_id)
        awaiting = _awaiting(authorization)
        if authorization.consumer_answered_at or not awaiting or awaiting[0].consumer_id is None:
            return False
        if authorization.confirmation_sent_at and not again:
            return False
        consumer = awaiting[0].consumer
        try:
            code = code_issue(
                scope=_confirmation_scope(authorization),
                address=consumer.email,
                ttl_minutes=settings.AGENT_CONFIRMATION_DAYS * 24 * 60,
            )
        except VerificationError:
            logger.info("agent authorization %s: confirmation code throttled", authorization.pk)
            return False
        requests = list(authorization.submission.requests.order_by("pk"))
        email_send(
            template="agent_confirmation",
            to=consumer.email,
            language=authorization.submission.language,
            context={
                "authorization": authorization,
                "first_name": consumer.first_name,
                "reference": requests[0].reference,
                "requests": requests,
                "code": code,
                "days": settings.AGENT_CONFIRMATION_DAYS,
                "opt_in": any(r.kind == Kind.SALE_OPT_IN for r in requests),
            },
        )
        authorization.confirmation_sent_at = timezone.now()
        authorization.save(update_fields=["confirmation_sent_at"])
        for request in awaiting:
            event_record(request=request, name="agents.confirmation.sent", data={"to": "on_record_email"})
    return True


def _authorization_by_reference(reference: str) -> AgentAuthorization | None:
    request = (
        PrivacyRequest.objects.select_related("submission__agent_authorization")
        .filter(reference=reference.strip().upper(), submission__agent_authorization__isnull=False)
        .first()
    )
    return request.submission.agent_authorization if request else None


def _awaiting(authorization: AgentAuthorization) -> list[PrivacyRequest]:
    return [r for r in _open_requests(authorization) if r.status == Status.AWAITING_CONSUMER_CONFIRMATION]


def agent_confirmation_open(*, reference: str, code: str, ip: str | None = None) -> AgentAuthorization | None:
    """The consumer's code from the e-mail, with the reference beside it; None whatever the reason.
    Raises VerificationError when this network tried too many codes."""
    authorization = _authorization_by_reference(reference)
    if authorization is None or authorization.consumer_answered_at or not _awaiting(authorization):
        code_check(scope="agent-confirm:none", code=code, ip=ip)  # counts towards the same rate limit
        return None
    if not code_check(scope=_confirmation_scope(authorization), code=code, ip=ip):
        return None
    for request in _awaiting(authorization):
        event_record(request=request, name="agents.confirmation.opened", actor_label="consumer")
    return authorization


def agent_confirmation_resend(*, reference: str) -> None:
    """Ask for a fresh code to the consumer's on-record address. Always the same work here (a task
    decides whether anyone is asked), so neither the answer nor its timing reveals a match."""
    authorization = _authorization_by_reference(reference)
    outbox_task(agent_confirmation_task, authorization.pk if authorization else None, again=True)


@dataclass(frozen=True)
class ConfirmationPoints:
    """What the consumer typed to verify themselves, normalised by the form; any may be empty."""

    phone: str = ""
    member_number: str = ""
    street: str = ""
    zip5: str = ""
    date_of_birth: date | None = None


def agent_confirmation_answer(
    *, authorization_id: int, gave_permission: bool, agent_may_receive: bool, points: ConfirmationPoints
) -> str:
    """Record the consumer's answer: "confirmed", "declined", "retry" (points did not match), "closed", or
    "opt_in" (an opt-in to sale: the browser may now ask the consumer to confirm it, agent_opt_in_answer)."""
    with transaction.atomic():
        authorization = AgentAuthorization.objects.select_for_update().get(pk=authorization_id)
        awaiting = _awaiting(authorization)
        if authorization.consumer_answered_at or not awaiting:
            return "closed"
        now = timezone.now()
        if not gave_permission:
            authorization.consumer_answered_at = now
            authorization.consumer_confirmed = False
            authorization.agent_may_receive = False
            authorization.save(
                update_fields=["consumer_answered_at", "consumer_confirmed", "agent_may_receive"]
            )
            for request in awaiting:
                request_transition(
                    request=request,
                    to=Status.DENIED,
                    actor_label="consumer",
                    reason=REASON_NOT_CONFIRMED,
                    denial_reason=REASON_NOT_CONFIRMED,
                    outcome="denied",
                )
            return "declined"
        consumer = awaiting[0].consumer
        if consumer is None:
            return "closed"
        claimed = Identity(
            phone=points.phone or None,
            member_number=points.member_number or None,
            street=normalize_street(points.street) if points.street else None,
            zip5=points.zip5 or None,
            dob=points.date_of_birth,
        )
        found = [p for p in matched_points(claimed, stored_identity(consumer)) if p in CONFIRMATION_POINTS]
        # Control of the on-record e-mail (the code) is one data point; the typed ones the others. The
        # bar per kind is the consumer flow's (Regs §7062). An agent's specific-pieces request comes with
        # no declaration signed by the consumer, so it is answered as a categories request (§7062(c)).
        proven = ["email", *found]
        evidence = Evidence(points=proven, declared=False)
        sensitive = consumer_holds_sensitive(consumer)
        needed = max(
            required_points(
                kind=kind_as_verified(kind=r.kind, evidence=evidence, sensitive=sensitive),
                sensitive=sensitive,
            )
            for r in awaiting
        )
        if len(proven) < needed:
            return _confirmation_points_short(authorization, awaiting, proven=proven, needed=needed)
        if any(r.kind == Kind.SALE_OPT_IN for r in awaiting):
            # Not the consumer's consent yet: it is asked for separately (agent_opt_in_answer). Nothing is
            # recorded as answered, so a consumer who leaves before that can come back with a new code.
            for request in awaiting:
                event_record(
                    request=request, name=IDENTITY_CONFIRMED, actor_label="consumer", data={"points": proven}
                )
            return "opt_in"
        authorization.consumer_answered_at = now
        authorization.consumer_confirmed = True
        authorization.agent_may_receive = agent_may_receive
        authorization.save(update_fields=["consumer_answered_at", "consumer_confirmed", "agent_may_receive"])
        requests_decide(
            requests=awaiting,
            consumer=consumer,
            evidence=evidence,
            reason="consumer_confirmed_agent",
            data={"points": proven, "agent_may_receive": agent_may_receive},
            actor_label="consumer",
        )
    return "confirmed"


def _confirmation_points_short(
    authorization: AgentAuthorization, awaiting: list[PrivacyRequest], *, proven: list[str], needed: int
) -> str:
    """The typed points fell short: "retry", until AGENT_CONFIRMATION_MAX_FAILURES closes the requests."""
    authorization.confirmation_failures += 1
    authorization.save(update_fields=["confirmation_failures"])
    for request in awaiting:
        event_record(
            request=request,
            name="agents.confirmation.points_mismatch",
            actor_label="consumer",
            data={"matched": proven, "needed": needed},
        )
    if authorization.confirmation_failures < settings.AGENT_CONFIRMATION_MAX_FAILURES:
        return "retry"
    for request in awaiting:
        request_transition(
            request=request,
            to=Status.UNVERIFIABLE,
            reason=REASON_CONFIRMATION_FAILED,
            denial_reason=REASON_CONFIRMATION_FAILED,
            outcome="denied",
        )
    return "closed"


def agent_opt_in_answer(*, request_id: int, opt_in: bool) -> str:
    """The consumer's separate confirmation of an agent's opt-in to sale (Regs §7028(a)), given on the
    opt-in page by a browser that proved control of the consumer's e-mail address on record.

    Returns "opted_in" (recorded as the consumer's own, the request completed), "kept" (the "No": the
    request withdrawn) or "closed" (nothing waits). Raises the RecordsError of records.choices once the
    request is denied with its code: a child under 13 needs a parent's consent, or the consumer opted out
    less than 12 months ago.
    """
    found = PrivacyRequest.objects.filter(pk=request_id, kind=Kind.SALE_OPT_IN).first()
    if found is None:
        return "closed"
    with transaction.atomic():
        # The authorization first, then the request: the order agent_confirmation_answer locks them in.
        authorization = AgentAuthorization.objects.select_for_update().get(submission_id=found.submission_id)
        request = PrivacyRequest.objects.select_for_update().get(pk=request_id)
        if (
            authorization.consumer_answered_at
            or request.status != Status.AWAITING_CONSUMER_CONFIRMATION
            or request.consumer_id is None
        ):
            return "closed"
        authorization.consumer_answered_at = timezone.now()
        authorization.consumer_confirmed = opt_in
        authorization.agent_may_receive = False  # an opt-in has no results
        authorization.save(update_fields=["consumer_answered_at", "consumer_confirmed", "agent_may_receive"])
        if not opt_in:
            request_transition(
                request=request, to=Status.WITHDRAWN, actor_label="consumer", reason=REASON_OPT_IN_KEPT
            )
            return "kept"
        # The data points proven at the confirmation page; only the code to the address on record when
        # the consumer came through the status page instead.
        proven = request.events.filter(name=IDENTITY_CONFIRMED).order_by("-pk").first()
        request_transition(
            request=request,
            to=Status.APPROVED,
            actor_label="consumer",
            reason=REASON_OPT_IN_CONFIRMED,
            matched_fields=proven.data["points"] if proven else ["email"],
            verification_level="standard",
        )
        request_transition(request=request, to=Status.FULFILLING)
        refusal = sale_opt_in_fulfil(request_id=request.pk)
    if refusal is not None:
        raise refusal
    return "opted_in"


def agent_sweep() -> dict[str, int]:
    """Beat: close requests whose consumer never confirmed in time; re-enqueue lost agent tasks."""
    now = timezone.now()
    expired = 0
    cutoff = now - timedelta(days=settings.AGENT_CONFIRMATION_DAYS)
    stale = PrivacyRequest.objects.filter(
        status=Status.AWAITING_CONSUMER_CONFIRMATION,
        status_changed_at__lt=cutoff,
        submission__agent_authorization__isnull=False,
    ).values_list("pk", flat=True)
    for pk in list(stale[:500]):
        try:
            request_transition(
                request=pk,
                to=Status.UNVERIFIABLE,
                reason=REASON_CONFIRMATION_EXPIRED,
                denial_reason=REASON_CONFIRMATION_EXPIRED,
            )
            expired += 1
        except RequestError:
            continue  # it moved on meanwhile
    lost = now - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    unprocessed = list(
        AgentAuthorization.objects.filter(matched_at__isnull=True, created_at__lt=lost).values_list(
            "pk", flat=True
        )[:500]
    )
    for pk in unprocessed:
        agent_process_task.delay(pk)
    unacknowledged = list(
        AgentAuthorization.objects.filter(
            submission__acknowledged_at__isnull=True, created_at__lt=lost
        ).values_list("pk", flat=True)[:500]
    )
    for pk in unacknowledged:
        agent_acknowledgement_task.delay(pk)
    unsent = list(
        AgentAuthorization.objects.filter(
            match_outcome="matched",
            matched_at__lt=lost,
            confirmation_sent_at__isnull=True,
            consumer_answered_at__isnull=True,
        )
        .exclude(document_type=AgentAuthorization.DocumentType.POWER_OF_ATTORNEY)
        .values_list("pk", flat=True)[:500]
    )
    for pk in unsent:
        agent_confirmation_task.delay(pk)
    return {
        "expired": expired,
        "reprocessed": len(unprocessed),
        "reacknowledged": len(unacknowledged),
        "confirmations": len(unsent),
    }


# --- the agent's own status access -------------------------------------------------------------------


def _agent_status_scope(authorization: AgentAuthorization) -> str:
    return f"agent-status:{authorization.pk}"


def agent_status_code_send(*, reference: str, email: str) -> AgentAuthorization | None:
    """Ask for the agent's code when the reference is theirs; the caller says the same either way.

    As `status_code_send`: the same work for a match and a non-match (one outbox row whose task holds
    the authorization's id only on a match); the worker issues and e-mails the code."""
    authorization = _authorization_by_reference(reference)
    on_file = authorization.agent_email if authorization else ""
    return outbox_task_if_matched(agent_status_code_task, authorization, typed=email, on_file=on_file)


def agent_status_code_deliver(*, authorization_id: int | None) -> bool:
    """The worker's half of `agent_status_code_send`; False (nothing sent) when throttled or no match."""
    if authorization_id is None:
        return False
    with transaction.atomic():
        authorization = (
            AgentAuthorization.objects.select_related("submission").filter(pk=authorization_id).first()
        )
        if authorization is None:
            return False
        request = authorization.submission.requests.order_by("pk").first()
        try:
            code = code_issue(scope=_agent_status_scope(authorization), address=authorization.agent_email)
        except VerificationError:
            logger.info("agent authorization %s: status code throttled", authorization.pk)
            return False
        email_send(
            template="status_code",
            to=authorization.agent_email,
            language=request.submission.language,
            context={"code": code, "minutes": settings.OTP_TTL_MINUTES, "reference": request.reference},
        )
        event_record(request=request, name="agents.status.code_sent", actor_label="agent")
    return True


def agent_status_code_verify(
    *, authorization_id: int | None, code: str, ip: str | None = None
) -> AgentAuthorization | None:
    """The agent's status code; raises VerificationError when this network tried too many codes."""
    authorization = (
        AgentAuthorization.objects.filter(pk=authorization_id).first() if authorization_id else None
    )
    if authorization is None:
        code_check(scope="agent-status:none", code=code, ip=ip)
        return None
    if not code_check(scope=_agent_status_scope(authorization), code=code, ip=ip):
        return None
    for request in authorization.submission.requests.all():
        event_record(request=request, name="agents.status.viewed", actor_label="agent")
    return authorization


# --- staff -------------------------------------------------------------------------------------------


def agent_document_review(
    *, authorization: AgentAuthorization, actor, accepted: bool, note: str = ""
) -> AgentAuthorization:
    """Staff's decision on the uploaded document; a rejection denies the requests still open."""
    with transaction.atomic():
        locked = AgentAuthorization.objects.select_for_update().get(pk=authorization.pk)
        review = R.ACCEPTED if accepted else R.REJECTED
        open_requests = _open_requests(locked)
        state_change(
            obj=locked,
            field="review",
            to=review,
            table=REVIEW_STATES,
            request=open_requests,
            event=f"agents.document.{review}",
            actor=actor,
            reason=note,
            data={"document_type": locked.document_type},
            reviewed_at=timezone.now(),
            reviewed_by=actor,
        )
        for request in open_requests:
            if not accepted and request.status not in (Status.FULFILLING, Status.APPROVED):
                request_transition(
                    request=request,
                    to=Status.DENIED,
                    actor=actor,
                    reason=note or REASON_DOCUMENT_REJECTED,
                    denial_reason=REASON_DOCUMENT_REJECTED,
                    outcome="denied",
                )
    authorization.refresh_from_db()
    return authorization


def agent_document_fetch(*, authorization: AgentAuthorization, actor) -> bytes:
    """The sanitised document's bytes for a staff download; every download is logged."""
    content = vault_get(authorization.document_storage_name, sha256=authorization.document_sha256)
    request = authorization.submission.requests.order_by("pk").first()
    event_record(request=request, name="agents.document.downloaded", actor=actor)
    return content


def agent_request_closed_hook(*, request: PrivacyRequest) -> None:
    """Lifecycle hook after a request closes: once the whole submission is closed, purge the document."""
    submission_id = request.submission_id
    transaction.on_commit(lambda: agent_document_purge(submission_id=submission_id))


def agent_document_purge(*, submission_id: int) -> bool:
    """Delete the uploaded document and the consumer's codes once every request of the submission is
    closed: they were collected only to verify the agent's authority (DESIGN §5). The checksum, type and
    what the sanitiser removed stay, for the record of the request. True when this call purged."""
    with transaction.atomic():
        authorization = (
            AgentAuthorization.objects.select_for_update().filter(submission_id=submission_id).first()
        )
        if authorization is None or not authorization.document_storage_name:
            return False
        requests = list(PrivacyRequest.objects.filter(submission_id=submission_id))
        if any(not r.is_closed for r in requests):
            return False
        name = authorization.document_storage_name
        authorization.document_storage_name = ""
        authorization.save(update_fields=["document_storage_name"])
        OneTimeCode.objects.filter(
            scope__in=[_confirmation_scope(authorization), _agent_status_scope(authorization)]
        ).delete()
        for request in requests:
            event_record(request=request, name="agents.document.purged", data={"outcome": request.status})
        transaction.on_commit(lambda: vault_delete(name))
    return True


def agent_release_refusal(request: PrivacyRequest) -> str | None:
    """Why an agent's request may not be approved or carried out yet; None when it may (or is no agent's)."""
    authorization = AgentAuthorization.objects.filter(submission_id=request.submission_id).first()
    if authorization is None:
        return None
    if authorization.review != AgentAuthorization.Review.ACCEPTED:
        return _("Staff must accept the agent's document first.")
    if (
        authorization.document_type != AgentAuthorization.DocumentType.POWER_OF_ATTORNEY
        and not authorization.consumer_confirmed
    ):
        return _("The consumer has not confirmed the agent's permission.")
    return None


# --- reads ---------------------------------------------------------------------------------------------

# What an agent is told about progress, in their words; never which data matched or who the consumer is.
AGENT_EVENTS = {
    "requests.request.received": _lazy("We received the request."),
    "requests.request.acknowledged": _lazy("We e-mailed you a confirmation of receipt."),
    "requests.request.awaiting_verification": _lazy("We are checking the request."),
    "requests.request.awaiting_consumer_confirmation": _lazy(
        "We asked the consumer to confirm your permission and their identity directly."
    ),
    "requests.request.in_review": _lazy("Our privacy team is reviewing the request and your document."),
    "requests.request.approved": _lazy("The request was approved."),
    "requests.request.fulfilling": _lazy("We are carrying out the request."),
    "requests.request.completed": _lazy("The request is complete."),
    "requests.request.denied": _lazy("We could not grant the request."),
    "requests.request.withdrawn": _lazy("The request was withdrawn."),
    "requests.request.unverifiable": _lazy(
        "The consumer's identity or permission could not be confirmed in time, so the request is closed."
    ),
    "requests.request.extended": _lazy("We need more time and extended the deadline."),
}


def agent_timeline(*, authorization: AgentAuthorization) -> list[dict]:
    from requests_app.models import RequestEvent

    events = (
        RequestEvent.objects.filter(request__submission_id=authorization.submission_id, name__in=AGENT_EVENTS)
        .select_related("request")
        .only("name", "created_at", "request__reference")
        .order_by("created_at", "pk")
    )
    return [
        {"when": e.created_at, "reference": e.request.reference, "text": AGENT_EVENTS[e.name]} for e in events
    ]
