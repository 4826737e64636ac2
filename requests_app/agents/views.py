"""Pages of the authorized-agent path: the agent's form and status, the consumer's confirmation, and the
staff download of the uploaded document."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from requests_app import selectors
from requests_app.agents import services as agents
from requests_app.agents.forms import (
    AgentRequestForm,
    AgentStatusLookupForm,
    ConfirmAnswerForm,
    ConfirmOpenForm,
    ConfirmResendForm,
)
from requests_app.forms import CodeForm
from requests_app.models import AgentAuthorization, PrivacyRequest, kinds_offered
from requests_app.session_access import session_access_grant, session_access_id
from requests_app.web import STATUS_ACCESS_KEY as CONSUMER_STATUS_KEY
from requests_app.web import client_ip, rate_limited
from verification.exceptions import VerificationError
from verification.upload_handlers import RawFileNameUploadHandler

SUBMITTED_KEY = "agent_submitted_request_ids"
STATUS_PENDING_KEY = "agent_status_pending"
STATUS_ACCESS_KEY = "agent_status_access"
CONFIRM_KEY = "agent_confirm_access"
CONFIRM_DONE_KEY = "agent_confirm_done"
# Room for the form's text fields and the multipart framing around the one file.
_FORM_OVERHEAD_BYTES = 256 * 1024


class _InMemoryUploadHandler(MemoryFileUploadHandler):
    """Django's memory handler, active whatever the size (the body was capped before parsing)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = True


def _render_form(request, form, *, status: int = 200, refusal: str = ""):
    return render(
        request,
        "requests_app/agents/agent_form.html",
        {"form": form, "kinds": kinds_offered(), "refusal": refusal},
        status=status,
    )


def _refuse_body(request, message: str, *, status: int):
    return _render_form(request, AgentRequestForm(), status=status, refusal=message)


@csrf_exempt  # CSRF is checked below, after the size check: the middleware would read the whole body first
@require_http_methods(["GET", "POST"])
def agent_new(request):
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > settings.UPLOAD_MAX_BYTES + _FORM_OVERHEAD_BYTES:
            # Refused before a byte of the body is read.
            return _refuse_body(
                request,
                _(
                    "The file is larger than %(size)d MB. Please upload a smaller file, for example a scan at a "
                    "lower resolution, a photo, or a PDF with only the pages needed."
                )
                % {"size": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
                status=413,
            )
        # The body is at most ~10 MB here: keep the unsanitised file in memory, never in a temp file.
        request.upload_handlers = [RawFileNameUploadHandler(request), _InMemoryUploadHandler(request)]
        try:
            request.POST, request.FILES  # noqa: B018  (parse now, to turn a broken body into a message)
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return _refuse_body(
                request,
                _(
                    "Your browser sent the form in a way we could not read. Please fill it in again and attach "
                    "one PDF, JPEG or PNG file."
                ),
                status=400,
            )
    return _agent_new(request)


@csrf_protect
def _agent_new(request):
    if request.method == "POST":
        form = AgentRequestForm(request.POST, request.FILES)
        if rate_limited(request, "agent-intake", "20/h"):
            form = AgentRequestForm(request.POST)
            form.add_error(None, _("Too many requests from your network. Please wait an hour and try again."))
        elif form.is_valid():
            created = agents.agent_request_submit(
                kinds=form.cleaned_data["kinds"],
                consumer=form.requester(),
                regime=form.cleaned_data["residency"],
                data_range=form.data_range(),
                agent=form.agent(),
                document_type=form.cleaned_data["document_type"],
                document=form.cleaned_data["document"],
                language=request.LANGUAGE_CODE,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
            request.session[SUBMITTED_KEY] = [r.pk for r in created]
            return redirect("requests_app:agent_submitted")
        return _render_form(request, form, status=400 if request.method == "POST" else 200)
    return _render_form(request, AgentRequestForm())


def agent_submitted(request):
    ids = request.session.get(SUBMITTED_KEY)
    if not ids:
        return redirect("requests_app:agent_new")
    return render(request, "requests_app/agents/submitted.html", {"requests": selectors.requests_by_ids(ids)})


# --- the agent's status ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def agent_status_lookup(request):
    form = AgentStatusLookupForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "agent-status", "10/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            found = agents.agent_status_code_send(
                reference=form.cleaned_data["reference"], email=form.cleaned_data["email"]
            )
            request.session[STATUS_PENDING_KEY] = found.pk if found else None
            request.session.pop(STATUS_ACCESS_KEY, None)
            return redirect("requests_app:agent_status_code")
    return render(request, "requests_app/agents/status_lookup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def agent_status_code(request):
    if STATUS_PENDING_KEY not in request.session:
        return redirect("requests_app:agent_status_lookup")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "agent-status-code", "20/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            try:
                verified = agents.agent_status_code_verify(
                    authorization_id=request.session.get(STATUS_PENDING_KEY),
                    code=form.cleaned_data["code"],
                    ip=client_ip(request),
                )
            except VerificationError as exc:
                form.add_error(None, exc.message)
                return render(request, "requests_app/agents/status_code.html", {"form": form})
            if verified:
                request.session.pop(STATUS_PENDING_KEY, None)
                session_access_grant(request.session, STATUS_ACCESS_KEY, verified.pk)
                return redirect("requests_app:agent_status_view")
            form.add_error("code", _("That code is not right, has expired or was used. Ask for a new one."))
    return render(request, "requests_app/agents/status_code.html", {"form": form})


def _agent_access(request) -> AgentAuthorization | None:
    """The authorization this browser proved to be the agent of, or None (then: back to the lookup)."""
    authorization_id = session_access_id(request.session, STATUS_ACCESS_KEY)
    return AgentAuthorization.objects.filter(pk=authorization_id).first() if authorization_id else None


def agent_status_view(request):
    authorization = _agent_access(request)
    if authorization is None:
        return redirect("requests_app:agent_status_lookup")
    requests = PrivacyRequest.objects.filter(submission_id=authorization.submission_id).order_by("pk")
    return render(
        request,
        "requests_app/agents/status_view.html",
        {
            "authorization": authorization,
            "requests": requests,
            "events": agents.agent_timeline(authorization=authorization),
        },
    )


# --- the consumer's confirmation ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def confirm_open(request):
    form = ConfirmOpenForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "agent-confirm", "10/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            try:
                authorization = agents.agent_confirmation_open(
                    reference=form.cleaned_data["reference"],
                    code=form.cleaned_data["code"],
                    ip=client_ip(request),
                )
            except VerificationError as exc:
                form.add_error(None, exc.message)
                return render(request, "requests_app/agents/confirm_open.html", {"form": form})
            if authorization:
                session_access_grant(request.session, CONFIRM_KEY, authorization.pk)
                return redirect("requests_app:confirm_answer")
            form.add_error(
                None,
                _(
                    "That reference and code do not open a request waiting for you. Check both in our e-mail; "
                    "a code works once and for %(days)d days. You can ask for a new code below."
                )
                % {"days": settings.AGENT_CONFIRMATION_DAYS},
            )
    return render(request, "requests_app/agents/confirm_open.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm_resend(request):
    form = ConfirmResendForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "agent-confirm-resend", "5/h"):
            form.add_error(None, _("Too many attempts. Please wait an hour and try again."))
        elif form.is_valid():
            agents.agent_confirmation_resend(reference=form.cleaned_data["reference"])
            return render(request, "requests_app/agents/confirm_resent.html")
    return render(request, "requests_app/agents/confirm_resend.html", {"form": form})


def _confirm_access(request) -> AgentAuthorization | None:
    authorization_id = session_access_id(request.session, CONFIRM_KEY)
    return AgentAuthorization.objects.filter(pk=authorization_id).first() if authorization_id else None


@require_http_methods(["GET", "POST"])
def confirm_answer(request):
    authorization = _confirm_access(request)
    if authorization is None:
        return redirect("requests_app:confirm_open")
    opt_in = selectors.agent_opt_in_waiting(submission_id=authorization.submission_id)
    form = ConfirmAnswerForm(request.POST or None, asks_results=opt_in is None)
    if request.method == "POST" and form.is_valid():
        outcome = agents.agent_confirmation_answer(
            authorization_id=authorization.pk,
            gave_permission=form.cleaned_data["gave_permission"] == "yes",
            agent_may_receive=form.cleaned_data.get("agent_may_receive") == "yes",
            points=form.points(),
        )
        if outcome == "retry":
            form.add_error(
                None,
                _(
                    "Those details do not match what we hold about you, or are not enough for this request. "
                    "Check them and add another (for example your date of birth, the phone number or the "
                    "address you gave us), then try again."
                ),
            )
        elif outcome == "opt_in" and opt_in is not None:
            # The code went to the address on record and a data point matched: as a status-page session
            # opened from that address, it lets this browser give the separate confirmation (Regs §7028(a)).
            request.session.pop(CONFIRM_KEY, None)
            session_access_grant(request.session, CONSUMER_STATUS_KEY, opt_in.pk, on_record=True)
            return redirect("requests_app:sale_opt_in")
        else:
            request.session.pop(CONFIRM_KEY, None)
            request.session[CONFIRM_DONE_KEY] = outcome
            return redirect("requests_app:confirm_done")
    requests = PrivacyRequest.objects.filter(submission_id=authorization.submission_id).order_by("pk")
    return render(
        request,
        "requests_app/agents/confirm_answer.html",
        {"form": form, "authorization": authorization, "requests": requests, "opt_in": opt_in},
    )


def confirm_done(request):
    outcome = request.session.pop(CONFIRM_DONE_KEY, None)
    if outcome is None:
        return redirect("requests_app:confirm_open")
    return render(request, "requests_app/agents/confirm_done.html", {"outcome": outcome})


# --- staff ---------------------------------------------------------------------------------------------
