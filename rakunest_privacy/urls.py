from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("requests_app.urls")),
    path("admin/", admin.site.urls),
    path("staff/", include("staff.urls")),
    path("api/", include("api.urls")),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/", include("bench.urls")))
