from django.urls import path

from . import views_public

app_name = "staff_public"

urlpatterns = [
    path("requests/status/appeal/", views_public.appeal_new, name="appeal_new"),
]
