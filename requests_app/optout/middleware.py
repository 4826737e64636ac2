"""Global Privacy Control (Regs §7025): `Sec-GPC: 1` is a request to opt out of sale/sharing.

For the browser, a cookie records it (it holds "1" and nothing about the person) and every page then
says "Opt-out request honored". When the consumer is known — the browser holds a status-page session,
opened with a one-time code, for a request matched to a consumer — the signal also becomes that
consumer's opt-out request (channel "gpc"); otherwise nothing about it is stored on our side.
"""

from django.conf import settings
from django.utils.cache import patch_vary_headers

from requests_app.optout.services import gpc_consumer_opt_out
from requests_app.web import status_request_id

GPC_COOKIE = "gpc_opt_out"
GPC_SESSION_KEY = "gpc_recorded_for"


def gpc_signal(request) -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"


class GlobalPrivacyControlMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        signal = gpc_signal(request)
        request.gpc_signal = signal
        request.gpc_honored = signal or request.COOKIES.get(GPC_COOKIE) == "1"
        if signal:
            self._opt_out_known_consumer(request)
        response = self.get_response(request)
        patch_vary_headers(response, ["Sec-GPC"])
        if signal and request.COOKIES.get(GPC_COOKIE) != "1":
            response.set_cookie(
                GPC_COOKIE,
                "1",
                max_age=settings.GPC_COOKIE_DAYS * 24 * 60 * 60,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def _opt_out_known_consumer(request) -> None:
        session = getattr(request, "session", None)
        request_id = status_request_id(request) if session is not None else None
        if request_id is None:
            return
        if session.get(GPC_SESSION_KEY) == request_id:
            return  # already handled for this status session: one query per session, not per page
        gpc_consumer_opt_out(status_request_id=request_id)
        session[GPC_SESSION_KEY] = request_id
