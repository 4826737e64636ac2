"""The covered business's side of the Data Rights Protocol (DRP 1.0, Consumer Reports Innovation Lab).

A DRP agent is an authorized agent (Regs §7063) whose software speaks for it. Its requests take the web
agent's path (requests_app.agents): the consumer confirms at their on-record address, the same matching,
twice-a-year limit and release checks apply, and results go to the agent only if the consumer allowed it.
A DRP request therefore never releases data the web flow would not.

Messages are Ed25519-signed in libsodium's combined mode (signature, then the JSON), base64 encoded, sent
as text/plain. They are checked in the spec's order (§3.07): decodes; signature against the verify key
of the agent the bearer token names; `agent-id` is that agent; `business-id` is ours; `issued-at` past;
`expires-at` future and no further than DRP_MESSAGE_MAX_MINUTES; then never seen before (no replays).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from time import monotonic as time_monotonic
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from drp.addresses import PinnedTransport, address_resolve
from drp.models import DrpAgent, DrpRequest, DrpSeenMessage
from drp.sql import drp_exercise_insert
from drp.tasks import drp_callback_task
from requests_app.agents.services import (
    REASON_CONFIRMATION_EXPIRED,
    AgentDetails,
    agent_request_submit,
    agent_submission_build,
)
from requests_app.deletion.services import deletion_cancel
from requests_app.emails import email_language
from requests_app.intake.forms import RequestForm
from requests_app.lifecycle import request_transition
from requests_app.models import (
    ACCESS_KINDS,
    NO_MATCHING_RECORDS,
    AgentAuthorization,
    Channel,
    DeletionCase,
    Kind,
    PrivacyRequest,
    Status,
)
from requests_app.outbox.services import outbox_task
from requests_app.regimes import Regime

logger = logging.getLogger(__name__)

VERSIONS = frozenset({"0.9.3", "0.9.4", "1.0"})
# §3.01; the table writes `sale:opt_out`, the examples `sale:opt-out`: both are accepted.
EXERCISES: dict[str, str] = {
    "sale:opt-out": Kind.OPT_OUT,
    "sale:opt_out": Kind.OPT_OUT,
    "deletion": Kind.DELETE,
    # "access" is the right to know as a whole: specific pieces, answered as categories when the bar for
    # specific pieces is not reached (an agent's request carries no consumer declaration, Regs §7062(c)).
    "access": Kind.ACCESS_SPECIFIC,
    "access:categories": Kind.KNOW_CATEGORIES,
    "access:specific": Kind.ACCESS_SPECIFIC,
    # "Reconsent or opt-in to data sale". The agent's message is at most the first step of Regs §7028(a):
    # the consumer confirms the opt-in themselves on our site after proving who they are
    # (requests_app.agents.agent_opt_in_answer); the agent's word is never taken as their consent.
    "sale:opt-in": Kind.SALE_OPT_IN,
    "sale:opt_in": Kind.SALE_OPT_IN,
}
REGIMES = {"ccpa": Regime.CALIFORNIA}
REPLAY_MESSAGE = _("This signed message was already received.")
CALLBACK_NOT_PUBLIC = _("`status_callback` must point to a public address.")


class DrpError(Exception):
    """A refusal with the spec's error JSON (§3.06); `message` is safe to show and holds no personal data."""

    def __init__(
        self, status: int, message: str, *, fatal: bool = False, reason: str = "", body: bool = True
    ):
        super().__init__(message)
        self.status, self.message, self.fatal, self.reason, self.body = status, message, fatal, reason, body

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": str(self.status), "message": str(self.message)}
        if self.fatal:
            data["fatal"] = True
        return data


@dataclass(frozen=True)
class Verified:
    agent: DrpAgent
    claims: dict[str, Any]
    digest: str
    expires_at: datetime


# --- tokens and messages ---------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Agents by token hash, for the exercise's hot path on PostgreSQL only: there the insert chain itself
# checks that the agent is still enabled with this token and key (drp/sql.py), so a disabled or re-keyed
# agent is refused at once however old the entry. Per process; bounded.
_TOKEN_AGENTS: dict[str, tuple[float, DrpAgent]] = {}
TOKEN_CACHE_SECONDS, TOKEN_CACHE_SIZE = 300, 1000
BEARER_REFUSED = _("The bearer token is not valid.")


def drp_agent_for_token(authorization: str, *, cached: bool = False) -> DrpAgent:
    """The enabled agent whose bearer token this is; 403 otherwise (no hint which part was wrong).

    `cached` (the exercise, on PostgreSQL) may answer from this process's memory: only for a caller
    whose write re-checks the agent row in the same statement (`drp_exercise_insert`)."""
    scheme, _sep, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DrpError(403, _("A bearer token is required."), reason="no_token")
    digest = _token_hash(token.strip())
    if cached:
        moment, agent = _TOKEN_AGENTS.get(digest, (0.0, None))
        if agent is not None and time_monotonic() - moment < TOKEN_CACHE_SECONDS:
            return agent
    agent = DrpAgent.objects.filter(token_hash=digest, enabled=True).first()
    if agent is None or not hmac.compare_digest(agent.token_hash, digest):
        _TOKEN_AGENTS.pop(digest, None)
        raise DrpError(403, BEARER_REFUSED, reason="bad_token")
    if cached:
        if len(_TOKEN_AGENTS) >= TOKEN_CACHE_SIZE:
            _TOKEN_AGENTS.clear()
        _TOKEN_AGENTS[digest] = (time_monotonic(), agent)
    return agent


def _parse_time(claims: dict[str, Any], name: str) -> datetime:
    raw = claims.get(name)
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise DrpError(
            400, _("`%(name)s` must be an ISO 8601 timestamp.") % {"name": name}, reason="bad_time"
        ) from None
    if timezone.is_naive(moment):
        raise DrpError(400, _("`%(name)s` must carry a time zone.") % {"name": name}, reason="bad_time")
    return moment


def drp_message_verify(*, body: bytes, agent: DrpAgent | None, path_agent_id: str = "") -> Verified:
    """Check a signed message in the spec's order and return its claims; raises DrpError.

    `agent` is the bearer token's agent; for the key set-up (no token yet) it is None and the agent is
    the one the path names, which must be an enabled directory entry.
    """
    try:
        signed = base64.b64decode(body.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise DrpError(
            400, _("The body must be a base64-encoded signed message."), reason="not_base64"
        ) from None
    if agent is None:
        agent = DrpAgent.objects.filter(agent_id=path_agent_id, enabled=True).first()
        if agent is None:
            raise DrpError(403, _("Unknown or disabled agent."), reason="unknown_agent", body=False)
    try:
        verify_key = VerifyKey(base64.b64decode(agent.verify_key))
        message = verify_key.verify(signed)
    except (BadSignatureError, ValueError, binascii.Error, TypeError):
        raise DrpError(403, _("The signature does not verify."), reason="bad_signature") from None
    try:
        claims = json.loads(message)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DrpError(400, _("The signed message is not JSON."), reason="not_json") from None
    if not isinstance(claims, dict):
        raise DrpError(400, _("The signed message must be a JSON object."), reason="not_json")
    if claims.get("agent-id") != agent.agent_id or (path_agent_id and path_agent_id != agent.agent_id):
        raise DrpError(403, _("`agent-id` does not match the bearer token's agent."), reason="agent_mismatch")
    if claims.get("business-id") != settings.DRP_BUSINESS_ID:
        raise DrpError(403, _("`business-id` is not this business."), reason="wrong_business")
    now = timezone.now()
    issued, expires = _parse_time(claims, "issued-at"), _parse_time(claims, "expires-at")
    if issued > now + timedelta(seconds=settings.DRP_CLOCK_SKEW_SECONDS):
        raise DrpError(400, _("`issued-at` is in the future."), reason="issued_in_future")
    if expires <= now:
        raise DrpError(400, _("The message has expired."), fatal=True, reason="expired")
    if expires - max(issued, now) > timedelta(minutes=settings.DRP_MESSAGE_MAX_MINUTES):
        raise DrpError(
            400,
            f"`expires-at` may be at most {settings.DRP_MESSAGE_MAX_MINUTES} minutes ahead.",
            reason="expires_too_far",
        )
    return Verified(
        agent=agent, claims=claims, digest=hashlib.sha256(signed[:64]).hexdigest(), expires_at=expires
    )


def _seen_record(verified: Verified) -> None:
    """Refuse a message already accepted; inside the caller's transaction, so a failure forgets it."""
    try:
        with transaction.atomic():
            DrpSeenMessage.objects.create(
                digest=verified.digest, agent=verified.agent, expires_at=verified.expires_at
            )
    except IntegrityError:
        raise DrpError(409, REPLAY_MESSAGE, reason="replay") from None


def drp_seen_purge() -> int:
    """Beat: forget messages past their expiry (they would be refused as expired anyway)."""
    deleted, _ = DrpSeenMessage.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def drp_token_issue(*, agent_id: str, body: bytes) -> tuple[DrpAgent, str]:
    """Pair-wise key set-up (§2.05): a new token for the agent, replacing any earlier one."""
    verified = drp_message_verify(body=body, agent=None, path_agent_id=agent_id)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _seen_record(verified)
        agent = DrpAgent.objects.select_for_update().get(pk=verified.agent.pk)
        agent.token_hash = _token_hash(token)
        agent.token_issued_at = timezone.now()
        agent.save(update_fields=["token_hash", "token_issued_at"])
    logger.info("drp agent %s: token issued", agent.agent_id)
    return agent, token


# --- exercise ------------------------------------------------------------------------------------------


def _callback_check(url: str, *, resolve: bool = True) -> str:
    """A status callback must be HTTPS on a public address (it is called from our workers: no SSRF);
    `resolve=False` leaves the address to the caller, which connects to the one it checked."""
    if not url:
        return ""
    if not isinstance(url, str) or len(url) > 500:
        raise DrpError(
            400, _("`status_callback` must be a URL of at most 500 characters."), reason="callback"
        )
    parts = urlsplit(url)
    allowed = {"https", "http"} if settings.DRP_CALLBACK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
        raise DrpError(400, _("`status_callback` must be an https URL."), reason="callback")
    if (
        resolve
        and not settings.DRP_CALLBACK_ALLOW_PRIVATE
        and address_resolve(parts.hostname, parts.port) is None
    ):
        raise DrpError(400, CALLBACK_NOT_PUBLIC, reason="callback")
    return url


class _SharedFields(dict):
    """Field definitions handed to each form as they are, instead of deep-copied (Form.__init__)."""

    def __deepcopy__(self, memo):
        return dict(self)


class ClaimsForm(RequestForm):
    """The web request form, validating an agent's identity claims: the same fields, cleaning and
    messages. It is never rendered, and validation changes no field, so the fields are shared rather than
    deep-copied per message (which was most of the form's 1.8 ms: the choice lists of states and kinds)."""

    def clean_kinds(self) -> list[str]:
        # The kind comes from EXERCISES, not from a person's choice: an agent-only kind is allowed here.
        return self.cleaned_data["kinds"]


ClaimsForm.base_fields = _SharedFields(RequestForm.base_fields)


def claims_form_data(claims: dict[str, Any], kind: str, regime: str) -> dict[str, str]:
    """The schema.org/Person and OpenID address claims (§3.04) as the web request form's fields, so that
    they are validated and normalised exactly as a person's typing is."""
    given, family = claims.get("given_name") or "", claims.get("family_name") or ""
    if not (given and family):
        *first, last = str(claims.get("name") or "").split() or [""]
        given, family = " ".join(first) or last, last
    address = claims.get("address") if isinstance(claims.get("address"), dict) else {}
    state = str(address.get("region") or "").strip().upper()
    return {
        "kinds": [kind],
        "first_name": str(given),
        "last_name": str(family),
        "email": str(claims.get("email") or ""),
        "phone": str(claims.get("phone_number") or ""),
        "street": str(address.get("street_address") or ""),
        "city": str(address.get("locality") or ""),
        "state": state if len(state) == 2 else "",
        "zip_code": str(address.get("postal_code") or ""),
        "residency": regime,
    }


def _regime(claims: dict[str, Any]) -> str:
    named = claims.get("regime")
    if named in REGIMES:
        return REGIMES[named]
    if named not in (None, ""):
        raise DrpError(
            400, _("Unsupported regime: only `ccpa`, or none for voluntary processing."), reason="regime"
        )
    # Voluntary processing (§2.01): the state of the address decides, as the residency question does.
    address = claims.get("address") if isinstance(claims.get("address"), dict) else {}
    state = str(address.get("region") or "").strip().upper()
    return state if state in Regime.values else Regime.OTHER


def _form_errors(form: ClaimsForm) -> str:
    names = {
        "first_name": "name",
        "last_name": "name",
        "zip_code": "address.postal_code",
        "phone": "phone_number",
    }
    parts = [f"{names.get(field, field)}: {' '.join(errors)}" for field, errors in form.errors.items()]
    return str(_("The identity claims are not valid.")) + " " + " ".join(parts)


def drp_exercise_submit(*, agent: DrpAgent, body: bytes, language: str = "en") -> DrpRequest:
    """A Data Rights Exercise (§2.01): one privacy request through the agent flow; raises DrpError.
    `language` (the Accept-Language of the agent's call) is kept on the request: its e-mails to the
    consumer and the status's `processing_details` use it from then on."""
    verified = drp_message_verify(body=body, agent=agent)
    claims = verified.claims
    version = str(claims.get("drp.version") or "")
    if version not in VERSIONS:
        raise DrpError(
            400,
            _("Unsupported drp.version; we speak %(versions)s.") % {"versions": ", ".join(sorted(VERSIONS))},
            reason="version",
        )
    exercise = claims.get("exercise")
    if exercise not in EXERCISES:
        raise DrpError(400, _("Unsupported rights actions submitted."), reason="exercise")
    agent_request_id = claims.get("agent-request-id") or ""
    if not isinstance(agent_request_id, str) or len(agent_request_id) > 200:
        raise DrpError(
            400, _("`agent-request-id` must be a string of at most 200 characters."), reason="claims"
        )
    callback = _callback_check(claims.get("status_callback") or "")
    regime = _regime(claims)
    form = ClaimsForm(data=claims_form_data(claims, EXERCISES[exercise], regime))
    if not form.is_valid():
        raise DrpError(400, _form_errors(form), reason="claims")
    contact = agent.technical_contact or agent.business_contact
    details = {
        "kinds": [EXERCISES[exercise]],
        "consumer": form.requester(),
        "agent": AgentDetails(
            name=agent.name, email=contact.lower(), organisation=agent.name, is_entity=True
        ),
        "document_type": AgentAuthorization.DocumentType.DRP_DIRECTORY,
        "regime": regime,
        "channel": Channel.DRP,
        "user_agent": f"drp:{agent.agent_id}",
        "language": email_language(language),
    }
    drp_request = DrpRequest(
        agent=agent,
        agent_request_id=agent_request_id,
        exercise=exercise,
        drp_version=version,
        status_callback=callback,
    )
    if connection.vendor == "postgresql":
        # One statement, atomic by itself, as the web form's intake (drp/sql.py); the same rows.
        seen = DrpSeenMessage(digest=verified.digest, agent=agent, expires_at=verified.expires_at)
        built = agent_submission_build(**details)
        if not drp_exercise_insert(agent=agent, built=built, seen=seen, drp_request=drp_request):
            # Nothing written: the agent (perhaps from the token cache) was disabled or re-keyed, or replay.
            _TOKEN_AGENTS.pop(agent.token_hash, None)
            current = {"token_hash": agent.token_hash, "verify_key": agent.verify_key, "enabled": True}
            if not DrpAgent.objects.filter(pk=agent.pk, **current).exists():
                raise DrpError(403, BEARER_REFUSED, reason="bad_token")
            raise DrpError(409, REPLAY_MESSAGE, reason="replay")
    else:

        def record(authorization: AgentAuthorization, requests: list[PrivacyRequest]) -> None:
            _seen_record(verified)
            drp_request.privacy_request = requests[0]
            drp_request.save()

        agent_request_submit(**details, document=None, on_created=record)
    logger.info("drp agent %s: request %s received", agent.agent_id, drp_request.pk)
    return drp_request


def drp_request_for_agent(*, agent: DrpAgent, request_id: str) -> DrpRequest:
    """The agent's own request; 404 for an id that is nobody's, 403 for another agent's (§2.02.1)."""
    found = (
        DrpRequest.objects.select_related("privacy_request__submission__agent_authorization", "agent")
        .filter(request_id=request_id)
        .first()
    )
    if found is None:
        raise DrpError(404, _("No such request."), reason="unknown_request")
    if found.agent_id != agent.pk:
        raise DrpError(403, _("This request is managed by another agent."), reason="other_agents_request")
    return found


def drp_revoke(*, agent: DrpAgent, request_id: str, body: bytes) -> DrpRequest:
    """Data Rights Revoke (§2.04): withdraw the request while it can still be stopped."""
    verified = drp_message_verify(body=body, agent=agent)
    drp_request = drp_request_for_agent(agent=agent, request_id=request_id)
    reason = verified.claims.get("reason") or ""
    reason = reason[:500] if isinstance(reason, str) else ""
    with transaction.atomic():
        _seen_record(verified)
        request = PrivacyRequest.objects.select_for_update().get(pk=drp_request.privacy_request_id)
        if request.is_closed:
            raise DrpError(409, _("The request is closed and can no longer be revoked."), reason="closed")
        DrpRequest.objects.filter(pk=drp_request.pk).update(revoke_reason=reason)
        if request.status == Status.FULFILLING:
            _fulfilling_revoke(request)
        else:
            # The agent's words stay in the DRP row, never in the event: a free-text reason may hold
            # personal data (blanked with the submission's, drp_purge_hook).
            request_transition(
                request=request, to=Status.WITHDRAWN, actor_label="agent", reason="drp_revoked"
            )
    drp_request.refresh_from_db()
    return drp_request


def _fulfilling_revoke(request: PrivacyRequest) -> None:
    """Once carried out, only a deletion still inside its cancel window can be stopped (Regs §7022)."""
    case = DeletionCase.objects.filter(request=request).first()
    stoppable = (DeletionCase.State.AWAITING_CONFIRMATION, DeletionCase.State.SCHEDULED)
    if request.kind != Kind.DELETE or case is None or case.state not in stoppable:
        raise DrpError(
            409, _("The request is already being carried out and can no longer be revoked."), reason="late"
        )
    if not deletion_cancel(request_id=request.pk):
        raise DrpError(
            409, _("The request is already being carried out and can no longer be revoked."), reason="late"
        )


# --- status ---------------------------------------------------------------------------------------------

DENIAL_REASONS = {
    NO_MATCHING_RECORDS: "no_match",
    "too_many_requests": "too_many_requests",
    "consumer_confirmation_expired": "insuf_verification",
    "consumer_confirmation_failed": "insuf_verification",
    "unverifiable": "insuf_verification",
}
# records.choices' refusals of an opt-in, as the agent is told them (without the consumer's dates).
OPT_IN_REFUSALS = {
    "parent_consent_required": _(
        "The consumer is under 13: only a verified parent or guardian can agree to the sale or sharing of "
        "a child's personal information. No opt-in was recorded."
    ),
    "opt_in_too_soon": _(
        "The consumer opted out less than 12 months ago and we keep to that choice for 12 months. No opt-in "
        "was recorded."
    ),
}
IN_PROGRESS = {
    Status.RECEIVED,
    Status.AWAITING_VERIFICATION,
    Status.AWAITING_CONSUMER_CONFIRMATION,
    Status.IN_REVIEW,
    Status.APPROVED,
    Status.FULFILLING,
}


def _end_of_day(day) -> str:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59))).isoformat()  # TIME_ZONE: Pacific


def drp_status(drp_request: DrpRequest) -> dict[str, Any]:
    """The Exercise Status object (§3.03) of a request, from our lifecycle. Its human-readable
    `processing_details` is in the language kept on the request (the Accept-Language of the agent's
    exercise call), whoever asks and whenever: the status call, a revoke, or a callback from a worker;
    the machine fields (`status`, `reason`) are the spec's codes."""
    with translation.override(email_language(drp_request.privacy_request.submission.language)):
        status = _drp_status(drp_request)
        if "processing_details" in status:
            status["processing_details"] = str(status["processing_details"])
    return status


def _drp_status(drp_request: DrpRequest) -> dict[str, Any]:
    request = drp_request.privacy_request
    authorization = request.submission.agent_authorization
    status: dict[str, Any] = {
        "request_id": str(drp_request.request_id),
        "received_at": request.received_at.isoformat(),
    }
    if drp_request.agent_request_id:
        status["agent_request_id"] = drp_request.agent_request_id
    site = settings.SITE_URL.rstrip("/")
    if request.status in IN_PROGRESS:
        status["status"] = "in_progress"
        status["expected_by"] = _end_of_day(request.effective_due)
        if request.extended_due_at:
            status["processing_details"] = _(
                "The deadline was extended once, as the law allows (90 days in all)."
            )
        if request.status == Status.AWAITING_CONSUMER_CONFIRMATION:
            # The same whether or not the consumer is in our records: nothing here reveals a match.
            status["reason"] = "need_user_verification"
            status["user_verification_url"] = f"{site}/requests/confirm/"
            status["processing_details"] = _(
                "We e-mailed the consumer, at an address we hold, to confirm your permission and their "
                "identity directly. They enter the code from that e-mail on the page given."
            )
            if request.kind == Kind.SALE_OPT_IN:
                # §3.02: `expires_at` comes with need_user_verification; past it the request is `expired`.
                window = timedelta(days=settings.AGENT_CONFIRMATION_DAYS)
                status["expires_at"] = (request.status_changed_at + window).isoformat()
                status["processing_details"] = _(
                    "We e-mailed the consumer, at an address we hold, to confirm their identity directly. "
                    "An opt-in is recorded only when they then confirm it themselves on our site (Cal. Code "
                    "Regs. tit. 11, §7028(a)); unconfirmed, it expires at `expires_at`."
                )
    elif request.kind == Kind.SALE_OPT_IN and request.denial_reason == REASON_CONFIRMATION_EXPIRED:
        status["status"] = "expired"
        status["processing_details"] = _(
            "The consumer did not confirm the opt-in in time: nothing was recorded."
        )
    elif request.status == Status.COMPLETED:
        status["status"] = "fulfilled"
        if request.kind == Kind.SALE_OPT_IN:
            status["processing_details"] = _("The consumer confirmed the opt-in themselves on our site.")
        if authorization.agent_may_receive and request.kind in ACCESS_KINDS:
            status["results_url"] = f"{site}/requests/agent/status/"
            status["processing_details"] = _(
                "The consumer allowed you to receive the results: sign in to the page given with the "
                "request's reference."
            )
        elif request.kind in ACCESS_KINDS:
            status["processing_details"] = _("The consumer chose to receive the results themselves.")
    elif request.status == Status.WITHDRAWN:
        status["status"] = "revoked"
    else:  # denied, unverifiable
        status["status"] = "denied"
        status["reason"] = DENIAL_REASONS.get(
            request.denial_reason, "insuf_verification" if request.status == Status.UNVERIFIABLE else "other"
        )
        status["processing_details"] = OPT_IN_REFUSALS.get(request.denial_reason, request.requester_status)
    return status


def drp_transition_hook(*, request: PrivacyRequest, event) -> None:
    """After each status change of a DRP request with a callback: an outbox row, committed with it."""
    drp_request = DrpRequest.objects.filter(privacy_request_id=request.pk).exclude(status_callback="").first()
    if drp_request is None:
        return
    outbox_task(drp_callback_task, drp_request.pk, key=f"drp-callback:{drp_request.pk}:{event.pk}")


def drp_purge_hook(*, submission_ids: list[int]) -> None:
    """The revoke reason is the agent's free text and may name the person: it goes with the submission's
    personal data."""
    DrpRequest.objects.filter(privacy_request__submission_id__in=submission_ids).exclude(
        revoke_reason=""
    ).update(revoke_reason="")


CALLBACK_LOCK_NAMESPACE = 0x44525043  # "DRPC": pg_advisory_xact_lock(namespace, DRP request id)


def drp_callback_send(*, drp_request_id: int) -> int:
    """POST the request's current status to the agent's callback (§2.03); returns the HTTP status.

    Raises OSError (retried with backoff by the task) when the agent does not answer 2xx. The current
    status, not the one at the change, is sent: the latest is what the agent needs. Callbacks of one
    request go one at a time (a transaction-scoped advisory lock on PostgreSQL), each reading the status
    once the one before it has been answered: two workers sending side by side could otherwise have an
    older status arrive last (seen in tests/integration/test_drp_real_stack.py). The lock is not a row
    lock, so a revocation arriving meanwhile is never kept waiting on the agent's server.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [CALLBACK_LOCK_NAMESPACE, drp_request_id]
                )
        return _callback_post(drp_request_id)


def _callback_post(drp_request_id: int) -> int:
    drp_request = DrpRequest.objects.select_related(
        "privacy_request__submission__agent_authorization", "agent"
    ).get(pk=drp_request_id)
    if not drp_request.agent.enabled:
        return 0
    # Checked again at send, on the one resolution the connection then uses (no DNS rebinding).
    url = _callback_check(drp_request.status_callback, resolve=False)
    parts = urlsplit(url)
    host = parts.hostname
    address = address_resolve(host, parts.port, allow_private=settings.DRP_CALLBACK_ALLOW_PRIVATE)
    if address is None:
        raise DrpError(400, CALLBACK_NOT_PUBLIC, reason="callback")
    try:
        with httpx.Client(
            transport=PinnedTransport(host=host, address=address),
            timeout=settings.DRP_CALLBACK_TIMEOUT_SECONDS,
            follow_redirects=False,
        ) as client:
            response = client.post(
                url, content=json.dumps(drp_status(drp_request)), headers={"Content-Type": "application/json"}
            )
    except httpx.HTTPError as exc:
        raise OSError(f"drp callback for {drp_request.pk} failed: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise OSError(f"drp callback for {drp_request.pk} answered {response.status_code}")
    return response.status_code
