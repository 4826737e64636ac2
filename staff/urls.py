from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("mfa/", views.mfa_verify, name="mfa"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("", views.queue, name="queue"),
    path("requests/", views.queue, name="requests"),
    path("requests/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("requests/<str:reference>/appeal/decide/", views.appeal_decide, name="appeal_decide"),
    path(
        "requests/<str:reference>/correction-documents/<int:document_id>/",
        views.correction_document,
        name="correction_document",
    ),
    path("requests/<str:reference>/agent-document/", views.agent_document, name="agent_document"),
    path("requests/<str:reference>/<slug:action>/", views.request_action, name="request_action"),
    path("appeals/", views.appeal_queue, name="appeals"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("metrics.csv", views.metrics_csv, name="metrics_csv"),
    path("request-log.csv", views.request_log_csv, name="request_log_csv"),
]
