"""Billing pages. Platform host, under /console/billing/: invoice runs with their live progress and the
monthly totals, the invoices with their exports, and one invoice with what finance does to it. Finance
writes; platform admins read (no buttons are drawn and a POST is refused); every other role is kept out.
Tenant host, under /billing/: a client admin's own issued invoices.

Thin: billing.selectors reads, billing.services acts; a service's refusal (a DomainError, a Conflict when
the invoice moved on meanwhile) comes back on the page it was asked from, with its code, never as a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.documents import invoice_document, pdf_response, yuan
from billing.models import Invoice, InvoiceRun, SeatMode
from billing.pricing import Period
from billing.selectors import (
    invoice_detail,
    invoice_list,
    issued_invoices,
    monthly_totals,
    run_list,
    status_counts,
)
from billing.services import (
    do_finalize_invoice,
    do_finalize_period,
    do_mark_paid,
    do_request_invoice_run,
    do_void_invoice,
)
from frontend.billing.forms import FinalizePeriodForm, InvoiceFilter, RunForm, VoidForm
from frontend.exports import FORMATS, export_response, local
from frontend.presentation import bad_filters, duration, from_htmx, polled_run
from frontend.views import role_required
from saas.accounts.roles import Role
from saas.api.errors import DomainError, error_response

WRITER = Role.FINANCE
READERS = (Role.FINANCE, Role.PLATFORM_ADMIN)
TENANT_READERS = (Role.TENANT_ADMIN,)
PAGE_SIZE = 50
RUNS_PAGE_SIZE = 20
# One row per tenant and month (plus credit notes): a year of a few thousand tenants stays far below this.
EXPORT_LIMIT = 50_000


# --- Shared handling ---------------------------------------------------------------------------------

def _writes(request) -> bool:
    return request.user.role == WRITER


def _only_writers(request) -> None:
    if not _writes(request):
        raise PermissionDenied


def _go(request, url: str) -> HttpResponse:
    """After a write: htmx navigates to `url` itself (a full page, so the address bar follows), a plain
    form is redirected there; either way a reload does not post again."""
    if from_htmx(request):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


def default_period() -> str:
    """Last month in Shanghai time: what the monthly run bills, and what finance runs most."""
    return str(Period.before(timezone.localdate()))


def issued(invoice: Invoice) -> bool:
    """Issued to the client: numbered at finalization, whatever happened after (paid, voided, credited).
    A draft, and a draft voided before it was ever finalized, are finance's work and never shown."""
    return invoice.number is not None


# --- Presentation helpers -------------------------------------------------------------------------------

def _run_item(run: InvoiceRun) -> dict:
    """What the run partials (_run_status.html, _run_row.html) show of a run."""
    return {"run": run, "live": run.live, "duration": duration(run),
            "invoices_url": _invoices_url(period=run.period)}


def _invoices_url(**filters) -> str:
    url = reverse("frontend:billing-invoices")
    return f"{url}?{urlencode(filters)}" if filters else url


def _row(invoice: Invoice) -> dict:
    """An invoice as a list row shows it, amounts in yuan."""
    return {"invoice": invoice, "subtotal": yuan(invoice.subtotal_fen), "vat": yuan(invoice.vat_fen),
            "total": yuan(invoice.total_fen)}


def _decimal_yuan(fen: int) -> Decimal:
    """The exact amount in yuan with its two decimals (Decimal("12.30")): what the exports write."""
    return Decimal(fen).scaleb(-2)


def _totals_chart() -> dict | None:
    """monthly_totals() as the stacked bar chart draws it (static/frontend/billing.js): one series per
    kind of seat, each bar with its amount in fen and as the tooltip shows it; None before any invoice."""
    rows = monthly_totals()
    if not rows:
        return None
    periods = sorted({row["period"] for row in rows})
    amounts = {(row["period"], row["mode"]): row["amount_fen"] or 0 for row in rows}
    series = [{"mode": mode.value, "name": str(mode.label),
               "data": [{"fen": fen, "label": yuan(fen)}
                        for fen in (amounts.get((period, mode.value), 0) for period in periods)]}
              for mode in SeatMode]
    totals = [yuan(sum(amounts.get((period, mode), 0) for mode in SeatMode.values)) for period in periods]
    return {"periods": periods, "series": series, "totals": totals, "total_label": _("Total")}


def _related(invoice: Invoice, *, url: Callable[[Invoice], str], visible: Callable[[Invoice], bool]) -> list:
    """The invoices this one is tied to, as (what it is to this one, the invoice, its page)."""
    ties = [(_("Credits invoice"), invoice.credits), (_("Cancelled by credit note"), _reverse(invoice, "credit_note")),
            (_("Corrects invoice"), invoice.replaces), (_("Corrected by"), _reverse(invoice, "replaced_by"))]
    return [{"label": label, "invoice": other, "url": url(other)} for label, other in ties
            if other is not None and visible(other)]


def _reverse(invoice: Invoice, name: str) -> Invoice | None:
    # A reverse one-to-one without a row raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(invoice, name, None)


# --- Overview: runs and monthly totals ----------------------------------------------------------------------

def _overview_page(request, form: RunForm | None, status: int = 200, refusal: DomainError | None = None):
    page = Paginator(run_list(), RUNS_PAGE_SIZE).get_page(request.GET.get("page"))
    latest = run_list().first()
    return render(request, "frontend/billing/overview.html", {
        "form": form, "refusal": refusal, "can_run": _writes(request), "page": page,
        "items": [_run_item(run) for run in page], "last_run": _run_item(latest) if latest else None,
        "chart": _totals_chart(),
    }, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def overview(request):
    """Invoice runs, newest first, and what each month billed; finance runs a month from here (POST)."""
    if request.method == "GET":
        return _overview_page(request, RunForm(initial={"period": default_period()}) if _writes(request) else None)
    _only_writers(request)
    form, run, refusal, status = RunForm(request.POST), None, None, 400
    if form.is_valid():
        try:
            run = do_request_invoice_run(actor=request.user, period=form.cleaned_data["period"])
        except DomainError as error:
            refusal, status = error, error.status_code
    if not from_htmx(request):
        return redirect("frontend:billing-overview") if run else _overview_page(request, form, status, refusal)
    # htmx swaps the panel: the form (with its errors, if any) above the run asked for, or the last one.
    shown = run or run_list().first()
    return render(request, "frontend/billing/_run_panel.html", {
        "form": form, "refusal": refusal, "can_run": True, "new": run is not None,
        "last_run": _run_item(shown) if shown else None,
    }, status=200 if run else status)


RUN_PARTIALS = {"card": "frontend/billing/_run_status.html", "row": "frontend/billing/_run_row.html"}


@require_GET
@role_required(*READERS)
def run_status(request, pk: int):
    """One run as the overview's card or as a runs table row (`as=card|row`), polled every second while
    it is queued or running."""
    run = get_object_or_404(InvoiceRun, pk=pk)
    return polled_run(request, RUN_PARTIALS, {"item": _run_item(run)}, live=run.live)


# --- Invoices ---------------------------------------------------------------------------------------------

@require_GET
@role_required(*READERS)
def invoices(request):
    """Every tenant's invoices and credit notes, filtered; with a period chosen, its invoices per status."""
    form = InvoiceFilter(request.GET)
    if not form.is_valid():
        return bad_filters(request, form)
    page = Paginator(invoice_list(**form.cleaned_data), PAGE_SIZE).get_page(request.GET.get("page"))
    period = form.cleaned_data["period"]
    counts = status_counts(period) if period else {}
    return render(request, "frontend/billing/invoices.html", {
        "form": form, "page": page, "rows": [_row(invoice) for invoice in page], "period": period,
        "counts": [{"status": status, "label": Invoice.Status(status).label, "count": count,
                    "url": _invoices_url(period=period, status=status)} for status, count in counts.items()],
        "drafts": counts.get(Invoice.Status.DRAFT, 0), "can_write": _writes(request),
    })


# Both export formats, in this order: plain values (datetimes stay datetimes, amounts exact Decimals).
EXPORT_COLUMNS = (
    (pgettext_lazy("invoice number", "Number"), lambda invoice: invoice.number or ""),
    (gettext_lazy("Kind"), lambda invoice: invoice.get_kind_display()),
    (gettext_lazy("Status"), lambda invoice: invoice.get_status_display()),
    (gettext_lazy("Client enterprise"), lambda invoice: invoice.tenant.slug),
    (gettext_lazy("Legal name"), lambda invoice: invoice.tenant.legal_name),
    (gettext_lazy("Period"), lambda invoice: invoice.period),
    (gettext_lazy("Currency"), lambda invoice: invoice.currency),
    (gettext_lazy("Subtotal"), lambda invoice: _decimal_yuan(invoice.subtotal_fen)),
    (gettext_lazy("VAT"), lambda invoice: _decimal_yuan(invoice.vat_fen)),
    (gettext_lazy("Total"), lambda invoice: _decimal_yuan(invoice.total_fen)),
    (gettext_lazy("Created at"), lambda invoice: invoice.created_at),
    (gettext_lazy("Finalized at"), lambda invoice: invoice.finalized_at),
    (gettext_lazy("Paid at"), lambda invoice: invoice.paid_at),
    (gettext_lazy("Voided at"), lambda invoice: invoice.voided_at),
)
EXPORT_WIDTHS = (15, 10, 10, 14, 36, 9, 8, 14, 12, 14, 19, 19, 19, 19)  # XLSX column widths, in characters


def _export_rows(rows):
    for invoice in rows.iterator(chunk_size=2000):
        yield [local(value(invoice)) for _label, value in EXPORT_COLUMNS]


@require_GET
@role_required(*READERS)
def invoices_export(request, fmt: str):
    """The invoice list as CSV or XLSX, with the same filters as the page."""
    if fmt not in FORMATS:
        return error_response(request, code="not_found", message=_("Not found."), status_code=404)
    form = InvoiceFilter(request.GET)
    if not form.is_valid():
        return bad_filters(request, form)
    rows = invoice_list(**form.cleaned_data)
    if (count := rows.count()) > EXPORT_LIMIT:
        return error_response(request, code="export_too_large", status_code=400, message=_(
            "%(count)d invoices are too many to export at once (at most %(limit)d); narrow the filters.")
            % {"count": count, "limit": EXPORT_LIMIT})
    return export_response(fmt, [label for label, _value in EXPORT_COLUMNS], _export_rows(rows),
                           name="invoices", title=_("Invoices"), widths=EXPORT_WIDTHS)


@require_POST
@role_required(*READERS)
def finalize_period(request):
    """Finalize every draft of a period (the button under the period's counts)."""
    _only_writers(request)
    form = FinalizePeriodForm(request.POST)
    if not form.is_valid():
        return bad_filters(request, form)
    period = form.cleaned_data["period"]
    try:
        count = do_finalize_period(actor=request.user, period=period)
    except DomainError as error:
        return error_response(request, code=error.code, message=error.message, status_code=error.status_code)
    messages.success(request, ngettext("%(count)d draft of %(period)s finalized.",
                                       "%(count)d drafts of %(period)s finalized.", count)
                     % {"count": count, "period": period})
    return _go(request, _invoices_url(period=period))


# --- One invoice -------------------------------------------------------------------------------------------

def _finance_invoice(pk: int) -> Invoice:
    try:
        return invoice_detail(pk)
    except Invoice.DoesNotExist:
        raise Http404 from None


def _invoice_page(request, invoice: Invoice, *, status: int = 200, refusal: DomainError | None = None,
                  void_form: VoidForm | None = None):
    can_write = _writes(request)
    is_invoice = invoice.kind == Invoice.Kind.INVOICE
    return render(request, "frontend/billing/invoice.html", {
        "invoice": invoice, "doc": invoice_document(invoice), "refusal": refusal, "can_write": can_write,
        "totals": _row(invoice),
        "related": _related(invoice, url=lambda other: reverse("frontend:billing-invoice", args=[other.pk]),
                            visible=lambda other: True),
        "can_finalize": can_write and invoice.status == Invoice.Status.DRAFT,
        "can_pay": can_write and invoice.status == Invoice.Status.FINALIZED,
        "can_void": can_write and is_invoice and invoice.status in (Invoice.Status.DRAFT, Invoice.Status.FINALIZED),
        "void_form": void_form or VoidForm(),
    }, status=status)


@require_GET
@role_required(*READERS)
def invoice(request, pk: int):
    """One invoice or credit note as the client receives it, with what finance may do to it next."""
    return _invoice_page(request, _finance_invoice(pk))


@require_GET
@role_required(*READERS)
def invoice_pdf(request, pk: int):
    return pdf_response(_finance_invoice(pk))


def _act(request, pk: int, perform: Callable[[Invoice], str], *, void_form: VoidForm | None = None):
    """How every invoice button is handled: the service, a message and back to the invoice; refused (a
    Conflict: someone finalized, paid or voided it meanwhile), the invoice page again with why."""
    _only_writers(request)
    invoice = _finance_invoice(pk)
    try:
        done = perform(invoice)
    except DomainError as error:
        return _invoice_page(request, _finance_invoice(pk), status=error.status_code, refusal=error,
                             void_form=void_form)
    messages.success(request, done)
    return _go(request, reverse("frontend:billing-invoice", args=[pk]))


@require_POST
@role_required(*READERS)
def invoice_finalize(request, pk: int):
    def perform(invoice):
        finalized = do_finalize_invoice(actor=request.user, invoice=invoice)
        return _("Invoice %(number)s issued.") % {"number": finalized.number}

    return _act(request, pk, perform)


@require_POST
@role_required(*READERS)
def invoice_pay(request, pk: int):
    def perform(invoice):
        paid = do_mark_paid(actor=request.user, invoice=invoice)  # source "manual", as the API records it
        return _("Invoice %(number)s marked paid.") % {"number": paid.number}

    return _act(request, pk, perform)


@require_POST
@role_required(*READERS)
def invoice_void(request, pk: int):
    _only_writers(request)
    form = VoidForm(request.POST)
    if not form.is_valid():
        return _invoice_page(request, _finance_invoice(pk), status=400, void_form=form)

    def perform(invoice):
        result = do_void_invoice(actor=request.user, invoice=invoice, **form.cleaned_data)
        said = [_("Invoice %(name)s voided.") % {"name": invoice.number or _("draft #%(pk)d") % {"pk": invoice.pk}}]
        if result.kind == Invoice.Kind.CREDIT_NOTE:
            said.append(_("Credit note %(number)s issued.") % {"number": result.number})
        if replacement := Invoice.objects.filter(replaces=invoice).first():
            said.append(_("Corrected draft #%(pk)d computed.") % {"pk": replacement.pk})
        return " ".join(said)

    return _act(request, pk, perform, void_form=form)


# --- Tenant host --------------------------------------------------------------------------------------------

def _own_issued(request, pk: int) -> Invoice:
    """One of this tenant's issued invoices; another tenant's, or a draft, is not found."""
    try:
        return invoice_detail(pk, tenant=request.tenant)
    except Invoice.DoesNotExist:
        raise Http404 from None


@require_GET
@role_required(*TENANT_READERS)
def tenant_invoices(request):
    """This tenant's invoices and credit notes. Drafts are finance's work in progress (recomputed freely,
    voided without a trace for the client) and are not shown: only what was issued, with a number."""
    rows = issued_invoices(request.tenant)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/billing/tenant_invoices.html",
                  {"page": page, "rows": [_row(invoice) for invoice in page]})


@require_GET
@role_required(*TENANT_READERS)
def tenant_invoice(request, pk: int):
    invoice = _own_issued(request, pk)
    return render(request, "frontend/billing/tenant_invoice.html", {
        "invoice": invoice, "doc": invoice_document(invoice),
        "related": _related(invoice, url=lambda other: reverse("frontend:tenant-invoice", args=[other.pk]),
                            visible=issued),
    })


@require_GET
@role_required(*TENANT_READERS)
def tenant_invoice_pdf(request, pk: int):
    return pdf_response(_own_issued(request, pk))
