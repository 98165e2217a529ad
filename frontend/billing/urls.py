"""Billing pages: the finance console on the platform host (under /console/billing/) and a client
admin's own invoices on the tenant host (under /billing/)."""

from django.urls import path

from frontend.billing import views

platform = [
    path("", views.overview, name="billing-overview"),
    path("runs/<int:pk>/status/", views.run_status, name="billing-run-status"),
    path("invoices/", views.invoices, name="billing-invoices"),
    path("invoices/export.<slug:fmt>", views.invoices_export, name="billing-invoices-export"),
    path("invoices/finalize/", views.finalize_period, name="billing-finalize-period"),
    path("invoices/<int:pk>/", views.invoice, name="billing-invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="billing-invoice-pdf"),
    path("invoices/<int:pk>/finalize/", views.invoice_finalize, name="billing-invoice-finalize"),
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="billing-invoice-pay"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="billing-invoice-void"),
]

tenant = [
    path("invoices/", views.tenant_invoices, name="tenant-invoices"),
    path("invoices/<int:pk>/", views.tenant_invoice, name="tenant-invoice"),
    path("invoices/<int:pk>/pdf/", views.tenant_invoice_pdf, name="tenant-invoice-pdf"),
]
