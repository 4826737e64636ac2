from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from rakunest_privacy import views

urlpatterns = [
    path("", include("requests_app.urls")),
    path("", include("drp.urls")),  # the Data Rights Protocol's /v1/… paths, as the spec names them
    path("admin/", admin.site.urls),
    path("staff/api-tokens/", include("api.staff_urls")),  # the API's own staff page (api sits above staff)
    path("staff/", include("staff.urls")),
    path("api/", include("api.urls")),
    path("language/", views.language_set, name="set_language"),  # the switcher in base.html
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/", include("bench.urls")))
