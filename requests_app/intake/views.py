"""Intake: the home page, the request form and the page that confirms a submission."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from requests_app import selectors
from requests_app.intake import services
from requests_app.intake.forms import RequestForm
from requests_app.models import kinds_offered
from requests_app.web import client_ip, rate_limited, submitted_ids, submitted_remember


def home(request):
    return render(request, "requests_app/home.html", {"kinds": kinds_offered()})


@require_http_methods(["GET", "POST"])
def request_new(request):
    if request.method == "POST":
        form = RequestForm(request.POST)
        if rate_limited(request, "intake", "30/h"):
            form.add_error(None, _("Too many requests from your network. Please wait an hour and try again."))
        elif form.is_valid():
            created = services.privacy_request_submit(
                kinds=form.cleaned_data["kinds"],
                requester=form.requester(),
                regime=form.cleaned_data["residency"],
                data_range=form.data_range(),
                language=request.LANGUAGE_CODE,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
            response = redirect("requests_app:submitted")
            submitted_remember(response, [r.pk for r in created])
            return response
    else:
        preselected = [k for k in request.GET.getlist("kind") if k in dict(kinds_offered())]
        form = RequestForm(initial={"kinds": preselected})
    return render(request, "requests_app/request_form.html", {"form": form, "kinds": kinds_offered()})


def submitted(request):
    ids = submitted_ids(request)
    if not ids:
        return redirect("requests_app:request_new")
    return render(request, "requests_app/submitted.html", {"requests": selectors.requests_by_ids(ids)})
