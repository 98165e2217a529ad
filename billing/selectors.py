"""Reads for billing: seat-days from the seat ledger, the plan each tenant pays, invoices and runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, QuerySet, Sum

from billing.models import Invoice, InvoiceLine, InvoiceRun, Plan, SeatLedgerEntry, Subscription
from billing.pricing import Period, active_days, seats_per_day

LEDGER = SeatLedgerEntry._meta.db_table
ACTIVATED = SeatLedgerEntry.Event.ACTIVATED


def tenants_with_seat_days(period: Period) -> list[int]:
    """Every tenant with a seat active at some moment of the period: those the run bills, by id."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT tenant_id FROM (
                    SELECT DISTINCT ON (tenant_id, seat_id, mode) tenant_id, event FROM public.{LEDGER}
                    WHERE at < %(start)s ORDER BY tenant_id, seat_id, mode, at DESC, id DESC
                ) AS at_start WHERE event = %(activated)s
                UNION
                SELECT tenant_id FROM public.{LEDGER} WHERE at >= %(start)s AND at < %(end)s AND event = %(activated)s
                ORDER BY 1""",
            {"start": period.start, "end": period.end, "activated": ACTIVATED},
        )
        return [tenant_id for (tenant_id,) in cursor.fetchall()]


def seats_per_day_by_mode(period: Period, tenant_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """For each tenant and mode with any seat-day: the number of active seats on each day of the period."""
    masks: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (tenant_id, _seat, mode), active_at_start, changes in _seat_histories(period, tenant_ids):
        if mask := active_days(period, active_at_start=active_at_start, changes=changes):
            masks[tenant_id, mode].append(mask)
    result: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for (tenant_id, mode), seat_masks in masks.items():
        result[tenant_id][mode] = seats_per_day(seat_masks, period.days)
    return result


def _seat_histories(period: Period, tenant_ids: list[int]) -> Iterable[tuple[tuple, bool, list]]:
    """(tenant, seat, mode), active when the period starts, its switches inside the period in time order."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT tenant_id, seat_id, mode FROM (
                    SELECT DISTINCT ON (tenant_id, seat_id, mode) tenant_id, seat_id, mode, event FROM public.{LEDGER}
                    WHERE tenant_id = ANY(%(tenants)s) AND at < %(start)s
                    ORDER BY tenant_id, seat_id, mode, at DESC, id DESC
                ) AS at_start WHERE event = %(activated)s""",
            {"tenants": tenant_ids, "start": period.start, "activated": ACTIVATED},
        )
        active_at_start = set(cursor.fetchall())
        cursor.execute(
            f"""SELECT tenant_id, seat_id, mode, at, event = %(activated)s FROM public.{LEDGER}
                WHERE tenant_id = ANY(%(tenants)s) AND at >= %(start)s AND at < %(end)s
                ORDER BY tenant_id, seat_id, mode, at, id""",
            {"tenants": tenant_ids, "start": period.start, "end": period.end, "activated": ACTIVATED},
        )
        changes: dict[tuple, list] = defaultdict(list)
        for tenant_id, seat_id, mode, at, active in cursor.fetchall():
            changes[tenant_id, seat_id, mode].append((at, active))
    for key in active_at_start | changes.keys():
        yield key, key in active_at_start, changes.get(key, ())


def plans_by_tenant(tenant_ids: list[int]) -> tuple[dict[tuple[int, str], Plan], dict[str, Plan]]:
    """({(tenant, mode): its subscription's plan}, {mode: default plan}), tiers prefetched."""
    plans = {plan.pk: plan for plan in Plan.objects.prefetch_related("price_tiers")}
    chosen = {(tenant_id, mode): plans[plan_id] for tenant_id, mode, plan_id in Subscription.objects
              .filter(tenant_id__in=tenant_ids, plan__isnull=False).values_list("tenant_id", "mode", "plan_id")}
    defaults = {plan.mode: plan for plan in plans.values() if plan.is_default}
    return chosen, defaults


def invoiced_tenants(period: Period, tenant_ids: list[int]) -> dict[int, int | None]:
    """Of these tenants, those with a live (not void) invoice for the period: {tenant: the run that drafted it}."""
    return dict(Invoice.objects.filter(period=str(period), kind=Invoice.Kind.INVOICE, tenant_id__in=tenant_ids)
                .exclude(status=Invoice.Status.VOID).values_list("tenant_id", "run_id"))


def invoice_list(*, period: str = "", status: str = "", tenant=None, kind: str = "") -> QuerySet[Invoice]:
    rows = Invoice.objects.select_related("tenant")
    if period:
        rows = rows.filter(period=period)
    if status:
        rows = rows.filter(status=status)
    if tenant is not None:
        rows = rows.filter(tenant=tenant)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def issued_invoices(tenant) -> QuerySet[Invoice]:
    """What a client sees of its invoices: those issued, with a number (finalized, paid, voided after
    issue, credit notes). Drafts, and drafts voided before issue, are finance's work in progress."""
    return invoice_list(tenant=tenant).filter(number__isnull=False)


def invoice_detail(pk: int, *, tenant=None) -> Invoice:
    """One invoice with its lines; `tenant` limits the search to that tenant's issued ones
    (Invoice.DoesNotExist otherwise)."""
    rows = issued_invoices(tenant) if tenant is not None else Invoice.objects.all()
    return rows.select_related("tenant", "credits", "replaces").prefetch_related("lines__plan").get(pk=pk)


def monthly_totals(*, months: int = 12) -> list[dict]:
    """Billed amounts (as the plans price them) per period and mode over the latest `months` periods: what
    the finance console charts. Drafts count (a run's result shows at once); a voided draft does not; a
    voided invoice counts with its credit note, which cancels it, and its correction."""
    billed = Invoice.objects.exclude(status=Invoice.Status.VOID, finalized_at__isnull=True)
    periods = list(billed.order_by("-period").values_list("period", flat=True).distinct()[:months])
    rows = (InvoiceLine.objects.filter(invoice__in=billed.filter(period__in=periods))
            .values("invoice__period", "mode").annotate(amount=Sum("amount_fen"), seat_days=Sum("seat_days"))
            .order_by("invoice__period", "mode"))
    return [{"period": row["invoice__period"], "mode": row["mode"], "amount_fen": row["amount"],
             "seat_days": row["seat_days"]} for row in rows]


def run_list() -> QuerySet[InvoiceRun]:
    return InvoiceRun.objects.all()


def status_counts(period: str) -> dict[str, int]:
    counts = dict(Invoice.objects.filter(period=period, kind=Invoice.Kind.INVOICE).values_list("status")
                  .annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Invoice.Status.values}
