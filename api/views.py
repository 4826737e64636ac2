"""The REST API (/api/v1/). Views parse with a serializer, ask `staff_request_get`/`require_action`
(the staff UI's one role table, staff/permissions.py), call one staff or intake service, and answer JSON.
Errors are JSON of one shape (api/errors.py)."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from requests_app import deadlines
from staff import metrics, selectors, services
from staff.forms import normalize_reference
from staff.permissions import Action, require_action, staff_request_get, user_actions, user_can

from .serializers import (
    ErrorSerializer,
    MeSerializer,
    MetricsQuerySerializer,
    MetricsSerializer,
    RequestDetailSerializer,
    RequestFiltersSerializer,
    RequestPageSerializer,
)

ERR = OpenApiResponse(ErrorSerializer)
AUTH_ERRORS = {401: ERR, 403: ERR}
REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH, description="RN-XXXX-XXXX-XXXX")


def _today():
    return deadlines.local_date(timezone.now())


def _request_get(user, reference: str, action: Action, **kwargs):
    """`staff_request_get` (403 first, then 404) for a reference however it was typed; anything that
    is not shaped like a reference is a 404 without a query."""
    require_action(user, action)
    normalized = normalize_reference(reference)
    if normalized is None:
        raise Http404
    return staff_request_get(user, normalized, action, **kwargs)


@extend_schema(responses={200: MeSerializer, **AUTH_ERRORS}, tags=["auth"])
@api_view(["GET"])
def me(request):
    """Who this token acts for, and what its user's role allows."""
    token = request.auth
    data = {
        "username": request.user.get_username(),
        "actions": sorted(a.value for a in user_actions(request.user)),
        "token_prefix": token.prefix,
        "token_expires_at": token.expires_at,
    }
    return Response(MeSerializer(data).data)


@extend_schema(
    parameters=[RequestFiltersSerializer],
    responses={200: RequestPageSerializer, 400: ERR, **AUTH_ERRORS},
    tags=["requests"],
)
@api_view(["GET"])
def request_list(request):
    """Requests sorted by effective due date, a page at a time (keyset: pass `next_cursor` as `cursor`).
    No personal data: the list is the staff queue's columns."""
    require_action(request.user, Action.VIEW_QUEUE)
    params = RequestFiltersSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    filters = selectors.QueueFilters(
        status=data["status"],
        kind=data.get("kind", ""),
        regime=data.get("regime", ""),
        assignee=data.get("assignee", ""),
        due_before=data.get("due_before"),
        due_after=data.get("due_after"),
        descending=data["descending"],
        after=data.get("cursor"),
        page_size=data["page_size"],
    )
    rows, cursor = selectors.queue_page(filters=filters, user=request.user, today=_today())
    return Response(RequestPageSerializer({"results": rows, "next_cursor": cursor}).data)


@extend_schema(
    parameters=[REFERENCE],
    responses={200: RequestDetailSerializer, 404: ERR, **AUTH_ERRORS},
    tags=["requests"],
)
@api_view(["GET"])
def request_detail(request, reference: str):
    """A request with its timeline; the requester's details only for roles that may see them. Every
    reading is recorded on the timeline, as an opening of the staff page is."""
    privacy_request = _request_get(request.user, reference, Action.VIEW_QUEUE)
    personal = user_can(request.user, Action.VIEW_PERSONAL_DATA)
    services.request_view_record(request=privacy_request, actor=request.user, personal_data=personal)
    privacy_request.api_timeline = selectors.request_timeline(request=privacy_request)
    serializer = RequestDetailSerializer(privacy_request, context={"personal_data": personal})
    return Response(serializer.data)


@extend_schema(
    parameters=[MetricsQuerySerializer],
    responses={200: MetricsSerializer, 400: ERR, **AUTH_ERRORS},
    tags=["metrics"],
)
@api_view(["GET"])
def metrics_view(request):
    """Regs §7102 figures for one calendar year: per kind, per regime and in total (counts only)."""
    require_action(request.user, Action.VIEW_METRICS)
    params = MetricsQuerySerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    year = params.validated_data["year"]
    by_kind = metrics.metrics_for_year(year)
    data = {
        "year": year,
        "by_kind": by_kind,
        "by_regime": metrics.metrics_by_regime(year),
        "total": metrics.metrics_total(by_kind),
    }
    return Response(MetricsSerializer(data).data)
