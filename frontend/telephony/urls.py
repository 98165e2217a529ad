"""The client admin's telephony gateway page, on the tenant host (under /telephony/)."""

from django.urls import path

from frontend.telephony import views

urlpatterns = [
    path("", views.gateways, name="telephony"),
    path("<int:pk>/", views.gateway_edit, name="telephony-gateway"),
    path("<int:pk>/rotate/", views.gateway_rotate, name="telephony-gateway-rotate"),
]
