from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("requests_app.urls")),
    path("", include("drp.urls")),  # the Data Rights Protocol's /v1/… paths, as the spec names them
    path("admin/", admin.site.urls),
    path("staff/", include("staff.urls")),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the switcher in base.html
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/", include("bench.urls")))
