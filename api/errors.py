"""Every API error is JSON of one shape: {"detail": "…", "code": "…"} plus, for invalid input,
"errors": {field: [messages]} (`ErrorSerializer` documents it in the schema)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from requests_app.exceptions import RequestError

# RequestError codes that mean "your input is wrong" (400); the others mean "not in this state" (409).
INPUT_CODES = frozenset({"missing_text", "reason_kind", "missing", "invalid"})


def request_error_response(exc: RequestError) -> Response:
    code = getattr(exc, "code", None) or "conflict"
    status_code = status.HTTP_400_BAD_REQUEST if code in INPUT_CODES else status.HTTP_409_CONFLICT
    return Response({"detail": str(exc.message), "code": code}, status=status_code)


def api_exception_handler(exc, context):
    if isinstance(exc, RequestError):
        return request_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("Your role may not do this."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": _("Invalid input."), "code": "invalid", "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {"detail": str(detail), "code": getattr(detail, "code", None) or "error"}
    return response
