from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import views

app_name = "api"

# The schema and its docs page describe the API and hold no data: public, like the API's README.
schema_view = SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny])
docs_view = SpectacularSwaggerSplitView.as_view(
    url_name="api:schema",
    template_name="api/swagger_ui.html",
    authentication_classes=[],
    permission_classes=[AllowAny],
)

urlpatterns = [
    path("schema/", schema_view, name="schema"),
    path("docs/", docs_view, name="docs"),
    path("v1/me/", views.me, name="me"),
    path("v1/requests/", views.request_list, name="request_list"),
    path("v1/requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("v1/requests/<str:reference>/approve", views.request_approve, name="request_approve"),
    path("v1/requests/<str:reference>/deny", views.request_deny, name="request_deny"),
    path("v1/requests/<str:reference>/extend", views.request_extend, name="request_extend"),
    path("v1/requests/<str:reference>/assign", views.request_assign, name="request_assign"),
    path("v1/requests/<str:reference>/notes", views.request_note, name="request_note"),
    path("v1/submissions/", views.submission_create, name="submission_create"),
    path("v1/metrics/", views.metrics_view, name="metrics"),
    re_path(r"^", views.not_found),  # anything else under /api/: a JSON 404, not the site's HTML page
]
