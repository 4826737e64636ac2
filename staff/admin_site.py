"""The Django admin site, behind the staff sign-in and its second factor.

django-otp's OTPAdminSite lets in only a session verified by a device (`request.user.is_verified()`).
Its own login form would ask for a code but could not enrol anyone, so the admin's login page sends
people to /staff/login/ (password, then the authenticator code or its enrolment) and back.
"""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.admin import OTPAdminSite


class StaffAdminSite(OTPAdminSite):
    name = "admin"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def login(self, request, extra_context=None):
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = ""
        next_url = next_url or reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            return redirect(f"{reverse('staff:mfa')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        if user.is_authenticated:
            raise PermissionDenied  # signed in, but not someone the admin is for
        return redirect(f"{reverse('staff:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
