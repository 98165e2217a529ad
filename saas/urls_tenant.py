"""A tenant host (`<slug>.<BASE_DOMAIN>`): the client's portal, desktop and tenant API."""

from django.urls import include, path

from saas.api import urls as api
from saas.seats import api as seats

handler404 = "saas.api.errors.api_not_found"

api_patterns = [
    *api.common,
    path("v1/seats/", seats.SeatListView.as_view(), name="seat-list"),
    path("v1/seats/usage/", seats.SeatUsageView.as_view(), name="seat-usage"),
    path("v1/seats/<int:pk>/", seats.SeatDetailView.as_view(), name="seat-detail"),
    path("v1/seats/<int:pk>/activate/", seats.SeatActivateView.as_view(), name="seat-activate"),
    path("v1/seats/<int:pk>/deactivate/", seats.SeatDeactivateView.as_view(), name="seat-deactivate"),
    *api.docs,
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("", include("frontend.urls_tenant")),
]
