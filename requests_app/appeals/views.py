"""The appeal page: reached from the status page, behind the same one-time code."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from requests_app.appeals import services
from requests_app.appeals.forms import AppealForm
from requests_app.exceptions import RequestError
from requests_app.web import status_request


@require_http_methods(["GET", "POST"])
def appeal_new(request):
    privacy_request = status_request(request)
    if privacy_request is None:
        return redirect("requests_app:status_lookup")
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_submit(request_id=privacy_request.pk, statement=form.cleaned_data["statement"])
        except RequestError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("We received your appeal and e-mailed you a confirmation."))
            return redirect("requests_app:status_view")
    return render(
        request,
        "requests_app/appeals/appeal_form.html",
        {
            "form": form,
            "privacy_request": privacy_request,
            "last_day": services.appeal_deadline(privacy_request),
            "open": services.appeal_window_open(privacy_request),
        },
    )
