from django.urls import path

from . import views

urlpatterns = [path("floor/", views.floor)]
