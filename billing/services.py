"""Writes of billing: plans, subscriptions, invoice runs, and an invoice's life (finalize, pay, void).

Every write is a named action that leaves an audit row. Finalized invoices never change but for their
status; what a correction needs is a credit note and a new invoice (do_void_invoice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import selectors
from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceRun,
    Plan,
    PlanTier,
    SeatMode,
    Subscription,
    SubscriptionChange,
)
from billing.pricing import Period, prorated, seat_days_per_tier, totals
from compliance.enforcement import guard
from compliance.rules.subjects import of_tenant
from saas.api.errors import Conflict, DomainError
from saas.api.resources import full_clean_or_400, save_and_record
from saas.audit.services import record
from saas.celery import enqueue

BATCH = 500  # tenants per transaction of a run: the unit a killed run loses at most
STALE_AFTER = timedelta(minutes=5)  # a live run whose heartbeat is older has lost its worker


# --- Plans -------------------------------------------------------------------------------------------

@transaction.atomic
def do_create_plan(*, actor, tiers: list[dict] | None = None, **fields) -> Plan:
    plan = Plan(**fields)
    if plan.is_default:  # the new default takes over its mode
        Plan.objects.filter(mode=plan.mode, is_default=True).update(is_default=False)
    full_clean_or_400(plan)
    plan.save()
    _replace_tiers(plan, tiers or [])
    record(actor=actor, action="plan.created", target=plan, data={"code": plan.code})
    return plan


@transaction.atomic
def do_change_plan(*, actor, instance: Plan, tiers: list[dict] | None = None, **changes) -> Plan:
    """New prices apply to the next invoices computed; finalized invoices keep the prices they were issued at."""
    plan = Plan.objects.select_for_update().get(pk=instance.pk)
    if "mode" in changes and changes["mode"] != plan.mode and plan.subscriptions.exists():
        raise Conflict("plan_in_use", _("Tenants subscribe to this plan; its mode cannot change."))
    for field, value in changes.items():
        setattr(plan, field, value)
    if plan.is_default:
        Plan.objects.filter(mode=plan.mode, is_default=True).exclude(pk=plan.pk).update(is_default=False)
    full_clean_or_400(plan)
    plan.save()
    if tiers is not None:
        _replace_tiers(plan, tiers)
    record(actor=actor, action="plan.changed", target=plan,
           data={"fields": sorted([*changes, *(["tiers"] if tiers is not None else [])])})
    return plan


def _replace_tiers(plan: Plan, tiers: list[dict]) -> None:
    seats = [tier["from_seat"] for tier in tiers]
    if len(set(seats)) != len(seats) or any(seat < 2 for seat in seats):
        raise DomainError("invalid_tiers", _("Tiers start at seat 2 or later, each at a different seat."),
                          details={"tiers": seats})
    plan.price_tiers.all().delete()
    PlanTier.objects.bulk_create(PlanTier(plan=plan, from_seat=tier["from_seat"],
                                          unit_price_fen=tier["unit_price_fen"]) for tier in tiers)


# --- Subscriptions ---------------------------------------------------------------------------------------

def _check_plan(plan: Plan | None, mode: str) -> None:
    if plan is not None and plan.mode != mode:
        raise DomainError("plan_mode_mismatch", _("This plan prices another kind of seat."),
                          details={"plan": plan.code, "mode": mode})


def _history(actor, subscription: Subscription, previous: int | None) -> None:
    SubscriptionChange.objects.create(
        subscription=subscription, tenant=subscription.tenant, mode=subscription.mode,
        quantity=subscription.quantity, previous_quantity=previous, plan=subscription.plan, at=timezone.now(),
        actor_username=getattr(actor, "username", "") or "system")


@transaction.atomic
def do_subscribe(*, actor, tenant, mode: str, quantity: int, plan: Plan | None = None) -> Subscription:
    if Subscription.objects.filter(tenant=tenant, mode=mode).exists():
        raise Conflict("subscription_exists",
                       _("This tenant already subscribes seats of this kind; change its quantity."))
    _check_plan(plan, mode)
    # A self-use tenant subscribing outsourced seats is refused here (SELF-01).
    with guard(tenant, touching=[of_tenant(tenant)]):
        subscription = save_and_record(
            actor=actor, instance=Subscription(tenant=tenant, mode=mode, quantity=quantity, plan=plan),
            action="subscription.created")
    _history(actor, subscription, None)
    return subscription


@transaction.atomic
def do_change_subscription(*, actor, instance: Subscription, quantity: int | None = None,
                           plan: Plan | None | type = ..., **_unchanged) -> Subscription:
    """A new seat quantity or plan. Active seats above a lowered quantity stay active (they are billed)
    but no more can be added."""
    subscription = Subscription.objects.select_for_update().select_related("tenant").get(pk=instance.pk)
    previous = subscription.quantity
    new_quantity = previous if quantity is None else quantity
    new_plan = subscription.plan if plan is ... else plan
    if (new_quantity, new_plan) == (previous, subscription.plan):
        return subscription
    _check_plan(new_plan, subscription.mode)
    data = {"mode": subscription.mode, "from": previous, "to": new_quantity}
    if new_plan != subscription.plan:
        data["plan"] = new_plan.code if new_plan else None
    with guard(subscription.tenant, touching=[of_tenant(subscription.tenant)]):
        subscription.quantity, subscription.plan = new_quantity, new_plan
        subscription.full_clean()
        subscription.save()
    _history(actor, subscription, previous)
    record(actor=actor, action="subscription.changed", target=subscription, tenant=subscription.tenant, data=data)
    return subscription


# --- Invoice runs ----------------------------------------------------------------------------------------

@transaction.atomic
def do_request_invoice_run(*, actor, period: str, trigger: str = InvoiceRun.Trigger.MANUAL,
                           queue: bool = True) -> InvoiceRun:
    """Queue a run for the period. While one is queued or running for it, that one is answered instead
    (and queued again if its worker has died): asking twice never starts two. `queue=False` leaves the
    run to the caller (the command line runs it in its own process)."""
    month = _period(period)
    if month >= Period.before(timezone.localdate()).next:
        raise DomainError("period_not_over", _("Only a month that has ended can be invoiced."),
                          details={"period": period})
    with connection.cursor() as cursor:  # two requests at once see each other's run
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('billing.run_request'), hashtext(%s))", [period])
    live = InvoiceRun.objects.filter(period=period, state__in=[InvoiceRun.State.QUEUED, InvoiceRun.State.RUNNING])
    if run := live.first():
        if queue and _stale(run):
            transaction.on_commit(lambda: _queue_run(run.pk))
        return run
    run = InvoiceRun.objects.create(period=period, trigger=trigger,
                                    requested_by=getattr(actor, "username", "") or "system")
    record(actor=actor, action="billing.run_requested", target=run, data={"period": period, "trigger": trigger})
    if queue:
        transaction.on_commit(lambda: _queue_run(run.pk))
    return run


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        raise DomainError("invalid_period", _("A period is a month written YYYY-MM, such as 2026-10."),
                          details={"period": text}) from None


def _stale(run: InvoiceRun) -> bool:
    return (run.heartbeat_at or run.requested_at) < timezone.now() - STALE_AFTER


def _queue_run(run_id: int) -> None:
    enqueue("billing.tasks.run_invoices", run_id, when_unreachable="the run is queued again when asked for")


def do_run_invoices(*, run_id: int, batch: int = BATCH,
                    on_progress: Callable[[InvoiceRun], None] | None = None) -> InvoiceRun:
    """Draft an invoice for every tenant with seat-days in the period that has none yet.

    Batches commit one by one under a lock per period, each first reading which of its tenants are
    invoiced already: a second run, a concurrent one or this one taken up again after its worker died
    skips them, and the unique constraint on tenant and period stands behind that."""
    run = InvoiceRun.objects.get(pk=run_id)
    if run.state == InvoiceRun.State.FINISHED:
        return run
    period = Period.parse(run.period)
    try:
        tenant_ids = selectors.tenants_with_seat_days(period)
        now = timezone.now()
        InvoiceRun.objects.filter(pk=run_id).update(
            state=InvoiceRun.State.RUNNING, started_at=run.started_at or now, heartbeat_at=now,
            tenants_total=len(tenant_ids), tenants_done=0, already_invoiced=0, error="")
        for start in range(0, len(tenant_ids), batch):
            with transaction.atomic():
                tenants = tenant_ids[start:start + batch]
                created, skipped = _invoice_batch(run, period, tenants)
                InvoiceRun.objects.filter(pk=run_id).update(
                    tenants_done=F("tenants_done") + len(tenants), invoices_created=F("invoices_created") + created,
                    already_invoiced=F("already_invoiced") + skipped, heartbeat_at=timezone.now())
            if on_progress:
                on_progress(InvoiceRun.objects.get(pk=run_id))
        with transaction.atomic():
            run = InvoiceRun.objects.select_for_update().get(pk=run_id)
            run.state, run.finished_at = InvoiceRun.State.FINISHED, timezone.now()
            run.save(update_fields=["state", "finished_at"])
            record(actor=None, action="billing.run_finished", target=run,
                   data={"period": run.period, "created": run.invoices_created, "skipped": run.already_invoiced})
    except Exception as error:
        InvoiceRun.objects.filter(pk=run_id).update(state=InvoiceRun.State.FAILED, error=repr(error)[:2000],
                                                    finished_at=timezone.now())
        raise
    return run


def _invoice_batch(run: InvoiceRun, period: Period, tenant_ids: list[int]) -> tuple[int, int]:
    """(invoices created, tenants invoiced by another run) for one batch, inside the caller's transaction.
    Tenants this run invoiced before its worker died count as neither: they are in invoices_created."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('billing.run'), hashtext(%s))", [str(period)])
    done = selectors.invoiced_tenants(period, tenant_ids)
    drafts = draft_invoices(period, [tenant_id for tenant_id in tenant_ids if tenant_id not in done], run=run)
    return len(drafts), sum(run_id != run.pk for run_id in done.values())


def draft_invoices(period: Period, tenant_ids: list[int], *, run: InvoiceRun | None = None,
                   replaces: Invoice | None = None) -> list[Invoice]:
    """Compute and store a draft invoice for each of these tenants that had seat-days in the period."""
    daily = selectors.seats_per_day_by_mode(period, tenant_ids)
    chosen, defaults = selectors.plans_by_tenant(tenant_ids)
    invoices, lines = [], []
    for tenant_id in tenant_ids:
        tenant_lines = []
        for mode, seats in sorted(daily.get(tenant_id, {}).items()):
            plan = chosen.get((tenant_id, mode)) or defaults.get(mode)
            if plan is None:
                raise DomainError("no_plan", _("No plan prices %(mode)s; create a default plan first.")
                                  % {"mode": SeatMode(mode).label}, details={"mode": mode})
            for tier in seat_days_per_tier(seats, plan.tiers()):
                if tier.seat_days:
                    tenant_lines.append(InvoiceLine(
                        position=len(tenant_lines) + 1, mode=mode, plan=plan, from_seat=tier.from_seat,
                        to_seat=tier.to_seat, seat_days=tier.seat_days, days_in_period=period.days,
                        unit_price_fen=tier.unit_price_fen, vat_rate=plan.vat_rate, tax_inclusive=plan.tax_inclusive,
                        amount_fen=prorated(tier.seat_days, tier.unit_price_fen, period.days)))
        if not tenant_lines:
            continue
        total = totals((line.amount_fen, line.vat_rate, line.tax_inclusive) for line in tenant_lines)
        invoices.append(Invoice(tenant_id=tenant_id, period=str(period), run=run, replaces=replaces,
                                subtotal_fen=total.subtotal_fen, vat_fen=total.vat_fen, total_fen=total.total_fen))
        lines.append(tenant_lines)
    Invoice.objects.bulk_create(invoices)
    for invoice, tenant_lines in zip(invoices, lines, strict=True):
        for line in tenant_lines:
            line.invoice = invoice
    InvoiceLine.objects.bulk_create([line for tenant_lines in lines for line in tenant_lines], batch_size=5000)
    return invoices


# --- An invoice's life -------------------------------------------------------------------------------------

def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=invoice.pk)


def _next_number(prefix: str, year: int) -> str:
    """The next number of a series. The UPSERT holds the series row until the transaction ends, so
    concurrent finalizations queue on it, and a rollback hands the number back: no gaps."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO public.billing_invoiceseries (prefix, year, last_number) VALUES (%s, %s, 1)
               ON CONFLICT (prefix, year) DO UPDATE SET last_number = billing_invoiceseries.last_number + 1
               RETURNING last_number""", [prefix, year])
        (number,) = cursor.fetchone()
    return f"{prefix}{year}-{number:06d}"


def _require(invoice: Invoice, *statuses: str, code: str, message) -> None:
    if invoice.status not in statuses:
        raise Conflict(code, message, details={"invoice": invoice.pk, "status": invoice.status})


@transaction.atomic
def do_finalize_invoice(*, actor, invoice: Invoice) -> Invoice:
    """Number the draft and freeze it; with Stripe on, it is pushed once this commits."""
    invoice = _locked(invoice)
    _require(invoice, Invoice.Status.DRAFT, code="invoice_not_draft",
             message=_("Only a draft invoice can be finalized."))
    invoice.finalized_at = timezone.now()
    invoice.number = _next_number("", timezone.localdate(invoice.finalized_at).year)
    invoice.status = Invoice.Status.FINALIZED
    invoice.save(update_fields=["number", "status", "finalized_at"])
    record(actor=actor, action="invoice.finalized", target=invoice, tenant=invoice.tenant,
           data={"number": invoice.number, "total_fen": invoice.total_fen})
    _after_commit_push(invoice)
    return invoice


def do_finalize_period(*, actor, period: str) -> int:
    """Finalize every draft of a period, each in its own transaction; how many were finalized."""
    drafts = Invoice.objects.filter(period=str(_period(period)), status=Invoice.Status.DRAFT,
                                    kind=Invoice.Kind.INVOICE).order_by("tenant__slug").values_list("pk", flat=True)
    finalized = 0
    for pk in list(drafts):
        try:
            do_finalize_invoice(actor=actor, invoice=Invoice(pk=pk))
        except Conflict:  # finalized or voided meanwhile by someone else
            continue
        finalized += 1
    return finalized


@transaction.atomic
def do_void_invoice(*, actor, invoice: Invoice, reason: str, reissue: bool = True) -> Invoice:
    """Cancel an invoice. A finalized one gets a credit note (its own number series) for its full amount;
    a draft just goes. With `reissue`, a new draft is computed from the ledger and plans as they are now.
    Answers the credit note, or the voided draft when there is none."""
    if not reason.strip():
        raise DomainError("reason_required", _("Say why the invoice is voided."))
    invoice = _locked(invoice)
    _require(invoice, Invoice.Status.DRAFT, Invoice.Status.FINALIZED, code="invoice_not_voidable",
             message=_("Only a draft or an unpaid finalized invoice can be voided."))
    if invoice.kind != Invoice.Kind.INVOICE:
        raise Conflict("invoice_not_voidable", _("A credit note cannot be voided."), details={"invoice": invoice.pk})
    was_finalized = invoice.status == Invoice.Status.FINALIZED
    invoice.status, invoice.voided_at = Invoice.Status.VOID, timezone.now()
    invoice.save(update_fields=["status", "voided_at"])
    result = invoice
    if was_finalized:
        result = _credit_note(invoice)
    replacement = draft_invoices(Period.parse(invoice.period), [invoice.tenant_id], replaces=invoice) if reissue else []
    record(actor=actor, action="invoice.voided", target=invoice, tenant=invoice.tenant,
           data={"reason": reason, "number": invoice.number, "credit_note": getattr(result, "number", None)
                 if was_finalized else None, "reissued": replacement[0].pk if replacement else None})
    if was_finalized and invoice.stripe_invoice_id:
        from billing import stripe_sync

        transaction.on_commit(lambda: stripe_sync.queue_void(invoice.pk))
    return result


def _credit_note(invoice: Invoice) -> Invoice:
    now = timezone.now()
    note = Invoice.objects.create(
        tenant=invoice.tenant, period=invoice.period, kind=Invoice.Kind.CREDIT_NOTE, status=Invoice.Status.FINALIZED,
        number=_next_number("CN", timezone.localdate(now).year), currency=invoice.currency, credits=invoice,
        subtotal_fen=-invoice.subtotal_fen, vat_fen=-invoice.vat_fen, total_fen=-invoice.total_fen, finalized_at=now)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=note, position=line.position, mode=line.mode, plan_id=line.plan_id,
                    from_seat=line.from_seat, to_seat=line.to_seat, seat_days=-line.seat_days,
                    days_in_period=line.days_in_period, unit_price_fen=line.unit_price_fen, vat_rate=line.vat_rate,
                    tax_inclusive=line.tax_inclusive, amount_fen=-line.amount_fen)
        for line in invoice.lines.all())
    return note


@transaction.atomic
def do_mark_paid(*, actor, invoice: Invoice, at=None, source: str = "manual") -> Invoice:
    """A payment received (a bank transfer entered by finance, or Stripe's word). Paying twice is harmless."""
    invoice = _locked(invoice)
    if invoice.status == Invoice.Status.PAID:
        return invoice
    _require(invoice, Invoice.Status.FINALIZED, code="invoice_not_payable",
             message=_("Only a finalized invoice can be paid."))
    invoice.status, invoice.paid_at, invoice.payment_failed_at = Invoice.Status.PAID, at or timezone.now(), None
    invoice.save(update_fields=["status", "paid_at", "payment_failed_at"])
    record(actor=actor, action="invoice.paid", target=invoice, tenant=invoice.tenant,
           data={"number": invoice.number, "source": source})
    return invoice


def _after_commit_push(invoice: Invoice) -> None:
    from billing import stripe_sync

    if stripe_sync.enabled():
        transaction.on_commit(lambda: stripe_sync.queue_push(invoice.pk))
