"""The staff page for API tokens (/staff/api-tokens/), for admins: list (their own or everyone's), create
(the secret shown once, on the answer to the POST, never stored or put in a URL) and revoke. Every action
is a StaffEvent (api/services.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from staff.permissions import Action, require_action
from staff.views import staff_view

from . import services
from .exceptions import ApiError
from .forms import ApiTokenCreateForm
from .models import ApiToken


def _page(request, *, form, created=None):
    everyone = request.GET.get("scope") == "all"
    context = {
        "form": form,
        "created": created,
        "everyone": everyone,
        "tokens": services.api_tokens_list(actor=request.user, everyone=everyone),
        "can": {Action.MANAGE_API_TOKENS.value: True},  # the page asks for it: the menu shows the link
    }
    response = render(request, "staff/api_tokens.html", context)
    response["Cache-Control"] = "no-store"  # the page may show a new secret
    return response


@require_http_methods(["GET", "POST"])
@staff_view
def api_tokens(request):
    require_action(request.user, Action.MANAGE_API_TOKENS)
    if request.method != "POST":
        return _page(request, form=ApiTokenCreateForm(actor=request.user))
    form = ApiTokenCreateForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            created = services.api_token_create(
                user=form.cleaned_data["owner"],
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                actor=request.user,
            )
        except ApiError as exc:
            form.add_error(None, exc.message)
        else:
            return _page(request, form=ApiTokenCreateForm(actor=request.user), created=created)
    return _page(request, form=form)


@require_POST
@staff_view
def api_token_revoke(request, prefix: str):
    require_action(request.user, Action.MANAGE_API_TOKENS)
    token = ApiToken.objects.filter(prefix=prefix).first()
    if token is None:
        raise Http404("No such token.")
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("api_staff:tokens")
