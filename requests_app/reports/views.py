"""The report download: status access whose code went to the consumer's contact point on record opens the
downloads until that access ends (issue 15, item 7); when the status code went to a typed address not on
record, a FRESH download code goes to the contact point on record first, then a few minutes to download.
Files are never at a URL of their own, and every download is logged."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from requests_app.forms import CodeForm
from requests_app.models import PrivacyRequest
from requests_app.reports import services as deliver
from requests_app.session_access import SessionGrant, session_access, session_access_grant
from requests_app.web import rate_limited, status_grant, status_request

REPORT_ACCESS_KEY = "report_access"


def _report_access(request, privacy_request: PrivacyRequest) -> tuple[SessionGrant | None, str]:
    """The grant that opens this request's downloads and how it was earned, or (None, "")."""
    grant = status_grant(request)
    if grant and grant.on_record and grant.object_id == privacy_request.pk:
        return grant, "status_code_on_record"
    grant = session_access(request.session, REPORT_ACCESS_KEY)
    if grant and grant.object_id == privacy_request.pk:
        return grant, "download_code"
    return None, ""


@require_POST
def report_code_request(request):
    privacy_request = status_request(request)
    if privacy_request is None:
        return redirect("requests_app:status_lookup")
    if _report_access(request, privacy_request)[0] is not None:
        return redirect("requests_app:report_download")  # already open: no second code
    request.session.pop(REPORT_ACCESS_KEY, None)
    if not rate_limited(request, "report-code", "5/15m"):
        deliver.report_code_send(request=privacy_request)
    return redirect("requests_app:report_download")


@never_cache
@require_http_methods(["GET", "POST"])
def report_download(request):
    privacy_request = status_request(request)
    if privacy_request is None:
        return redirect("requests_app:status_lookup")
    report = deliver.report_current(request=privacy_request)
    context = {
        "privacy_request": privacy_request,
        "report": report,
        "unavailable": not deliver.report_is_available(report),
        "minutes": settings.REPORT_ACCESS_MINUTES,
    }
    form = CodeForm(request.POST or None)
    if request.method == "POST" and not context["unavailable"]:
        if rate_limited(request, "report-code-check", "20/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            if deliver.report_code_verify(request=privacy_request, code=form.cleaned_data["code"]):
                session_access_grant(
                    request.session,
                    REPORT_ACCESS_KEY,
                    privacy_request.pk,
                    minutes=settings.REPORT_ACCESS_MINUTES,
                )
                return redirect("requests_app:report_download")
            form.add_error("code", _("That code is not right, has expired or was used. Ask for a new one."))
    grant, _via = _report_access(request, privacy_request)
    context["form"] = form
    context["access"] = grant is not None
    context["minutes_left"] = grant.minutes_left if grant else 0
    return render(request, "requests_app/reports/download.html", context)


@require_GET
def report_file(request, which: str):
    privacy_request = status_request(request)
    grant, via = _report_access(request, privacy_request) if privacy_request else (None, "")
    if privacy_request is None or which not in ("pdf", "zip") or grant is None:
        return redirect("requests_app:report_download" if privacy_request else "requests_app:status_lookup")
    try:
        file = deliver.report_download(request=privacy_request, which=which, via=via)
    except deliver.ReportUnavailable:
        return redirect("requests_app:report_download")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(file.content))
    return response
