from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
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
]
