"""API paths present on every host. Host-specific ones are added by the platform and tenant urlconfs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from saas.accounts.api import MeView, TokenView, UserListView
from saas.api.health import HealthView
from saas.audit.api import AuditEventList

common = [
    path("v1/health/", HealthView.as_view(), name="health"),
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("v1/me/", MeView.as_view(), name="me"),
    path("v1/users/", UserListView.as_view(), name="user-list"),
    path("v1/audit/", AuditEventList.as_view(), name="audit-list"),
]

docs = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
