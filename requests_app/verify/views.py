"""The verification pages: session-based, no reference or personal data in any URL.

`verify` takes the code sent to the typed address: the session of a fresh submission needs only the
code; anyone else types reference, e-mail and code. Until that code is right, what these pages show
does not depend on our records. `verify_next` (declaration, second code, outcome) needs the session
that proved the code.
"""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from requests_app.forms import CodeForm
from requests_app.models import PrivacyRequest, Status, VerificationState
from requests_app.verify import services as flow
from requests_app.verify.forms import DeclarationForm, VerifyLookupForm
from requests_app.web import client_ip, rate_limited, submitted_ids
from verification.exceptions import VerificationError

PROVEN_KEY = "verify_proven"

Step = VerificationState.Step


def _session_submission_id(request) -> int | None:
    """The submission this browser just made, while any of its requests waits for verification."""
    ids = submitted_ids(request)
    first = PrivacyRequest.objects.filter(pk__in=ids).order_by("pk").first()
    if first is None or not first.submission.requests.filter(status=Status.AWAITING_VERIFICATION).exists():
        return None
    return first.submission_id


@require_http_methods(["GET", "POST"])
def verify(request):
    submission_id = _session_submission_id(request)
    form_class = CodeForm if submission_id else VerifyLookupForm
    form = form_class(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "verify", "30/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            if submission_id is None:
                submission_id = flow.verification_submission_for_reference(
                    reference=form.cleaned_data["reference"], email=form.cleaned_data["email"]
                )
            try:
                flow.verification_typed_code_check(
                    submission_id=submission_id, code=form.cleaned_data["code"], ip=client_ip(request)
                )
            except VerificationError as exc:
                form.add_error("code" if exc.code == "wrong_code" else None, exc.message)
            else:
                request.session.cycle_key()
                request.session[PROVEN_KEY] = submission_id
                return redirect("requests_app:verify_next")
    return render(
        request,
        "requests_app/verification/verify.html",
        {"form": form, "needs_reference": form_class is VerifyLookupForm},
    )


@require_POST
def verify_resend(request):
    if not rate_limited(request, "verify-resend", "10/h"):
        proven = request.session.get(PROVEN_KEY)
        submission_id = proven or _session_submission_id(request)
        if submission_id is not None:
            try:
                flow.verification_code_resend(submission_id=submission_id)
            except VerificationError:
                pass  # the page says the same either way; the limit is in the e-mail count
    return redirect("requests_app:verify_next" if request.session.get(PROVEN_KEY) else "requests_app:verify")


@require_http_methods(["GET", "POST"])
def verify_next(request):
    submission_id = request.session.get(PROVEN_KEY)
    state = (
        VerificationState.objects.select_related("submission").filter(submission_id=submission_id).first()
        if submission_id
        else None
    )
    if state is None or state.step == Step.TYPED_CODE:
        request.session.pop(PROVEN_KEY, None)
        return redirect("requests_app:verify")
    if state.step == Step.DECLARATION:
        return _declaration(request, state)
    if state.step == Step.CONTACT_CODE:
        return _contact_code(request, state)
    requests = list(state.submission.requests.order_by("pk"))
    return render(
        request,
        "requests_app/verification/outcome.html",
        {
            "state": state,
            "rows": [{"request": r, "text": flow.request_outcome_text(r)} for r in requests],
        },
    )


def _declaration(request, state: VerificationState):
    form = DeclarationForm(request.POST or None)
    if request.method == "POST":
        if "skip" in request.POST:
            flow.verification_declaration_skip(submission_id=state.submission_id)
            return redirect("requests_app:verify_next")
        if form.is_valid():
            try:
                flow.verification_declaration_sign(
                    submission_id=state.submission_id,
                    signed_name=form.cleaned_data["signed_name"],
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except VerificationError as exc:
                form.add_error("signed_name", exc.message)
            else:
                return redirect("requests_app:verify_next")
    return render(
        request,
        "requests_app/verification/declaration.html",
        {"form": form, "statement": flow.DECLARATION_TEXT},
    )


def _contact_code(request, state: VerificationState):
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "verify", "30/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            try:
                flow.verification_contact_code_check(
                    submission_id=state.submission_id, code=form.cleaned_data["code"], ip=client_ip(request)
                )
            except VerificationError as exc:
                form.add_error("code" if exc.code == "wrong_code" else None, exc.message)
            else:
                return redirect("requests_app:verify_next")
    return render(
        request,
        "requests_app/verification/contact_code.html",
        {"form": form, "channel": state.contact_channel},
    )
