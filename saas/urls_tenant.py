"""A tenant host (`<slug>.<BASE_DOMAIN>`): the client's portal, desktop and tenant API."""

from django.urls import include, path

from saas.api import urls as api

handler404 = "saas.api.errors.api_not_found"

api_patterns = [*api.common, *api.docs]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("", include("frontend.urls_tenant")),
]
