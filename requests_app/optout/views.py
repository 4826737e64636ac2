from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from records.choices import consumer_sale_opt_in
from records.exceptions import RecordsError
from records.models import SaleOptIn
from requests_app import selectors
from requests_app.agents import services as agents
from requests_app.models import Kind, PrivacyRequest
from requests_app.optout import services as optout
from requests_app.optout.forms import OptInForm, OptOutForm
from requests_app.web import (
    choice_declined,
    choice_kept_redirect,
    client_ip,
    rate_limited,
    status_grant,
    status_request,
)

OPT_OUT_DONE_KEY = "opt_out_done"


@require_http_methods(["GET", "POST"])
def do_not_sell(request):
    """Anyone may opt out here, without an account or verification (Regs §7026)."""
    gpc = request.gpc_honored
    if choice_declined(request):
        return choice_kept_redirect(request, _("Nothing was changed: we did not opt you out."))
    form = OptOutForm(request.POST if request.method == "POST" else None, gpc=gpc)
    if request.method == "POST":
        if rate_limited(request, "opt-out", "30/h"):
            form.add_error(None, _("Too many requests from your network. Please wait an hour and try again."))
        elif form.is_valid():
            email = form.cleaned_data["email"]
            reference = ""
            if email:
                created = optout.opt_out_submit(
                    email=email,
                    language=request.LANGUAGE_CODE,
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
                reference = created.reference
            # The same page whoever the address belongs to: it must not reveal who is in our records.
            request.session[OPT_OUT_DONE_KEY] = {"reference": reference, "emailed": bool(email)}
            return redirect("requests_app:do_not_sell_done")
    return render(request, "requests_app/optout/do_not_sell.html", {"form": form, "gpc": gpc})


def do_not_sell_done(request):
    done = request.session.get(OPT_OUT_DONE_KEY)
    if done is None:
        return redirect("requests_app:do_not_sell")
    return render(request, "requests_app/optout/done.html", done)


def _opt_in_request(request) -> PrivacyRequest | None:
    """The request of the browser's status-page session, when it may opt its consumer in.

    A consumer's own request is matched only once they proved a contact point on record, so its status
    code (to the address they typed and proved) will do. An agent's request is matched before the consumer
    confirms anything, and its address is the one the agent typed: the code must have gone to the
    consumer's address on record, or the agent could give the consent itself."""
    found = status_request(request)
    if found is None or found.consumer_id is None:
        return None
    if not status_grant(request).on_record and selectors.submission_by_agent(
        submission_id=found.submission_id
    ):
        return None
    return found


@require_http_methods(["GET", "POST"])
def sale_opt_in(request):
    """Opt back in to partner sharing: only for a consumer we know through a fresh status-page session.

    When that session is for an agent's opt-in (DRP `sale:opt-in`), this page is its separate confirmation
    by the consumer (Regs §7028(a)): either answer is recorded on that request, and once it no longer
    waits, nothing is recorded from here."""
    found = _opt_in_request(request)
    if found is None:
        return redirect("requests_app:status_lookup")
    agent_request = found if found.kind == Kind.SALE_OPT_IN else None
    if choice_declined(request):
        if agent_request is not None:
            agents.agent_opt_in_answer(request_id=agent_request.pk, opt_in=False)
        return choice_kept_redirect(request, _("Nothing was changed: you stay opted out."))
    form = OptInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = "opted_in"
        try:
            if agent_request is not None:
                outcome = agents.agent_opt_in_answer(request_id=agent_request.pk, opt_in=True)
            else:
                consumer_sale_opt_in(consumer_id=found.consumer_id, given_by=SaleOptIn.GivenBy.CONSUMER)
        except RecordsError as exc:
            form.add_error(None, exc.message)
        else:
            if outcome == "opted_in":
                return render(request, "requests_app/optout/opt_in_done.html")
            # The agent revoked it, or it closed, while this page was open.
            form.add_error(None, _("This request is no longer waiting for your answer: nothing was changed."))
    agent_name = agent_request.submission.agent_authorization.agent_name if agent_request else ""
    return render(request, "requests_app/optout/opt_in.html", {"form": form, "agent_name": agent_name})
