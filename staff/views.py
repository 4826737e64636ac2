"""The staff UI. Views parse, ask `staff_request_get`/`require_action`, call one service, then render or
redirect. Every change is a confirmed POST with CSRF; every opening of a request page is audited."""

import csv
import logging
import time
from datetime import datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from records.selectors import consumer_known_under_16
from requests_app import deadlines
from requests_app.agents import services as agents
from requests_app.exceptions import RequestError
from requests_app.models import MANUAL_KINDS, AgentAuthorization, Status
from requests_app.regimes import Regime

from . import appeals, evidence, metrics, mfa, selectors, services
from .exceptions import StaffError
from .forms import (
    AgentDocumentAcceptForm,
    AgentDocumentRejectForm,
    AppealDecideForm,
    ApproveForm,
    AssignForm,
    BulkAssignForm,
    ConfirmedForm,
    CorrectionDecideForm,
    DenyForm,
    ExtendForm,
    InfoRequestForm,
    LogExportForm,
    LowerProposeForm,
    ManualCompleteForm,
    MfaCodeForm,
    NoteForm,
    ProcessorConfirmForm,
    ProcessorNoticeForm,
    QueueFilterForm,
    SystemRunForm,
    SystemSkipForm,
)
from .panels import EVIDENCE_PANELS
from .permissions import Action, require_action, staff_request_get, user_actions, user_can

logger = logging.getLogger(__name__)
LAST_SEEN_KEY = "staff_last_seen"


def _signed_in_response(request):
    """A redirect to the sign-in page if the user is not signed in or has been idle too long, else None."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    now = time.time()
    last = request.session.get(LAST_SEEN_KEY)
    if last is not None and now - last > settings.STAFF_IDLE_MINUTES * 60:
        logout(request)
        messages.info(request, _("You were signed out after a period of inactivity."))
        return redirect_to_login(request.get_full_path())
    if last is None or now - last > 60:  # write the session at most once a minute
        request.session[LAST_SEEN_KEY] = now
    return None


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def staff_view(view):
    """Signed in, not idle for longer than STAFF_IDLE_MINUTES, holding at least one staff role, and, for
    those who need it (staff/mfa.py), verified by a second factor in this session."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = _signed_in_response(request)
        if response is not None:
            return response
        if not user_actions(request.user):
            raise PermissionDenied
        if mfa.mfa_required(request.user) and not request.user.is_verified():
            return redirect(_with_next("staff:mfa", request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper


class StaffLoginView(LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = False

    def post(self, request, *args, **kwargs):
        if is_ratelimited(
            request, group="staff-login", key="ip", rate="10/15m", method="POST", increment=True
        ):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
            return self.form_invalid(form)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[LAST_SEEN_KEY] = time.time()
        return response

    def get_default_redirect_url(self):
        return reverse("staff:queue")

    def get_success_url(self):
        url = super().get_success_url()
        if mfa.mfa_required(self.request.user):
            return _with_next("staff:mfa", url)
        return url


class StaffLogoutView(LogoutView):
    next_page = "staff:login"


# --- Second factor (staff/mfa.py) ----------------------------------------------------------------
def _next_url(request) -> str:
    """The page to go on to once verified: a same-site path from `next`, else the queue."""
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("staff:queue")


def mfa_pending_view(view):
    """Signed in with a password, not yet verified, and someone MFA is for; the others go on."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = _signed_in_response(request)
        if response is not None:
            return response
        if not mfa.mfa_required(request.user) or request.user.is_verified():
            return redirect(_next_url(request))
        return view(request, *args, **kwargs)

    return wrapper


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@mfa_pending_view
def mfa_verify(request):
    next_url = _next_url(request)
    if mfa.totp_device_confirmed(request.user) is None:
        return redirect(_with_next("staff:mfa_enrol", next_url))
    form = MfaCodeForm(request.POST or None)
    if form.is_valid():
        try:
            mfa.mfa_verify(request=request, token=form.cleaned_data["code"])
        except StaffError as exc:
            form.add_error("code", exc.message)
        else:
            return redirect(next_url)
    return render(request, "staff/mfa/verify.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
@mfa_pending_view
def mfa_enrol(request):
    next_url = _next_url(request)
    if mfa.totp_device_confirmed(request.user) is not None:
        return redirect(_with_next("staff:mfa", next_url))  # a second device needs the first one
    device = mfa.totp_enrolment_start(user=request.user)
    form = MfaCodeForm(request.POST or None)
    if form.is_valid():
        try:
            codes = mfa.totp_enrolment_confirm(request=request, token=form.cleaned_data["code"])
        except StaffError as exc:
            form.add_error("code", exc.message)
        else:
            return _no_store(
                render(request, "staff/mfa/recovery_codes.html", {"codes": codes, "next": next_url})
            )
    context = {"form": form, "next": next_url, **mfa.totp_setup_details(device)}
    return _no_store(render(request, "staff/mfa/enrol.html", context))


@require_http_methods(["GET", "POST"])
@staff_view
def mfa_recovery_codes(request):
    if not mfa.mfa_required(request.user):
        raise PermissionDenied
    form = MfaCodeForm(request.POST or None)
    if form.is_valid():
        try:
            codes = mfa.recovery_codes_regenerate(user=request.user, token=form.cleaned_data["code"])
        except StaffError as exc:
            form.add_error("code", exc.message)
        else:
            return _no_store(
                render(
                    request,
                    "staff/mfa/recovery_codes.html",
                    {"codes": codes, "next": reverse("staff:queue"), "regenerated": True},
                )
            )
    return render(request, "staff/mfa/regenerate.html", {"form": form})


def _can(user) -> dict[str, bool]:
    actions = user_actions(user)
    return {a.value: a in actions for a in Action}


def _today():
    return deadlines.local_date(timezone.now())


# --- Queue --------------------------------------------------------------------------------------------
@require_GET
@staff_view
def queue(request):
    require_action(request.user, Action.VIEW_QUEUE)
    assignees = list(selectors.staff_assignees())
    form = QueueFilterForm(
        request.GET or None,
        can_search_email=user_can(request.user, Action.SEARCH_EMAIL),
        assignees=assignees,
    )
    filters = form.filters()
    today = _today()
    rows, cursor = selectors.queue_page(filters=filters, user=request.user, today=today)
    if filters.email:
        # A search by e-mail looks into personal data: it is recorded on each request it found.
        for row in rows:
            services.request_view_record(request=row, actor=request.user, personal_data=True)
    counts = selectors.status_counts()
    params = request.GET.copy()
    params.pop("after", None)
    next_url = None
    if cursor:
        params["after"] = cursor
        next_url = f"?{params.urlencode()}"
    params.pop("after", None)
    return render(
        request,
        "staff/queue.html",
        {
            "form": form,
            "rows": rows,
            "today": today,
            "counts": [(value, label, counts[value]) for value, label in Status.choices],
            "next_url": next_url,
            "first_url": f"?{params.urlencode()}" if filters.after else None,
            "assignees": assignees,
            "detail_base": reverse("staff:requests"),
            "can": _can(request.user),
        },
    )


@require_POST
@staff_view
def bulk_assign(request):
    require_action(request.user, Action.ASSIGN)
    form = BulkAssignForm(request.POST)
    if form.is_valid():
        try:
            n = services.requests_bulk_assign(
                references=form.cleaned_data["references"],
                actor=request.user,
                assignee=form.cleaned_data["assignee"],
            )
            messages.success(request, _("%(n)d request(s) assigned.") % {"n": n})
        except RequestError as exc:
            messages.error(request, exc.message)
    else:
        _form_errors(request, form)
    return redirect(request.POST.get("back") if _safe_back(request) else "staff:queue")


def _safe_back(request) -> bool:
    back = request.POST.get("back", "")
    return back.startswith("/staff/") and "//" not in back


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# --- A request ------------------------------------------------------------------------------------------
@require_GET
@staff_view
def request_detail(request, reference: str):
    privacy_request = staff_request_get(request.user, reference, Action.VIEW_QUEUE)
    personal = user_can(request.user, Action.VIEW_PERSONAL_DATA)
    services.request_view_record(request=privacy_request, actor=request.user, personal_data=personal)
    appeal = getattr(privacy_request, "appeal", None)
    return render(
        request,
        "staff/request_detail.html",
        {
            "privacy_request": privacy_request,
            "submission": privacy_request.submission if personal else None,
            "events": selectors.request_timeline(request=privacy_request),
            "lowering": selectors.pending_lowering(request=privacy_request),
            "appeal": appeal,
            "evidence_panels": EVIDENCE_PANELS,
            "today": _today(),
            "can": _can(request.user),
            "forms": {
                "approve": ApproveForm(),
                "deny": DenyForm(privacy_request=privacy_request),
                "extend": ExtendForm(),
                "assign": AssignForm(
                    initial={"assignee": privacy_request.assignee_id}, auto_id="id_assign_%s"
                ),
                "note": NoteForm(),
                "info": InfoRequestForm(),
                "lower": LowerProposeForm(),
                "confirm": ConfirmedForm(),
                "processor_confirm": ProcessorConfirmForm(),
                "correction": CorrectionDecideForm(),
                "system_skip": SystemSkipForm(),
                "manual": ManualCompleteForm(auto_id="id_manual_%s"),
            },
            "manual_kind": privacy_request.kind in MANUAL_KINDS,
            # Whether the matched consumer is a minor is itself about the person: only for roles that see it.
            "known_under_16": personal
            and privacy_request.consumer_id is not None
            and consumer_known_under_16(privacy_request.consumer),
        },
    )


def _approve(r, form, user):
    services.staff_request_approve(request=r, actor=user, reason=form.cleaned_data["reason"])
    return _("Approved; fulfilment has started.")


def _deny(r, form, user):
    services.request_deny(
        request=r, actor=user, template=form.cleaned_data["template"], text=form.cleaned_data["text"]
    )
    return _("Denied; the requester has been e-mailed the reason and how to appeal.")


def _extend(r, form, user):
    services.request_extend(request=r, actor=user, reason=form.cleaned_data["reason"])
    return _("Extended to %(date)s; the requester has been told why.") % {
        "date": r.extended_due_at.strftime("%B %-d, %Y")
    }


def _assign(r, form, user):
    services.request_assign(request=r, actor=user, assignee=form.cleaned_data["assignee"])
    return _("Assignment saved.")


def _note(r, form, user):
    services.request_note_add(request=r, actor=user, text=form.cleaned_data["text"])
    return _("Note added.")


def _info(r, form, user):
    services.request_info_ask(request=r, actor=user, message=form.cleaned_data["message"])
    return _("Question sent to the requester.")


def _rerun(r, form, user):
    services.request_fulfilment_rerun(request=r, actor=user)
    return _("Fulfilment enqueued again.")


def _manual_complete(r, form, user):
    services.request_manual_complete(request=r, actor=user, notes=form.cleaned_data["notes"])
    return _("Request completed; what was done is recorded.")


def _lower_propose(r, form, user):
    services.verification_lowering_propose(
        request=r, actor=user, level=form.cleaned_data["level"], reason=form.cleaned_data["reason"]
    )
    return _("Proposal recorded; a second approver must confirm it.")


def _lower_confirm(r, form, user):
    services.verification_lowering_confirm(request=r, actor=user)
    return _("Lower verification confirmed.")


def _lower_withdraw(r, form, user):
    services.verification_lowering_withdraw(request=r, actor=user)
    return _("Proposal withdrawn.")


def _agent_accept(r, form, user):
    evidence.agent_document_decide(request=r, actor=user, accepted=True, note=form.cleaned_data["note"])
    return _("The agent's document is accepted.")


def _agent_reject(r, form, user):
    evidence.agent_document_decide(request=r, actor=user, accepted=False, note=form.cleaned_data["note"])
    return _("The agent's document is rejected; the requests still open are denied.")


def _processor_confirm(r, form, user):
    notice = evidence.processor_confirmation_record(
        request=r,
        actor=user,
        notice_id=form.cleaned_data["notice"],
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    return _("Confirmation by %(recipient)s recorded.") % {"recipient": notice.recipient.name}


def _processor_resend(r, form, user):
    notice = evidence.processor_notice_send_again(
        request=r, actor=user, notice_id=form.cleaned_data["notice"]
    )
    return _("The notice to %(recipient)s is being sent again.") % {"recipient": notice.recipient.name}


def _correction_decide(r, form, user):
    approve = form.cleaned_data["decision"] == "approve"
    evidence.correction_decision_record(
        request=r,
        actor=user,
        approve=approve,
        notes=form.cleaned_data["notes"],
        basis=form.cleaned_data["basis"],
    )
    if approve:
        return _("Correction approved; the records are corrected and recipients instructed.")
    return _("Correction denied; the requester has been told the basis.")


def _system_skip(r, form, user):
    run = evidence.system_run_skip_record(
        request=r, actor=user, run_id=form.cleaned_data["run"], reason=form.cleaned_data["reason"]
    )
    return _("%(system)s is skipped; the reason is recorded.") % {"system": run.system.name}


def _system_retry(r, form, user):
    run = evidence.system_run_retry_record(request=r, actor=user, run_id=form.cleaned_data["run"])
    return _("%(system)s is being tried again.") % {"system": run.system.name}


ACTIONS = {
    "approve": (Action.APPROVE, ApproveForm, _approve),
    "deny": (Action.DENY, DenyForm, _deny),
    "extend": (Action.EXTEND, ExtendForm, _extend),
    "assign": (Action.ASSIGN, AssignForm, _assign),
    "note": (Action.NOTE, NoteForm, _note),
    "request-info": (Action.REQUEST_INFO, InfoRequestForm, _info),
    "rerun": (Action.RERUN_FULFILMENT, ConfirmedForm, _rerun),
    "manual-complete": (Action.APPROVE, ManualCompleteForm, _manual_complete),
    "lower-propose": (Action.LOWER_VERIFICATION, LowerProposeForm, _lower_propose),
    "lower-confirm": (Action.LOWER_VERIFICATION, ConfirmedForm, _lower_confirm),
    "lower-withdraw": (Action.LOWER_VERIFICATION, ConfirmedForm, _lower_withdraw),
    "agent-document-accept": (Action.REVIEW_AGENT_DOCUMENT, AgentDocumentAcceptForm, _agent_accept),
    "agent-document-reject": (Action.REVIEW_AGENT_DOCUMENT, AgentDocumentRejectForm, _agent_reject),
    "processor-confirm": (Action.RECORD_PROCESSOR_CONFIRMATION, ProcessorConfirmForm, _processor_confirm),
    "processor-resend": (Action.RESEND_PROCESSOR_NOTICE, ProcessorNoticeForm, _processor_resend),
    "correction-decide": (Action.DECIDE_CORRECTION, CorrectionDecideForm, _correction_decide),
    "system-skip": (Action.SKIP_SYSTEM, SystemSkipForm, _system_skip),
    "system-retry": (Action.RETRY_SYSTEM, SystemRunForm, _system_retry),
}


@require_POST
@staff_view
def request_action(request, reference: str, action: str):
    if action not in ACTIONS:
        raise Http404
    permission, form_class, handler = ACTIONS[action]
    privacy_request = staff_request_get(request.user, reference, permission)
    form = form_class(request.POST, privacy_request=privacy_request)
    if form.is_valid():
        try:
            messages.success(request, handler(privacy_request, form, request.user))
        except RequestError as exc:
            messages.error(request, exc.message)
    else:
        _form_errors(request, form)
    return redirect("staff:request_detail", reference=privacy_request.reference)


def attachment_response(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """A staff download: only ever an attachment that a browser will not render, sniff or cache."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store, private"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_GET
@staff_view
def correction_document(request, reference: str, document_id: int):
    """A correction's supporting document, for roles that may see personal data; every download is logged."""
    privacy_request = staff_request_get(request.user, reference, Action.VIEW_PERSONAL_DATA)
    found = evidence.correction_document_download(
        request=privacy_request, actor=request.user, document_id=document_id
    )
    if found is None:
        raise Http404
    document, content = found
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        document.content_type, ""
    )
    return attachment_response(
        content, content_type=document.content_type, filename=f"correction-document-{document.pk}{extension}"
    )


@require_GET
@staff_view
def agent_document(request, reference: str):
    """The sanitised document of the agent who filed `reference`, for roles that may see personal data,
    only ever as a sandboxed attachment; every download is logged."""
    privacy_request = staff_request_get(request.user, reference, Action.VIEW_PERSONAL_DATA)
    authorization = AgentAuthorization.objects.filter(submission_id=privacy_request.submission_id).first()
    if authorization is None or not authorization.document_storage_name:
        raise Http404
    content = agents.agent_document_fetch(authorization=authorization, actor=request.user)
    return attachment_response(
        content,
        content_type=authorization.document_content_type,
        filename=authorization.document_display_name or "document",
    )


# --- Appeals ------------------------------------------------------------------------------------------
@require_GET
@staff_view
def appeal_queue(request):
    require_action(request.user, Action.VIEW_QUEUE)
    decided = request.GET.get("decided") == "1"
    return render(
        request,
        "staff/appeals/queue.html",
        {"appeals": selectors.appeal_queue(decided=decided), "decided": decided, "today": _today()},
    )


@require_POST
@staff_view
def appeal_decide(request, reference: str):
    privacy_request = staff_request_get(request.user, reference, Action.DECIDE_APPEAL)
    appeal = getattr(privacy_request, "appeal", None)
    if appeal is None:
        raise Http404
    form = AppealDecideForm(request.POST)
    if form.is_valid():
        try:
            appeals.appeal_decide(
                appeal=appeal,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                explanation=form.cleaned_data["explanation"],
            )
            messages.success(request, _("Appeal decided; the requester has been e-mailed."))
        except RequestError as exc:
            messages.error(request, exc.message)
    else:
        _form_errors(request, form)
    return redirect("staff:request_detail", reference=privacy_request.reference)


# --- Metrics and the request log --------------------------------------------------------------------
@require_GET
@staff_view
def metrics_page(request):
    require_action(request.user, Action.VIEW_METRICS)
    years = metrics.metrics_years() or [timezone.now().year]
    year = _year(request, years)
    rows = metrics.metrics_for_year(year)
    total = metrics.metrics_total(rows)
    regime_rows = metrics.metrics_by_regime(year)
    reasons = [(label, total.denied_by_reason.get(code, 0)) for code, label in metrics.REASON_COLUMNS]
    received_chart = _chart(
        [(m.label, m.received, f"{m.received} ({m.complied} complied, {m.denied} denied)") for m in rows]
    )
    reason_chart = _chart([(label, n, str(n)) for label, n in reasons])
    return render(
        request,
        "staff/metrics.html",
        {
            "year": year,
            "years": years,
            "rows": rows,
            "total": total,
            "regime_rows": regime_rows,
            "reason_columns": metrics.REASON_COLUMNS,
            "received_chart": received_chart,
            "reason_chart": reason_chart,
            "can": _can(request.user),
        },
    )


def _chart(items: list[tuple[str, int, str]], *, row: int = 22, bar_width: int = 460) -> dict:
    """Geometry for a horizontal SVG bar chart, computed here: the page carries no script or style."""
    widest = max([value for _, value, _ in items] + [1])
    bars = [
        {"label": label, "y": i * row, "width": round(bar_width * value / widest), "text": text}
        for i, (label, value, text) in enumerate(items)
    ]
    return {"bars": bars, "height": row * len(items)}


def _year(request, years: list[int]) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return years[-1]
    return year if 2000 <= year <= 2100 else years[-1]


class _Echo:
    def write(self, value):
        return value


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(r) for r in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@staff_view
def metrics_csv(request):
    require_action(request.user, Action.VIEW_METRICS)
    year = _year(request, [timezone.now().year])
    regime = request.GET.get("regime", "")
    if regime not in Regime.values:
        regime = ""
    name = f"request-metrics-{year}-{regime}.csv" if regime else f"request-metrics-{year}.csv"
    return _csv_response(metrics.metrics_csv_rows(year, regime or None), name)


@require_GET
@staff_view
def request_log_csv(request):
    require_action(request.user, Action.EXPORT_LOG)
    form = LogExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("Dates must look like 2025-01-31."), status=400, content_type="text/plain")
    tz = ZoneInfo(settings.TIME_ZONE)
    today = _today()
    end_day = form.cleaned_data["end"] or today
    start_day = form.cleaned_data["start"] or end_day.replace(year=end_day.year - 2)
    start = datetime.combine(start_day, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(end_day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    logger.info("request log exported by staff user %s", request.user.pk)
    return _csv_response(
        metrics.request_log_rows(start=start, end=end), f"request-log-{start_day}-to-{end_day}.csv"
    )
