"""The platform host (the bare BASE_DOMAIN): platform console and platform API."""

from django.urls import include, path

from billing import api as billing
from billing import webhooks as billing_webhooks
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
    path("v1/tenants/<slug:slug>/outbound/", tenants_api.ClientOutboundView.as_view(), name="tenant-outbound"),
    path("v1/public-holidays/", holidays.PublicHolidayListView.as_view(), name="public-holiday-list"),
    path("v1/public-holidays/<int:pk>/", holidays.PublicHolidayDetailView.as_view(), name="public-holiday-detail"),
    path("v1/number-resources/", compliance.NumberResourceListView.as_view(), name="number-resource-list"),
    path("v1/number-resources/<int:pk>/", compliance.NumberResourceDetailView.as_view(),
         name="number-resource-detail"),
    path("v1/licences/", compliance.LicenceListView.as_view(), name="licence-list"),
    path("v1/licences/<int:pk>/", compliance.LicenceDetailView.as_view(), name="licence-detail"),
    path("v1/licences/<int:pk>/annual-reports/", compliance.AnnualReportView.as_view(), name="licence-annual-reports"),
    path("v1/platform-sites/", compliance.PlatformSiteListView.as_view(), name="platform-site-list"),
    path("v1/platform-sites/<int:pk>/", compliance.PlatformSiteDetailView.as_view(), name="platform-site-detail"),
    path("v1/responsible-entities/", compliance.ResponsibleEntityListView.as_view(), name="responsible-entity-list"),
    path("v1/responsible-entities/<int:pk>/", compliance.ResponsibleEntityDetailView.as_view(),
         name="responsible-entity-detail"),
    path("v1/topology-changes/", compliance.TopologyChangeListView.as_view(), name="topology-change-list"),
    path("v1/topology-changes/<int:pk>/", compliance.TopologyChangeDetailView.as_view(),
         name="topology-change-detail"),
    path("v1/topology-changes/<int:pk>/file/", compliance.TopologyChangeFileView.as_view(),
         name="topology-change-file"),
    path("v1/topology-changes/<int:pk>/approve/", compliance.TopologyChangeApproveView.as_view(),
         name="topology-change-approve"),
    path("v1/topology-changes/<int:pk>/reject/", compliance.TopologyChangeRejectView.as_view(),
         name="topology-change-reject"),
    path("v1/topology-changes/<int:pk>/apply/", compliance.TopologyChangeApplyView.as_view(),
         name="topology-change-apply"),
    path("v1/compliance/audits/", compliance.AuditRunListView.as_view(), name="audit-run-list"),
    path("v1/compliance/audits/<int:pk>/", compliance.AuditRunDetailView.as_view(), name="audit-run-detail"),
    path("v1/compliance/findings/", compliance.FindingListView.as_view(), name="finding-list"),
    path("v1/compliance/rules/", compliance.RuleListView.as_view(), name="rule-list"),
    path("v1/compliance/rules/<str:rule_id>/", compliance.RuleDetailView.as_view(), name="rule-detail"),
    path("v1/compliance/map/<int:pk>/", compliance.CoverageMapView.as_view(), name="coverage-map"),
    path("v1/billing/plans/", billing.PlanListView.as_view(), name="plan-list"),
    path("v1/billing/plans/<int:pk>/", billing.PlanDetailView.as_view(), name="plan-detail"),
    path("v1/billing/runs/", billing.InvoiceRunListView.as_view(), name="invoice-run-list"),
    path("v1/billing/runs/<int:pk>/", billing.InvoiceRunDetailView.as_view(), name="invoice-run-detail"),
    path("v1/billing/invoices/", billing.InvoiceListView.as_view(), name="invoice-list"),
    path("v1/billing/invoices/<int:pk>/", billing.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("v1/billing/invoices/<int:pk>/pdf/", billing.InvoicePdfView.as_view(), name="invoice-pdf"),
    path("v1/billing/invoices/<int:pk>/finalize/", billing.InvoiceFinalizeView.as_view(), name="invoice-finalize"),
    path("v1/billing/invoices/<int:pk>/void/", billing.InvoiceVoidView.as_view(), name="invoice-void"),
    path("v1/billing/invoices/<int:pk>/pay/", billing.InvoicePayView.as_view(), name="invoice-pay"),
    path("v1/billing/subscriptions/", billing.SubscriptionListView.as_view(), name="subscription-list"),
    path("v1/billing/subscriptions/<int:pk>/", billing.SubscriptionDetailView.as_view(), name="subscription-detail"),
    path("v1/billing/stripe/webhook/", billing_webhooks.StripeWebhookView.as_view(), name="stripe-webhook"),
    *api.docs,
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("", include("frontend.urls_platform")),
]
