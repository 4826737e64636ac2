"""Project-wide middleware."""

from django.utils import translation

# Privacy staff work in English (issue 14): their pages, the Django admin and their forms' messages stay
# English whatever language the browser asks for or the visitor chose on the public pages.
STAFF_PATH_PREFIXES = ("/staff/", "/admin/")


class StaffEnglishMiddleware:
    """After LocaleMiddleware: activate English for the staff paths (it undoes Accept-Language and the
    language cookie there; the public pages keep them)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(STAFF_PATH_PREFIXES):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)
