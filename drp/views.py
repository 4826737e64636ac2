"""DRP endpoints (§2): signed text/plain bodies in, the spec's JSON out. Each view parses, calls one
service and answers; every refusal is logged with the agent id and a reason code, never with claims."""

import logging
from functools import wraps

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from drp.models import DrpAgent
from drp.services import (
    DrpError,
    drp_agent_for_token,
    drp_exercise_submit,
    drp_request_for_agent,
    drp_revoke,
    drp_status,
    drp_token_issue,
)

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024


def _refusal(exc: DrpError, *, view: str, agent: str = "") -> HttpResponse:
    logger.info("drp %s refused (%s, %s) for agent %s", view, exc.status, exc.reason or "-", agent or "-")
    if not exc.body:
        return HttpResponse(status=exc.status)
    return JsonResponse(exc.as_json(), status=exc.status)


def drp_endpoint(methods: list[str]):
    """CSRF-exempt (no cookies: a bearer token and a signature), methods checked, DrpError answered,
    bodies bounded, and each agent's (or address's) calls rate-limited."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(methods)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            name = view.__name__
            try:
                if len(request.body) > MAX_BODY_BYTES:
                    raise DrpError(413, _("The message is too large."), reason="too_large")
                limited = is_ratelimited(
                    request,
                    group="drp",
                    key="ip",
                    rate=settings.DRP_RATE_LIMIT,
                    method=is_ratelimited.ALL,
                    increment=True,
                )
                if limited:
                    raise DrpError(429, _("Too many calls; try again in a minute."), reason="rate_limited")
                return view(request, *args, **kwargs)
            except DrpError as exc:
                return _refusal(exc, view=name, agent=kwargs.get("agent_id", ""))

        return wrapper

    return decorate


def _token_agent(request) -> DrpAgent:
    return drp_agent_for_token(request.headers.get("Authorization", ""))


@drp_endpoint(["GET", "POST"])
def agent(request, agent_id: str):
    """§2.05 key set-up (POST, signed, no token yet) and §2.06 agent information (GET, token)."""
    if request.method == "POST":
        found, token = drp_token_issue(agent_id=agent_id, body=request.body)
        return JsonResponse({"agent-id": found.agent_id, "token": token})
    if _token_agent(request).agent_id != agent_id:
        raise DrpError(403, _("The bearer token belongs to another agent."), reason="other_agent")
    return JsonResponse({})


@drp_endpoint(["POST"])
def exercise(request):
    """§2.01 Data Rights Exercise."""
    # The token cache is safe only where the insert re-checks the agent in the same statement (PostgreSQL).
    found = drp_agent_for_token(
        request.headers.get("Authorization", ""), cached=connection.vendor == "postgresql"
    )
    drp_request = drp_exercise_submit(agent=found, body=request.body, language=request.LANGUAGE_CODE)
    return JsonResponse(drp_status(drp_request))


@drp_endpoint(["GET", "DELETE"])
def request_status(request, request_id):
    """§2.02 status (GET) and §2.04 revoke (DELETE, signed)."""
    found = _token_agent(request)
    if request.method == "DELETE":
        return JsonResponse(drp_status(drp_revoke(agent=found, request_id=request_id, body=request.body)))
    return JsonResponse(drp_status(drp_request_for_agent(agent=found, request_id=request_id)))
