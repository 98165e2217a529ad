"""A tenant host (`<slug>.<BASE_DOMAIN>`): the client's portal, desktop and tenant API."""

from django.urls import include, path

from billing import api as billing
from compliance import api as compliance
from saas.acd import api as telephony
from saas.acd import supervision
from saas.agents import api as agents
from saas.api import urls as api
from saas.calendars import api as calendars
from saas.imports import api as imports
from saas.numbers import api as numbers
from saas.queues import api as queues
from saas.seats import api as seats

handler404 = "saas.api.errors.api_not_found"

api_patterns = [
    *api.common,
    path("v1/seats/", seats.SeatListView.as_view(), name="seat-list"),
    path("v1/seats/usage/", seats.SeatUsageView.as_view(), name="seat-usage"),
    path("v1/seats/<int:pk>/", seats.SeatDetailView.as_view(), name="seat-detail"),
    path("v1/seats/<int:pk>/activate/", seats.SeatActivateView.as_view(), name="seat-activate"),
    path("v1/seats/<int:pk>/deactivate/", seats.SeatDeactivateView.as_view(), name="seat-deactivate"),
    path("v1/agents/", agents.AgentListView.as_view(), name="agent-list"),
    path("v1/agents/<int:pk>/", agents.AgentDetailView.as_view(), name="agent-detail"),
    path("v1/teams/", agents.TeamListView.as_view(), name="team-list"),
    path("v1/teams/<int:pk>/", agents.TeamDetailView.as_view(), name="team-detail"),
    path("v1/skills/", agents.SkillListView.as_view(), name="skill-list"),
    path("v1/skills/<int:pk>/", agents.SkillDetailView.as_view(), name="skill-detail"),
    path("v1/reason-codes/", agents.ReasonCodeListView.as_view(), name="reason-code-list"),
    path("v1/reason-codes/<int:pk>/", agents.ReasonCodeDetailView.as_view(), name="reason-code-detail"),
    path("v1/queues/", queues.QueueListView.as_view(), name="queue-list"),
    path("v1/queues/<int:pk>/", queues.QueueDetailView.as_view(), name="queue-detail"),
    path("v1/calendars/", calendars.CalendarDayListView.as_view(), name="calendar-day-list"),
    path("v1/calendars/year/", calendars.CalendarYearView.as_view(), name="calendar-year"),
    path("v1/calendars/<int:pk>/", calendars.CalendarDayDetailView.as_view(), name="calendar-day-detail"),
    path("v1/numbers/", numbers.NumberListView.as_view(), name="number-list"),
    path("v1/numbers/<int:pk>/", numbers.NumberDetailView.as_view(), name="number-detail"),
    path("v1/imports/<slug:kind>/", imports.ImportView.as_view(), name="import"),
    path("v1/imports/<slug:kind>/template/", imports.ImportTemplateView.as_view(), name="import-template"),
    path("v1/compliance/", compliance.TenantComplianceView.as_view(), name="tenant-compliance"),
    path("v1/billing/invoices/", billing.TenantInvoiceListView.as_view(), name="invoice-list"),
    path("v1/billing/invoices/<int:pk>/", billing.TenantInvoiceDetailView.as_view(), name="invoice-detail"),
    path("v1/billing/invoices/<int:pk>/pdf/", billing.TenantInvoicePdfView.as_view(), name="invoice-pdf"),
    path("v1/telephony/events/", telephony.TelephonyEventView.as_view(), name="telephony-event"),
    path("v1/telephony/gateways/", telephony.GatewayListView.as_view(), name="telephony-gateway-list"),
    path("v1/telephony/gateways/<int:pk>/", telephony.GatewayDetailView.as_view(), name="telephony-gateway-detail"),
    path("v1/telephony/gateways/<int:pk>/rotate-token/", telephony.GatewayRotateTokenView.as_view(),
         name="telephony-gateway-rotate-token"),
    path("v1/acd/wallboard/", supervision.WallboardView.as_view(), name="acd-wallboard"),
    path("v1/acd/agents/<int:pk>/force-not-ready/", supervision.ForceNotReadyView.as_view(),
         name="acd-agent-force-not-ready"),
    path("v1/acd/agents/<int:pk>/force-logout/", supervision.ForceLogoutView.as_view(), name="acd-agent-force-logout"),
    *api.docs,
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("", include("frontend.urls_tenant")),
]
