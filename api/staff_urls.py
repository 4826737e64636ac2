from django.urls import path

from . import staff_views

app_name = "api_staff"

urlpatterns = [
    path("", staff_views.api_tokens, name="tokens"),
    path("<str:prefix>/revoke/", staff_views.api_token_revoke, name="revoke"),
]
