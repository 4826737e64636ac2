from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from . import selectors, services
from .forms import CodeForm, RequestForm, StatusLookupForm
from .models import Kind
from .session_access import session_access_grant, session_access_id

SUBMITTED_KEY = "submitted_request_ids"
STATUS_PENDING_KEY = "status_pending"
STATUS_ACCESS_KEY = "status_access"


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _limited(request, group: str, rate: str) -> bool:
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)


def home(request):
    return render(request, "requests_app/home.html", {"kinds": Kind.choices})


@require_http_methods(["GET", "POST"])
def request_new(request):
    if request.method == "POST":
        form = RequestForm(request.POST)
        if _limited(request, "intake", "30/h"):
            form.add_error(None, _("Too many requests from your network. Please wait an hour and try again."))
        elif form.is_valid():
            created = services.privacy_request_submit(
                kinds=form.cleaned_data["kinds"],
                requester=form.requester(),
                language=request.LANGUAGE_CODE,
                ip=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
            request.session[SUBMITTED_KEY] = [r.pk for r in created]
            return redirect("requests_app:submitted")
    else:
        preselected = [k for k in request.GET.getlist("kind") if k in Kind.values]
        form = RequestForm(initial={"kinds": preselected})
    return render(request, "requests_app/request_form.html", {"form": form, "kinds": Kind.choices})


def submitted(request):
    ids = request.session.get(SUBMITTED_KEY)
    if not ids:
        return redirect("requests_app:request_new")
    return render(request, "requests_app/submitted.html", {"requests": selectors.requests_by_ids(ids)})


@require_http_methods(["GET", "POST"])
def status_lookup(request):
    form = StatusLookupForm(request.POST or None)
    if request.method == "POST":
        if _limited(request, "status", "10/15m"):
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
        if _limited(request, "status-code", "20/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            verified = services.status_code_verify(
                request_id=request.session.get(STATUS_PENDING_KEY), code=form.cleaned_data["code"]
            )
            if verified:
                request.session.pop(STATUS_PENDING_KEY, None)
                session_access_grant(request.session, STATUS_ACCESS_KEY, verified.pk)
                return redirect("requests_app:status_view")
            form.add_error("code", _("That code is not right, has expired or was used. Ask for a new one."))
    return render(request, "requests_app/status_code.html", {"form": form})


def status_view(request):
    request_id = session_access_id(request.session, STATUS_ACCESS_KEY)
    if request_id is None:
        return redirect("requests_app:status_lookup")
    privacy_request = selectors.request_for_status(request_id=request_id)
    return render(
        request,
        "requests_app/status_view.html",
        {
            "privacy_request": privacy_request,
            "siblings": selectors.requests_by_ids(
                list(privacy_request.submission.requests.values_list("pk", flat=True))
            ),
            "events": selectors.public_timeline(request=privacy_request),
        },
    )
