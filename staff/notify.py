"""E-mails to the requester about staff decisions, rendered from the audit event that records them.

A task passes only the event's id; sending is idempotent (a "staff.requester.notified" event marks it).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from requests_app import deadlines
from requests_app.appeals.models import Appeal
from requests_app.emails import email_send
from requests_app.lifecycle import event_record
from requests_app.models import RequestEvent
from requests_app.regimes import REGIMES, Regime, appeal_decision_days, regime_rules

from .models import DenialReasonTemplate

TEMPLATES = {
    "requests.request.denied": "staff_denial",
    "requests.request.unverifiable": "staff_denial",
    "requests.request.extended": "staff_extension",
    "staff.request.info_requested": "staff_info_request",
    "requests.appeal.decided": "appeal_decision",
}


def attorneys_general_for(*, state: str, regime: str = Regime.CALIFORNIA) -> list[tuple[str, str, str]]:
    """Whom the appeal decision names (from the regime table). Under another state's regime: that state's
    Attorney General. Under California's (and "other"): California's, plus the requester's own state's when
    that state has an appeal duty. An unknown state names California."""
    rules = regime_rules(regime)
    if rules is not regime_rules(Regime.CALIFORNIA):
        return [(Regime(regime).label, rules.attorney_general, rules.attorney_general_url)]
    california = regime_rules(Regime.CALIFORNIA)
    named = [(Regime.CALIFORNIA.label, california.attorney_general, california.attorney_general_url)]
    home = REGIMES.get((state or "").upper())
    if home is not None and home.appeal_offered:
        named.append((Regime(home.code).label, home.attorney_general, home.attorney_general_url))
    return named


def requester_notify(*, event_id: int) -> bool:
    """Send the e-mail an event calls for, once. True when this call sent it."""
    with transaction.atomic():
        event = (
            RequestEvent.objects.select_related("request__submission")
            .select_for_update(of=("self",))
            .get(pk=event_id)
        )
        template = TEMPLATES.get(event.name)
        request = event.request
        to = request.submission.email
        if template is None or not to:
            return False
        if RequestEvent.objects.filter(
            request=request, name="staff.requester.notified", data__event=event_id
        ).exists():
            return False
        context = {"privacy_request": request, "event": event, "text": event.reason}
        context.update(_extra_context(event))
        # The requester's language, not the staff member's who triggered it.
        email_send(template=template, to=to, context=context, language=request.submission.language)
        event_record(
            request=request, name="staff.requester.notified", data={"event": event_id, "template": template}
        )
    return True


def _extra_context(event: RequestEvent) -> dict:
    request = event.request
    status_url = settings.SITE_URL + reverse("requests_app:status_lookup")
    rules = regime_rules(request.regime)
    if template := DenialReasonTemplate.objects.filter(code=event.data.get("template", "")).first():
        closed = deadlines.local_date(request.closed_at or event.created_at)
        return {
            "reason": template,
            "offer_opt_out": template.offer_opt_out and request.kind != "opt_out",
            "opt_out_url": settings.SITE_URL + reverse("requests_app:do_not_sell"),
            "status_url": status_url,
            "appeal_by": closed + timedelta(days=settings.APPEAL_WINDOW_DAYS),
            "regime": rules,
            "appeal_days": appeal_decision_days(request.regime),
        }
    if event.name.startswith("requests.appeal."):
        appeal = Appeal.objects.filter(request=request).first()
        return {
            "appeal": appeal,
            "attorneys_general": attorneys_general_for(state=request.submission.state, regime=request.regime),
            "status_url": status_url,
        }
    return {"status_url": status_url}
