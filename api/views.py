"""The REST API (/api/v1/). Views parse with a serializer, ask `staff_request_get`/`require_action`
(the staff UI's one role table, staff/permissions.py), call one staff or intake service, and answer JSON.
Errors are JSON of one shape (api/errors.py)."""

from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from requests_app import deadlines
from staff import metrics, selectors, services
from staff.forms import normalize_reference
from staff.permissions import Action, require_action, staff_request_get, user_actions, user_can

from .serializers import (
    ApproveSerializer,
    AssignSerializer,
    DenySerializer,
    ErrorSerializer,
    EventSerializer,
    ExtendSerializer,
    MeSerializer,
    MetricsQuerySerializer,
    MetricsSerializer,
    NoteSerializer,
    RequestDetailSerializer,
    RequestFiltersSerializer,
    RequestPageSerializer,
    RequestSummarySerializer,
    SubmissionSerializer,
    SubmittedSerializer,
)

ERR = OpenApiResponse(ErrorSerializer)
AUTH_ERRORS = {401: ERR, 403: ERR}
EXAMPLE_REFERENCE = "RN-7KQ2-M9XH-4TPD"
REFERENCE = OpenApiParameter(
    "reference",
    str,
    OpenApiParameter.PATH,
    description="The request's reference, RN-XXXX-XXXX-XXXX.",
    examples=[OpenApiExample("A reference", value=EXAMPLE_REFERENCE)],
)
SUBMISSION_EXAMPLE = OpenApiExample(
    "A telephone request",
    request_only=True,
    value={
        "channel": "phone",
        "kinds": ["know_categories"],
        "first_name": "Maya",
        "last_name": "Chen",
        "email": "maya.chen@example.com",
        "phone": "(415) 555-0101",
        "zip_code": "94105",
        "residency": "CA",
    },
)


def not_found(request, *args, **kwargs) -> JsonResponse:
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


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
    operation_id="requests_list",
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
    operation_id="requests_detail",
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


def _action(request, reference: str, action: Action, serializer_class):
    privacy_request = _request_get(request.user, reference, action)
    serializer = serializer_class(data=request.data, context={"privacy_request": privacy_request})
    serializer.is_valid(raise_exception=True)
    return privacy_request, serializer.validated_data


def _summary(privacy_request, status_code: int = 200) -> Response:
    privacy_request.refresh_from_db()
    return Response(RequestSummarySerializer(privacy_request).data, status=status_code)


ACTION_ERRORS = {400: ERR, 404: ERR, 409: ERR, **AUTH_ERRORS}


@extend_schema(
    parameters=[REFERENCE],
    request=ApproveSerializer,
    responses={200: RequestSummarySerializer, **ACTION_ERRORS},
    tags=["actions"],
)
@api_view(["POST"])
def request_approve(request, reference: str):
    """Approve a verified request in review (approvers): fulfilment starts, as from the staff page."""
    privacy_request, data = _action(request, reference, Action.APPROVE, ApproveSerializer)
    services.staff_request_approve(request=privacy_request, actor=request.user, reason=data["reason"])
    return _summary(privacy_request)


@extend_schema(
    parameters=[REFERENCE],
    request=DenySerializer,
    responses={200: RequestSummarySerializer, **ACTION_ERRORS},
    tags=["actions"],
)
@api_view(["POST"])
def request_deny(request, reference: str):
    """Deny with a reason template's code that fits the kind (approvers); the requester is e-mailed the
    reason and the appeal route."""
    privacy_request, data = _action(request, reference, Action.DENY, DenySerializer)
    services.request_deny(
        request=privacy_request, actor=request.user, template=data["reason"], text=data["text"]
    )
    return _summary(privacy_request)


@extend_schema(
    parameters=[REFERENCE],
    request=ExtendSerializer,
    responses={200: RequestSummarySerializer, **ACTION_ERRORS},
    tags=["actions"],
)
@api_view(["POST"])
def request_extend(request, reference: str):
    """The one extension (analysts and above); the requester is told the reason."""
    privacy_request, data = _action(request, reference, Action.EXTEND, ExtendSerializer)
    services.request_extend(request=privacy_request, actor=request.user, reason=data["reason"])
    return _summary(privacy_request)


@extend_schema(
    parameters=[REFERENCE],
    request=AssignSerializer,
    responses={200: RequestSummarySerializer, **ACTION_ERRORS},
    tags=["actions"],
)
@api_view(["POST"])
def request_assign(request, reference: str):
    """Assign to an analyst or above, or unassign with null (analysts and above)."""
    privacy_request, data = _action(request, reference, Action.ASSIGN, AssignSerializer)
    services.request_assign(request=privacy_request, actor=request.user, assignee=data["assignee"])
    return _summary(privacy_request)


@extend_schema(
    parameters=[REFERENCE],
    request=NoteSerializer,
    responses={201: EventSerializer, **ACTION_ERRORS},
    tags=["actions"],
)
@api_view(["POST"])
def request_note(request, reference: str):
    """Add a note to the timeline (analysts and above)."""
    privacy_request, data = _action(request, reference, Action.NOTE, NoteSerializer)
    event = services.request_note_add(request=privacy_request, actor=request.user, text=data["text"])
    event.folded = 0
    return Response(EventSerializer(event).data, status=201)


@extend_schema(
    request=SubmissionSerializer,
    responses={201: SubmittedSerializer, 400: ERR, **AUTH_ERRORS},
    tags=["intake"],
)
@api_view(["POST"])
def submission_create(request):
    """Enter a request received by telephone, mail or e-mail (analysts and above): the web form's
    validation and intake service, so it is acknowledged and verified like any other."""
    require_action(request.user, Action.SUBMIT_ON_BEHALF)
    serializer = SubmissionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    channel = serializer.validated_data["channel"]
    created = services.submission_enter(
        actor=request.user, form=serializer.validated_data["form"], channel=channel, via="api"
    )
    return Response(SubmittedSerializer({"channel": channel, "requests": created}).data, status=201)
