"""The platform host (the bare BASE_DOMAIN): platform console and platform API."""

from django.urls import include, path

from billing import api as billing
from compliance import api as compliance
from saas.api import urls as api
from saas.holidays import api as holidays
from tenants import api as tenants_api

handler404 = "saas.api.errors.api_not_found"

api_patterns = [
    *api.common,
    path("v1/tenants/", tenants_api.ClientListView.as_view(), name="tenant-list"),
    path("v1/tenants/<slug:slug>/", tenants_api.ClientDetailView.as_view(), name="tenant-detail"),
    path("v1/tenants/<slug:slug>/suspend/", tenants_api.ClientSuspendView.as_view(), name="tenant-suspend"),
    path("v1/tenants/<slug:slug>/resume/", tenants_api.ClientResumeView.as_view(), name="tenant-resume"),
    path("v1/tenants/<slug:slug>/archive/", tenants_api.ClientArchiveView.as_view(), name="tenant-archive"),
    path("v1/public-holidays/", holidays.PublicHolidayListView.as_view(), name="public-holiday-list"),
    path("v1/public-holidays/<int:pk>/", holidays.PublicHolidayDetailView.as_view(), name="public-holiday-detail"),
    path("v1/number-resources/", compliance.NumberResourceListView.as_view(), name="number-resource-list"),
    path("v1/number-resources/<int:pk>/", compliance.NumberResourceDetailView.as_view(),
         name="number-resource-detail"),
    path("v1/billing/subscriptions/", billing.SubscriptionListView.as_view(), name="subscription-list"),
    path("v1/billing/subscriptions/<int:pk>/", billing.SubscriptionDetailView.as_view(), name="subscription-detail"),
    *api.docs,
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("", include("frontend.urls_platform")),
]
