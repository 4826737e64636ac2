from django.urls import path

from . import (
    views,
    views_correction,
    views_deletion,
    views_optout,
    views_processors,
    views_reports,
    views_verification,
)

app_name = "requests_app"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/submitted/", views.submitted, name="submitted"),
    path("requests/status/", views.status_lookup, name="status_lookup"),
    path("requests/status/code/", views.status_code, name="status_code"),
    path("requests/status/view/", views.status_view, name="status_view"),
    path("requests/verify/", views_verification.verify, name="verify"),
    path("requests/verify/next/", views_verification.verify_next, name="verify_next"),
    path("requests/verify/resend/", views_verification.verify_resend, name="verify_resend"),
    path("do-not-sell/", views_optout.do_not_sell, name="do_not_sell"),
    path("do-not-sell/done/", views_optout.do_not_sell_done, name="do_not_sell_done"),
    path("do-not-sell/opt-in/", views_optout.sale_opt_in, name="sale_opt_in"),
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
]

# Authorized agents (requests_app/views_agents.py).
from . import views_agents  # noqa: E402

urlpatterns += [
    path("requests/agent/", views_agents.agent_new, name="agent_new"),
    path("requests/agent/submitted/", views_agents.agent_submitted, name="agent_submitted"),
    path("requests/agent/status/", views_agents.agent_status_lookup, name="agent_status_lookup"),
    path("requests/agent/status/code/", views_agents.agent_status_code, name="agent_status_code"),
    path("requests/agent/status/view/", views_agents.agent_status_view, name="agent_status_view"),
    path("requests/confirm/", views_agents.confirm_open, name="confirm_open"),
    path("requests/confirm/new-code/", views_agents.confirm_resend, name="confirm_resend"),
    path("requests/confirm/answer/", views_agents.confirm_answer, name="confirm_answer"),
    path("requests/confirm/done/", views_agents.confirm_done, name="confirm_done"),
    path("requests/status/report/code/", views_reports.report_code_request, name="report_code_request"),
    path("requests/status/report/", views_reports.report_download, name="report_download"),
    path("requests/status/report/<str:which>/", views_reports.report_file, name="report_file"),
]
