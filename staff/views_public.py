"""The requester's side of appeals: reached from the status page, behind the same one-time code."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from requests_app.exceptions import RequestError
from requests_app.models import PrivacyRequest
from requests_app.session_access import session_access_id
from requests_app.views import STATUS_ACCESS_KEY

from . import appeals
from .forms import AppealForm


def _status_access_request(request) -> PrivacyRequest | None:
    request_id = session_access_id(request.session, STATUS_ACCESS_KEY)
    return None if request_id is None else PrivacyRequest.objects.filter(pk=request_id).first()


@require_http_methods(["GET", "POST"])
def appeal_new(request):
    privacy_request = _status_access_request(request)
    if privacy_request is None:
        return redirect("requests_app:status_lookup")
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeals.appeal_submit(request_id=privacy_request.pk, statement=form.cleaned_data["statement"])
        except RequestError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("We received your appeal and e-mailed you a confirmation."))
            return redirect("requests_app:status_view")
    return render(
        request,
        "staff/appeals/appeal_form.html",
        {
            "form": form,
            "privacy_request": privacy_request,
            "last_day": appeals.appeal_deadline(privacy_request),
            "open": appeals.appeal_window_open(privacy_request),
        },
    )
