from django.contrib import admin
from django.urls import include, path

from accord.api.app import api
from accord.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("accord.web.urls")),
]
