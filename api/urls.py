from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("v1/me/", views.me, name="me"),
    path("v1/requests/", views.request_list, name="request_list"),
    path("v1/requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("v1/metrics/", views.metrics_view, name="metrics"),
]
