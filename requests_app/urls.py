from django.urls import path

from requests_app.agents import views as agents
from requests_app.appeals import views as appeals
from requests_app.correction import views as correction
from requests_app.deletion import views as deletion
from requests_app.intake import views as intake
from requests_app.optout import views as optout
from requests_app.processors import views as processors
from requests_app.reports import views as reports
from requests_app.status import views as status
from requests_app.systems import views as systems
from requests_app.verify import views as verify

app_name = "requests_app"

urlpatterns = [
    path("", intake.home, name="home"),
    path("requests/new/", intake.request_new, name="request_new"),
    path("requests/submitted/", intake.submitted, name="submitted"),
    path("requests/status/", status.status_lookup, name="status_lookup"),
    path("requests/status/code/", status.status_code, name="status_code"),
    path("requests/status/view/", status.status_view, name="status_view"),
    path("requests/status/appeal/", appeals.appeal_new, name="appeal_new"),
    path("requests/status/report/code/", reports.report_code_request, name="report_code_request"),
    path("requests/status/report/", reports.report_download, name="report_download"),
    path("requests/status/report/<str:which>/", reports.report_file, name="report_file"),
    path("requests/verify/", verify.verify, name="verify"),
    path("requests/verify/next/", verify.verify_next, name="verify_next"),
    path("requests/verify/resend/", verify.verify_resend, name="verify_resend"),
    path("do-not-sell/", optout.do_not_sell, name="do_not_sell"),
    path("do-not-sell/done/", optout.do_not_sell_done, name="do_not_sell_done"),
    path("do-not-sell/opt-in/", optout.sale_opt_in, name="sale_opt_in"),
    path("processors/confirm/", processors.processor_confirm, name="processor_confirm"),
    path("systems/owner/<str:token>/", systems.system_owner_task, name="system_owner_task"),
    path("requests/delete/confirm/", deletion.deletion_confirm, name="deletion_confirm"),
    path("requests/delete/confirm/now/", deletion.deletion_confirm_now, name="deletion_confirm_now"),
    path("requests/delete/scheduled/", deletion.deletion_scheduled, name="deletion_scheduled"),
    path("requests/delete/cancel/", deletion.deletion_cancel, name="deletion_cancel"),
    path("requests/delete/resend/", deletion.deletion_resend, name="deletion_resend"),
    path("requests/correct/<str:reference>/", correction.correction_details, name="correction_details"),
    path(
        "requests/correct/<str:reference>/contact/", correction.correction_contact, name="correction_contact"
    ),
    path(
        "requests/correct/<str:reference>/statement/",
        correction.correction_statement,
        name="correction_statement",
    ),
    # Authorized agents (Regs §7063).
    path("requests/agent/", agents.agent_new, name="agent_new"),
    path("requests/agent/submitted/", agents.agent_submitted, name="agent_submitted"),
    path("requests/agent/status/", agents.agent_status_lookup, name="agent_status_lookup"),
    path("requests/agent/status/code/", agents.agent_status_code, name="agent_status_code"),
    path("requests/agent/status/view/", agents.agent_status_view, name="agent_status_view"),
    path("requests/confirm/", agents.confirm_open, name="confirm_open"),
    path("requests/confirm/new-code/", agents.confirm_resend, name="confirm_resend"),
    path("requests/confirm/answer/", agents.confirm_answer, name="confirm_answer"),
    path("requests/confirm/done/", agents.confirm_done, name="confirm_done"),
]
