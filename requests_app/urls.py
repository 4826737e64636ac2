from django.urls import path

from . import views, views_reports

app_name = "requests_app"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/submitted/", views.submitted, name="submitted"),
    path("requests/status/", views.status_lookup, name="status_lookup"),
    path("requests/status/code/", views.status_code, name="status_code"),
    path("requests/status/view/", views.status_view, name="status_view"),
    path("do-not-sell/", views.do_not_sell, name="do_not_sell"),
    path("requests/status/report/code/", views_reports.report_code_request, name="report_code_request"),
    path("requests/status/report/", views_reports.report_download, name="report_download"),
    path("requests/status/report/<str:which>/", views_reports.report_file, name="report_file"),
]
