"""DRP routes, each with and without a trailing slash (a POST must never be redirected)."""

from django.urls import re_path

from drp import views

app_name = "drp"

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

urlpatterns = [
    re_path(r"^v1/agent/(?P<agent_id>[A-Za-z0-9_.-]{1,80})/?$", views.agent, name="agent"),
    re_path(r"^v1/data-rights-request/?$", views.exercise, name="exercise"),
    re_path(rf"^v1/data-rights-request/(?P<request_id>{UUID})/?$", views.request_status, name="request"),
]
