"""The REST API (/api/v1/). Views parse with a serializer, ask `staff_request_get`/`require_action`
(the staff UI's one role table, staff/permissions.py), call one staff or intake service, and answer JSON."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from staff.permissions import user_actions

from .serializers import ErrorSerializer, MeSerializer

ERR = OpenApiResponse(ErrorSerializer)
AUTH_ERRORS = {401: ERR, 403: ERR}


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
