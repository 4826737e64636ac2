"""The status page: reference + e-mail, then the one-time code sent to that e-mail, then the status."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from requests_app import selectors
from requests_app.forms import CodeForm, StatusLookupForm
from requests_app.session_access import session_access_grant
from requests_app.status import services
from requests_app.web import STATUS_ACCESS_KEY, STATUS_PENDING_KEY, rate_limited, status_grant

# Where an e-mail's link leads once the code is proven (`?step=` names a step, never a person).
NEXT_STEPS = {"report": "report", "correction": "correction", "deletion": "deletion"}
STATUS_NEXT_KEY = "status_next_step"


def _next_step_redirect(request, verified):
    step = request.session.pop(STATUS_NEXT_KEY, None)
    if step == "report":
        return redirect("requests_app:report_download")
    if step == "correction":
        correction = verified.submission.requests.filter(kind="correct").first()
        if correction is not None:
            return redirect("requests_app:correction_details", correction.reference)
    if step == "deletion":
        return redirect("requests_app:deletion_confirm")
    return redirect("requests_app:status_view")


@require_http_methods(["GET", "POST"])
def status_lookup(request):
    if request.method == "GET" and request.GET.get("step") in NEXT_STEPS:
        request.session[STATUS_NEXT_KEY] = NEXT_STEPS[request.GET["step"]]
    form = StatusLookupForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "status", "10/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            found = services.status_code_send(
                reference=form.cleaned_data["reference"], email=form.cleaned_data["email"]
            )
            # Same next page whether or not the details matched: a reference proves nothing on its own.
            request.session[STATUS_PENDING_KEY] = found.pk if found else None
            request.session.pop(STATUS_ACCESS_KEY, None)
            return redirect("requests_app:status_code")
    return render(request, "requests_app/status_lookup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def status_code(request):
    if STATUS_PENDING_KEY not in request.session:
        return redirect("requests_app:status_lookup")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "status-code", "20/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            verified = services.status_code_verify(
                request_id=request.session.get(STATUS_PENDING_KEY), code=form.cleaned_data["code"]
            )
            if verified:
                request.session.pop(STATUS_PENDING_KEY, None)
                step = request.session.get(STATUS_NEXT_KEY)
                # One grant for the submission's status, downloads and next steps (issue 15, item 7).
                session_access_grant(
                    request.session,
                    STATUS_ACCESS_KEY,
                    verified.pk,
                    on_record=services.status_code_went_to_record(request=verified),
                )
                if step:  # cycle_key() keeps the session's data; said again for clarity
                    request.session[STATUS_NEXT_KEY] = step
                return _next_step_redirect(request, verified)
            form.add_error("code", _("That code is not right, has expired or was used. Ask for a new one."))
    return render(request, "requests_app/status_code.html", {"form": form})


def status_view(request):
    grant = status_grant(request)
    if grant is None:
        return redirect("requests_app:status_lookup")
    privacy_request = selectors.request_for_status(request_id=grant.object_id)
    return render(
        request,
        "requests_app/status_view.html",
        {
            "privacy_request": privacy_request,
            "siblings": selectors.requests_by_ids(
                list(privacy_request.submission.requests.values_list("pk", flat=True))
            ),
            "events": selectors.public_timeline(request=privacy_request),
            "access_minutes": grant.minutes_left,
            "access_on_record": grant.on_record,
        },
    )
