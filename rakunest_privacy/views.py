"""Project-wide views."""

from django.http import HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import set_language


# The switcher in base.html is on every page. With a CSRF token in it, two answers that must be identical
# (so that they tell nobody whether a reference or an address is in our records) would differ in their
# per-render token. The only state this POST changes is the language cookie; a forged one from another
# site is refused by the browser's own headers instead (Sec-Fetch-Site, or Origin where that is missing).
@csrf_exempt
@require_POST
def language_set(request):
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if site is not None and site not in ("same-origin", "none"):
        return HttpResponseForbidden()
    if site is None and origin is not None and origin != f"{request.scheme}://{request.get_host()}":
        return HttpResponseForbidden()
    return set_language(request)
