"""Staff actions and reads of the request page's evidence panels.

Each action finds the object it acts on *through the request* (a notice of another request, or a
request without an agent, is refused like a guessed reference), turns the owning service's refusals into
a `RequestError` the page can show, and calls that service: the agent, processor and correction modules
own the logic and write the audit events.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from records.models import Consumer
from requests_app.agents import services as agents
from requests_app.correction import services as correction
from requests_app.exceptions import RequestError
from requests_app.models import (
    AgentAuthorization,
    CorrectionCase,
    CorrectionDocument,
    CorrectionItem,
    Declaration,
    Kind,
    PrivacyRequest,
    ProcessorNotice,
    RequestEvent,
    SystemRun,
)
from requests_app.processors import services as processors
from requests_app.systems import selectors as system_selectors
from requests_app.systems import services as systems

from .permissions import Action, require_action

# --- reads for the panels --------------------------------------------------------------------------------


def request_declarations(*, request: PrivacyRequest) -> list[Declaration]:
    """The declarations signed for the request's submission (specific-pieces requests, Regs §7062(c))."""
    return list(
        Declaration.objects.filter(submission_id=request.submission_id)
        .only("statement_version", "signed_name", "signed_at", "purged_at", "submission_id")
        .order_by("signed_at", "pk")
    )


def request_agent_authorization(*, request: PrivacyRequest) -> AgentAuthorization | None:
    return (
        AgentAuthorization.objects.filter(submission_id=request.submission_id)
        .select_related("reviewed_by")
        .first()
    )


def request_processor_notices(*, request: PrivacyRequest) -> list[ProcessorNotice]:
    return list(
        ProcessorNotice.objects.filter(request=request)
        .select_related("recipient")
        .defer("subject", "details")
        .order_by("created_at", "pk")
    )


# The data points of verification.scoring.DATA_POINTS, in words.
MATCH_POINT_LABELS = {
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone"),
    "member_number": gettext_lazy("member number"),
    "name": gettext_lazy("name"),
    "street_zip": gettext_lazy("street and ZIP"),
    "dob": gettext_lazy("date of birth"),
}


@dataclass(frozen=True)
class MatchCandidate:
    consumer_id: int
    matched: list[str]  # labels of the data points matched, never their values
    consumer: Consumer | None  # None once the record is erased


def request_match_candidates(*, request: PrivacyRequest) -> list[MatchCandidate]:
    """The records an ambiguous match found, each with what matched, for staff to decide which one (if
    any) the requester is (requests_app.verify records them; the request's status says nothing of it)."""
    event = (
        RequestEvent.objects.filter(request=request, name="requests.verification.candidates")
        .order_by("-pk")
        .first()
    )
    if event is None:
        return []
    rows = event.data.get("candidates", [])
    consumers = Consumer.objects.filter(
        pk__in=[row["consumer"] for row in rows], erased_at__isnull=True
    ).only("pk", "first_name", "last_name", "email", "member_number")
    by_pk = {c.pk: c for c in consumers}
    return [
        MatchCandidate(
            consumer_id=row["consumer"],
            matched=[str(MATCH_POINT_LABELS.get(p, p)) for p in row["points"]],
            consumer=by_pk.get(row["consumer"]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class CorrectionEvidence:
    case: CorrectionCase
    items: list[CorrectionItem]
    documents: list[CorrectionDocument]

    @property
    def flagged(self) -> list[CorrectionItem]:
        """Items of withheld types: the requester said only that the value is wrong."""
        return [i for i in self.items if i.value_withheld]


def request_correction(*, request: PrivacyRequest) -> CorrectionEvidence | None:
    if request.kind != Kind.CORRECT:
        return None
    case = CorrectionCase.objects.filter(request=request).select_related("decided_by").first()
    if case is None:
        return None
    items = list(case.items.select_related("system", "point_type", "data_point").order_by("pk"))
    return CorrectionEvidence(case=case, items=items, documents=list(case.documents.order_by("pk")))


def request_system_runs(*, request: PrivacyRequest) -> list[SystemRun]:
    """Each external system's run for the request (export for a report, erase for a deletion)."""
    return system_selectors.request_system_runs(request=request)


# --- actions ---------------------------------------------------------------------------------------------


def _authorization(request: PrivacyRequest) -> AgentAuthorization:
    authorization = AgentAuthorization.objects.filter(submission_id=request.submission_id).first()
    if authorization is None:
        raise RequestError(_("This request was not made by an authorized agent."), code="no_agent")
    return authorization


def agent_document_decide(
    *, request: PrivacyRequest, actor, accepted: bool, note: str = ""
) -> AgentAuthorization:
    """Accept or reject the agent's permission document (a rejection denies the requests still open)."""
    require_action(actor, Action.REVIEW_AGENT_DOCUMENT)
    authorization = _authorization(request)
    if request.is_closed:
        raise RequestError(_("This request is closed."), code="closed")
    if authorization.review != AgentAuthorization.Review.PENDING:
        raise RequestError(
            _("The document was already reviewed (%(review)s).")
            % {"review": authorization.get_review_display().lower()},
            code="already_reviewed",
        )
    if not accepted and not note.strip():
        raise RequestError(_("Say why the document is rejected; it is recorded."), code="missing_text")
    return agents.agent_document_review(
        authorization=authorization, actor=actor, accepted=accepted, note=note.strip()
    )


def _notice(request: PrivacyRequest, notice_id: int) -> ProcessorNotice:
    notice = ProcessorNotice.objects.filter(pk=notice_id, request=request).select_related("recipient").first()
    if notice is None:
        raise RequestError(_("That notice does not belong to this request."), code="no_notice")
    return notice


def processor_confirmation_record(
    *, request: PrivacyRequest, actor, notice_id: int, outcome: str, note: str
) -> ProcessorNotice:
    """A confirmation that arrived another way (an e-mail reply, a portal screenshot), with a note."""
    require_action(actor, Action.RECORD_PROCESSOR_CONFIRMATION)
    notice = _notice(request, notice_id)
    note = note.strip()
    if not note:
        raise RequestError(_("Say how the recipient confirmed; it is recorded."), code="missing_text")
    try:
        recorded = processors.processor_notice_confirm_by_staff(
            notice_id=notice.pk, actor=actor, note=note, outcome=outcome
        )
    except processors.ProcessorError as exc:
        raise RequestError(
            _("The confirmation could not be recorded (%(code)s).") % {"code": exc.code}
        ) from None
    if not recorded:
        raise RequestError(_("This notice was already confirmed."), code="already_confirmed")
    return notice


def processor_notice_send_again(*, request: PrivacyRequest, actor, notice_id: int) -> ProcessorNotice:
    """Send a notice that could not be delivered again (after the recipient's address was fixed)."""
    require_action(actor, Action.RESEND_PROCESSOR_NOTICE)
    notice = _notice(request, notice_id)
    if notice.status != ProcessorNotice.State.FAILED:
        raise RequestError(
            _("Only a notice that could not be delivered can be sent again; reminders follow the others."),
            code="not_failed",
        )
    processors.processor_notice_resend(notice_id=notice.pk, actor=actor)
    return notice


def correction_decision_record(
    *, request: PrivacyRequest, actor, approve: bool, notes: str, basis: str
) -> CorrectionCase:
    require_action(actor, Action.DECIDE_CORRECTION)
    if request.kind != Kind.CORRECT or not CorrectionCase.objects.filter(request=request).exists():
        raise RequestError(_("This request has no correction to decide."), code="no_correction")
    return correction.correction_decide(
        request=request, actor=actor, approve=approve, notes=notes, basis=basis
    )


def correction_document_download(
    *, request: PrivacyRequest, actor, document_id: int
) -> tuple[CorrectionDocument, bytes] | None:
    if request.kind != Kind.CORRECT:
        return None
    return correction.correction_document_fetch(request=request, document_id=document_id, actor=actor)


def _run(request: PrivacyRequest, run_id: int) -> SystemRun:
    run = SystemRun.objects.filter(pk=run_id, request=request).select_related("system").first()
    if run is None:
        raise RequestError(_("That system run does not belong to this request."), code="no_run")
    return run


def system_run_skip_record(*, request: PrivacyRequest, actor, run_id: int, reason: str) -> SystemRun:
    """An approver closes a system that has not answered, saying why (audited; for a deletion the reason
    is shown to the requester in the response)."""
    require_action(actor, Action.SKIP_SYSTEM)
    run = _run(request, run_id)
    systems.system_run_skip(run_id=run.pk, actor=actor, reason=reason)
    return run


def system_run_retry_record(*, request: PrivacyRequest, actor, run_id: int) -> SystemRun:
    require_action(actor, Action.RETRY_SYSTEM)
    run = _run(request, run_id)
    systems.system_run_retry(run_id=run.pk, actor=actor)
    return run
