"""The requester's side of a deletion: confirm with the e-mailed code, see when it runs, cancel."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from requests_app.deletion import services as deletion
from requests_app.deletion.forms import DeletionActionForm, DeletionConfirmForm
from requests_app.models import DeletionCase, Kind, PrivacyRequest
from requests_app.session_access import session_access_grant
from requests_app.web import (
    DELETION_ACCESS_KEY,
    choice_declined,
    choice_kept_redirect,
    rate_limited,
    requester_accessible_ids,
    requester_request_or_404,
    status_grant,
)


def _delete_request_or_404(request, reference: str) -> PrivacyRequest:
    return requester_request_or_404(request, reference=reference, kind=Kind.DELETE, case="deletion_case")


def _awaiting_in_session(request) -> list[PrivacyRequest]:
    """Deletions of the submission opened on the status page that wait for their confirmation."""
    return list(
        PrivacyRequest.objects.filter(
            kind=Kind.DELETE,
            pk__in=requester_accessible_ids(request),
            deletion_case__state=DeletionCase.State.AWAITING_CONFIRMATION,
        ).order_by("pk")
    )


def _deletion_kept(request):
    return choice_kept_redirect(
        request,
        _("Nothing was deleted. The deletion still waits for your confirmation; you can confirm it later."),
    )


@require_http_methods(["GET", "POST"])
def deletion_confirm(request):
    if choice_declined(request):
        return _deletion_kept(request)
    form = DeletionConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if rate_limited(request, "deletion-confirm", "20/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            confirmed = deletion.deletion_confirm(
                reference=form.cleaned_data["reference"], code=form.cleaned_data["code"]
            )
            if confirmed:
                session_access_grant(request.session, DELETION_ACCESS_KEY, confirmed.pk)
                return redirect("requests_app:deletion_scheduled")
            form.add_error(
                "code",
                _(
                    "That reference and code do not match a deletion waiting for confirmation, or the code expired."
                ),
            )
    return render(
        request,
        "requests_app/deletion/confirm.html",
        {"form": form, "awaiting": _awaiting_in_session(request), "grant": status_grant(request)},
    )


@require_POST
def deletion_confirm_now(request):
    """Confirm from the status page without a second code: its access covers the submission's next steps."""
    if choice_declined(request):
        return _deletion_kept(request)
    form = DeletionActionForm(request.POST)
    if not form.is_valid():
        raise Http404
    privacy_request = _delete_request_or_404(request, form.cleaned_data["reference"])
    confirmed = deletion.deletion_confirm_in_session(request_id=privacy_request.pk)
    privacy_request.deletion_case.refresh_from_db()
    return render(
        request,
        "requests_app/deletion/scheduled.html",
        {
            "privacy_request": privacy_request,
            "case": privacy_request.deletion_case,
            "confirmed_now": confirmed is not None,
        },
    )


def deletion_scheduled(request):
    confirmed = request.session.get(DELETION_ACCESS_KEY)
    if not confirmed or confirmed["id"] not in requester_accessible_ids(request):
        return redirect("requests_app:status_lookup")
    privacy_request = PrivacyRequest.objects.select_related("deletion_case").get(pk=confirmed["id"])
    return render(
        request,
        "requests_app/deletion/scheduled.html",
        {"privacy_request": privacy_request, "case": privacy_request.deletion_case},
    )


@require_POST
def deletion_cancel(request):
    form = DeletionActionForm(request.POST)
    if not form.is_valid():
        raise Http404
    privacy_request = _delete_request_or_404(request, form.cleaned_data["reference"])
    cancelled = deletion.deletion_cancel(request_id=privacy_request.pk)
    return render(
        request,
        "requests_app/deletion/cancelled.html",
        {"privacy_request": privacy_request, "cancelled": cancelled},
    )


@require_POST
def deletion_resend(request):
    form = DeletionActionForm(request.POST)
    if not form.is_valid():
        raise Http404
    privacy_request = _delete_request_or_404(request, form.cleaned_data["reference"])
    if rate_limited(request, "deletion-resend", "5/h"):
        sent = False
    else:
        sent = privacy_request.deletion_case.state == DeletionCase.State.AWAITING_CONFIRMATION and (
            deletion.deletion_code_resend(request_id=privacy_request.pk)
        )
    return render(
        request, "requests_app/deletion/resent.html", {"privacy_request": privacy_request, "sent": sent}
    )
