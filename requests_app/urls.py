from django.urls import path

from . import views, views_correction, views_deletion, views_processors

app_name = "requests_app"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/submitted/", views.submitted, name="submitted"),
    path("requests/status/", views.status_lookup, name="status_lookup"),
    path("requests/status/code/", views.status_code, name="status_code"),
    path("requests/status/view/", views.status_view, name="status_view"),
    path("do-not-sell/", views.do_not_sell, name="do_not_sell"),
    path("processors/confirm/", views_processors.processor_confirm, name="processor_confirm"),
    path("requests/delete/confirm/", views_deletion.deletion_confirm, name="deletion_confirm"),
    path("requests/delete/scheduled/", views_deletion.deletion_scheduled, name="deletion_scheduled"),
    path("requests/delete/cancel/", views_deletion.deletion_cancel, name="deletion_cancel"),
    path("requests/delete/resend/", views_deletion.deletion_resend, name="deletion_resend"),
    path("requests/correct/<str:reference>/", views_correction.correction_details, name="correction_details"),
    path(
        "requests/correct/<str:reference>/contact/",
        views_correction.correction_contact,
        name="correction_contact",
    ),
    path(
        "requests/correct/<str:reference>/statement/",
        views_correction.correction_statement,
        name="correction_statement",
    ),
    path("staff/corrections/<str:reference>/", views_correction.staff_correction, name="staff_correction"),
    path(
        "staff/corrections/<str:reference>/documents/<int:document_id>/",
        views_correction.staff_correction_document,
        name="staff_correction_document",
    ),
]
