"""Correction pages of the requester (behind the status page's fresh code). Staff see the correction, its
documents and the decision on the staff request page (staff/request/_evidence_correction.html)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from requests_app.correction import services as correction
from requests_app.correction.forms import CorrectionForm, StatementForm
from requests_app.exceptions import RequestError
from requests_app.forms import CodeForm
from requests_app.models import CorrectionCase, Kind, PrivacyRequest
from requests_app.web import rate_limited, requester_request_or_404, status_on_record_covers


def _correct_request_or_404(request, reference: str) -> PrivacyRequest:
    return requester_request_or_404(
        request, reference=reference, kind=Kind.CORRECT, case="correction_case", related=("consumer",)
    )


@require_http_methods(["GET", "POST"])
def correction_details(request, reference: str):
    privacy_request = _correct_request_or_404(request, reference)
    case = privacy_request.correction_case
    if case.state != CorrectionCase.State.AWAITING_DETAILS:
        return render(
            request, "requests_app/correction/state.html", {"privacy_request": privacy_request, "case": case}
        )
    points = correction.correctable_points(request=privacy_request)
    bound = request.method == "POST"
    form = CorrectionForm(request.POST if bound else None, request.FILES if bound else None, points=points)
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            case = correction.correction_submit(
                request=privacy_request,
                items=form.cleaned_data["items"],
                explanation=form.cleaned_data["explanation"],
                documents=[document] if document else [],
                contact_proven=status_on_record_covers(request, privacy_request),
            )
        except RequestError as exc:
            form.add_error(None, exc.message)
        else:
            if case.contact_change and not case.contact_confirmed_at:
                return redirect("requests_app:correction_contact", reference=privacy_request.reference)
            return render(
                request,
                "requests_app/correction/state.html",
                {"privacy_request": privacy_request, "case": case},
            )
    return render(
        request,
        "requests_app/correction/details.html",
        {"privacy_request": privacy_request, "form": form, "max_documents": 1},
    )


@require_http_methods(["GET", "POST"])
def correction_contact(request, reference: str):
    privacy_request = _correct_request_or_404(request, reference)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if rate_limited(request, "correction-contact", "20/15m"):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        elif form.is_valid():
            if correction.correction_contact_confirm(request=privacy_request, code=form.cleaned_data["code"]):
                privacy_request.correction_case.refresh_from_db()
                return render(
                    request,
                    "requests_app/correction/state.html",
                    {"privacy_request": privacy_request, "case": privacy_request.correction_case},
                )
            form.add_error("code", _("That code is not right, has expired or was used."))
    return render(
        request, "requests_app/correction/contact.html", {"privacy_request": privacy_request, "form": form}
    )


@require_http_methods(["GET", "POST"])
def correction_statement(request, reference: str):
    privacy_request = _correct_request_or_404(request, reference)
    case = privacy_request.correction_case
    if not case.health_statement_allowed or case.health_statement_added_at:
        raise Http404
    form = StatementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            correction.correction_statement_add(request=privacy_request, text=form.cleaned_data["text"])
        except RequestError as exc:
            form.add_error("text", exc.message)
        else:
            case.refresh_from_db()
            return render(
                request,
                "requests_app/correction/state.html",
                {"privacy_request": privacy_request, "case": case},
            )
    return render(
        request,
        "requests_app/correction/statement.html",
        {"privacy_request": privacy_request, "form": form, "max_words": correction.MAX_STATEMENT_WORDS},
    )
