from django.urls import path

from . import views, views_optout, views_processors, views_verification

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
]
