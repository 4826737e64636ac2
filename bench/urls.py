from django.urls import path

from . import views

urlpatterns = [path("floor/", views.floor), path("floor-raw/", views.floor_raw)]
