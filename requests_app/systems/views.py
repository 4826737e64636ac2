"""A manual system's owner answers their task behind the e-mailed link (no account, no personal data in
the link: a random token whose hash alone is stored)."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from requests_app.exceptions import RequestError
from requests_app.models import SystemRun
from requests_app.systems import services as systems
from requests_app.systems.forms import OwnerCorrectionForm, OwnerErasureForm, OwnerUploadForm
from requests_app.web import rate_limited

TEMPLATE = "requests_app/systems/owner_task.html"


def _page(request, context: dict, status: int = 200):
    response = render(request, TEMPLATE, context, status=status)
    # The link's token must not leave with a click to another site. Not "no-referrer": under it the
    # browser sends `Origin: null` with the page's own forms, and CSRF refuses every answer.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def system_owner_task(request, token: str):
    if request.method == "POST" and rate_limited(request, "owner-task", "60/15m"):
        return _page(request, {"error": _("Too many attempts. Please wait 15 minutes and try again.")}, 429)
    task = systems.owner_task_for_token(token)
    if task is None:
        return _page(request, {"dead": True}, status=410)
    run = task.run
    allowed = systems.owner_allowed_types(run.system)
    upload_form = OwnerUploadForm(allowed=set(allowed))
    erasure_form = OwnerErasureForm()
    correction_form = OwnerCorrectionForm()
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "upload" and run.step == SystemRun.Step.EXPORT:
                upload_form = OwnerUploadForm(request.POST, request.FILES, allowed=set(allowed))
                if upload_form.is_valid():
                    systems.owner_task_upload(token=token, rows=upload_form.cleaned_data["file"])
                    return _page(request, {"done": True, "run": run})
            elif action == "nothing":
                systems.owner_task_nothing_held(token=token)
                return _page(request, {"done": True, "run": run})
            elif action == "erasure" and run.step == SystemRun.Step.ERASE:
                erasure_form = OwnerErasureForm(request.POST)
                if erasure_form.is_valid():
                    data = erasure_form.cleaned_data
                    systems.owner_task_erasure(
                        token=token,
                        erased=data["answer"] == "erased",
                        count=data["count"],
                        reason=data["reason"],
                        explanation=data["explanation"],
                    )
                    return _page(request, {"done": True, "run": run})
            elif action == "corrected" and run.step == SystemRun.Step.CORRECT:
                correction_form = OwnerCorrectionForm(request.POST)
                if correction_form.is_valid():
                    systems.owner_task_corrected(token=token, count=correction_form.cleaned_data["count"])
                    return _page(request, {"done": True, "run": run})
            else:
                error = _("Choose one of the answers below.")
        except RequestError as exc:
            error = exc.message
    return _page(
        request,
        {
            "task": task,
            "run": run,
            "identifiers": systems.owner_task_identifiers(task),
            "allowed": sorted(allowed.values(), key=lambda t: t.code),
            "upload_form": upload_form,
            "erasure_form": erasure_form,
            "correction_form": correction_form,
            "corrections": systems.owner_task_corrections(task) if run.step == SystemRun.Step.CORRECT else [],
            "error": error,
            "max_mb": settings.MANUAL_UPLOAD_MAX_BYTES / 1024 / 1024,
            "plan": systems.owner_task_plan(task) if run.step == SystemRun.Step.ERASE else None,
        },
        status=400 if request.method == "POST" else 200,
    )
