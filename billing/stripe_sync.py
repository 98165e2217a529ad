"""Stripe, when STRIPE_API_KEY is set: finalized invoices pushed to Stripe (a customer per tenant, an invoice
with an item per line), voids pushed after them, and Stripe's webhook events about payment taken in.

Our invoice stays the record; Stripe collects. Every create call carries an idempotency key made of our own
ids, so a task retried after a crash or a timeout gets Stripe's first answer back instead of a duplicate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceLine, SeatMode, StripeCustomer, StripeEvent
from billing.pricing import totals
from saas.audit.services import record
from saas.celery import enqueue

logger = logging.getLogger(__name__)

CURRENCY = "cny"  # Stripe's amounts for CNY are in fen, its smallest unit: our integers go as they are
DAYS_UNTIL_DUE = 30


def enabled() -> bool:
    return bool(settings.STRIPE_API_KEY)


def webhook_enabled() -> bool:
    return enabled() and bool(settings.STRIPE_WEBHOOK_SECRET)


def client() -> stripe.StripeClient:
    """A client configured from settings as they are now (no module-level state in the library)."""
    # The library's own retries (connection errors, 409, 5xx Stripe allows) reuse our idempotency key.
    return stripe.StripeClient(settings.STRIPE_API_KEY, base_addresses={"api": settings.STRIPE_API_BASE},
                               max_network_retries=2)


# --- Queueing ---------------------------------------------------------------------------------------------

def queue_push(invoice_id: int) -> None:
    enqueue("billing.tasks.push_invoice_to_stripe", invoice_id, when_unreachable="beat pushes it later")


def queue_void(invoice_id: int) -> None:
    enqueue("billing.tasks.void_stripe_invoice", invoice_id, when_unreachable="void it at Stripe by hand")


def unpushed(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Finalized invoices that should be at Stripe by now and are not: their push was lost (a broker
    outage at finalization) or gave up. Beat queues them again (billing.tasks.push_pending_to_stripe)."""
    if not enabled():
        return []
    return list(Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED,
                                       stripe_invoice_id="", finalized_at__lt=timezone.now() - older_than)
                .order_by("pk").values_list("pk", flat=True))


# --- Pushing invoices ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One invoice item at Stripe: an invoice line, or the VAT on the tax-exclusive lines of one rate."""

    key: str  # the idempotency key's suffix
    amount_fen: int
    description: str
    metadata: dict[str, str]


def items_of(invoice: Invoice, lines: list[InvoiceLine]) -> list[Item]:
    """What Stripe must hold for this invoice; the amounts add up to `invoice.total_fen`.

    A tax-inclusive line's amount already holds its VAT. Tax-exclusive lines get one VAT item per rate,
    rounded once per rate like the invoice (billing.pricing.totals), so the totals agree to the fen."""
    items = [Item(key=f"line-{line.position}", amount_fen=line.amount_fen, description=_line_description(invoice, line),
                  metadata={"invoice_id": str(invoice.pk), "position": str(line.position)})
             for line in lines]
    exclusive: dict[Decimal, int] = {}
    for line in lines:
        if not line.tax_inclusive:
            exclusive[Decimal(line.vat_rate)] = exclusive.get(Decimal(line.vat_rate), 0) + line.amount_fen
    for rate, amount in sorted(exclusive.items()):
        vat = totals([(amount, rate, False)]).vat_fen
        if vat:
            items.append(Item(key=f"vat-{rate:f}", amount_fen=vat,
                              description=_("VAT %(rate)s%%") % {"rate": _percent(rate)},
                              metadata={"invoice_id": str(invoice.pk), "vat_rate": f"{rate:f}"}))
    return items


def _line_description(invoice: Invoice, line: InvoiceLine) -> str:
    seats = f"{line.from_seat}–{line.to_seat}" if line.to_seat else f"{line.from_seat}+"
    return _("%(mode)s, seats %(seats)s: %(seat_days)s seat-days in %(period)s") % {
        "mode": SeatMode(line.mode).label, "seats": seats, "seat_days": line.seat_days, "period": invoice.period}


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}"


def push_invoice(invoice_id: int) -> str:
    """Create the invoice at Stripe and finalize it there; answers its Stripe id ("" when not pushed).

    Only a finalized invoice is pushed, and only once: a paid one was settled another way, a voided one
    never reached Stripe, and one with a Stripe id is there already."""
    invoice = Invoice.objects.select_related("tenant").get(pk=invoice_id)
    if invoice.stripe_invoice_id:
        return invoice.stripe_invoice_id
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.FINALIZED:
        return ""
    # Descriptions in the product's language whatever the worker's: a retry must send the very same
    # parameters, or Stripe refuses the idempotency key.
    with translation.override(settings.LANGUAGE_CODE):
        items = items_of(invoice, list(invoice.lines.order_by("position")))
        description = _("Invoice %(number)s: seats in %(period)s") % {"number": invoice.number,
                                                                       "period": invoice.period}
    if sum(item.amount_fen for item in items) != invoice.total_fen:
        raise ValueError(f"invoice {invoice.number}: Stripe items add up to "
                         f"{sum(item.amount_fen for item in items)}, the invoice to {invoice.total_fen}")

    stripe_client = client()
    customer_id = _customer(stripe_client, invoice.tenant)
    key = f"invoice-{invoice.number}"
    metadata = {"invoice_id": str(invoice.pk), "number": invoice.number, "period": invoice.period}
    created = stripe_client.v1.invoices.create(params={
        "customer": customer_id, "currency": CURRENCY, "collection_method": "send_invoice",
        "days_until_due": DAYS_UNTIL_DUE, "description": description, "metadata": metadata,
        # Stripe finalizes a draft left alone for an hour; a push that died halfway must not be sent.
        "auto_advance": False, "pending_invoice_items_behavior": "exclude",
    }, options={"idempotency_key": key})
    for item in items:
        stripe_client.v1.invoice_items.create(params={
            "customer": customer_id, "invoice": created.id, "currency": CURRENCY, "amount": item.amount_fen,
            "description": item.description, "metadata": item.metadata,
        }, options={"idempotency_key": f"{key}-{item.key}"})
    # Complete now: Stripe may send it and collect from here on.
    stripe_client.v1.invoices.finalize_invoice(created.id, params={"auto_advance": True},
                                               options={"idempotency_key": f"{key}-finalize"})
    return _pushed(invoice, created.id)


def _customer(stripe_client: stripe.StripeClient, tenant) -> str:
    stored = StripeCustomer.objects.filter(tenant=tenant).first()
    if stored:
        return stored.customer_id
    customer = stripe_client.v1.customers.create(
        params={"name": tenant.legal_name, "metadata": {"tenant": tenant.slug, "tenant_id": str(tenant.pk)}},
        options={"idempotency_key": f"customer-{tenant.pk}"})
    # Two pushes at once got the same customer back (same key); the second insert finds the first's row.
    stored, _created = StripeCustomer.objects.get_or_create(tenant=tenant, defaults={"customer_id": customer.id})
    return stored.customer_id


@transaction.atomic
def _pushed(invoice: Invoice, stripe_invoice_id: str) -> str:
    locked = Invoice.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=invoice.pk)
    if locked.stripe_invoice_id:  # a concurrent push of the same invoice stored it first (the same id)
        return locked.stripe_invoice_id
    locked.stripe_invoice_id = stripe_invoice_id
    locked.save(update_fields=["stripe_invoice_id"])
    record(actor=None, action="invoice.stripe_pushed", target=locked, tenant=locked.tenant,
           data={"number": locked.number, "stripe_invoice": stripe_invoice_id})
    if locked.status == Invoice.Status.VOID:
        # Voided while this push was under way: the void saw no Stripe id and queued nothing.
        transaction.on_commit(lambda: queue_void(locked.pk))
    return stripe_invoice_id


def void_invoice(invoice_id: int) -> None:
    """Void at Stripe an invoice we voided, so the tenant is no longer asked to pay it."""
    invoice = Invoice.objects.select_related("tenant").get(pk=invoice_id)
    if not invoice.stripe_invoice_id or invoice.status != Invoice.Status.VOID:
        return
    client().v1.invoices.void_invoice(invoice.stripe_invoice_id,
                                      options={"idempotency_key": f"invoice-{invoice.number}-void"})
    record(actor=None, action="invoice.stripe_voided", target=invoice, tenant=invoice.tenant,
           data={"number": invoice.number, "stripe_invoice": invoice.stripe_invoice_id})


# --- Webhook events -----------------------------------------------------------------------------------------

class Outcome:
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    NOT_PAYABLE = "not_payable"  # paid at Stripe, but void here: finance must refund or reissue
    PAYMENT_FAILED = "payment_failed"
    STALE = "stale"  # older than what was applied already
    IGNORED = "ignored"  # not about one of our invoices, or a type we do not handle


@dataclass(frozen=True)
class Handled:
    outcome: str
    duplicate: bool


def handle_event(event) -> Handled:
    """Apply a verified event once. A repeat (Stripe retries until it gets a 2xx) changes nothing."""
    data = event.to_dict() if isinstance(event, stripe.StripeObject) else dict(event)
    created = datetime.fromtimestamp(int(data["created"]), tz=UTC)
    with transaction.atomic():
        # A concurrent delivery of the same event waits here on the unique key, then finds this row.
        stored, new = StripeEvent.objects.get_or_create(
            event_id=data["id"], defaults={"type": data["type"], "created": created, "outcome": "received"})
        if not new:
            return Handled(stored.outcome, duplicate=True)
        handler = _HANDLERS.get(data["type"])
        obj = _mapping(_mapping(data.get("data")).get("object"))
        invoice = _our_invoice(obj) if handler else None
        outcome = handler(invoice, obj, created, data["id"]) if invoice else Outcome.IGNORED
        if invoice:
            # Never backwards: an old event delivered late leaves the newest time in place.
            newest = max(invoice.stripe_event_at or created, created)
            Invoice.objects.filter(pk=invoice.pk).update(stripe_event_at=newest)
        stored.invoice, stored.outcome = invoice, outcome
        stored.save(update_fields=["invoice", "outcome"])
    return Handled(outcome, duplicate=False)


def _our_invoice(obj: dict) -> Invoice | None:
    """The invoice a Stripe invoice stands for, locked: by its Stripe id, or else by the ids we gave it in
    its metadata (an event may beat the push task to storing the id). Another environment's invoice that
    happens to carry one of our ids does not match: its number or its Stripe id differ."""
    rows = Invoice.objects.select_for_update(of=("self",)).select_related("tenant")
    stripe_id = obj.get("id")
    if isinstance(stripe_id, str) and stripe_id and (found := rows.filter(stripe_invoice_id=stripe_id).first()):
        return found
    metadata = _mapping(obj.get("metadata"))
    invoice_id, number = str(metadata.get("invoice_id", "")), metadata.get("number")
    if not invoice_id.isdigit() or not isinstance(number, str) or not number:
        return None
    return rows.filter(pk=int(invoice_id), number=number, stripe_invoice_id="").first()


def _paid(invoice: Invoice, obj: dict, created: datetime, event_id: str) -> str:
    # A payment is a fact no failure retracts, earlier or later: it applies whatever the order.
    from billing.services import do_mark_paid

    if invoice.status == Invoice.Status.PAID:
        return Outcome.ALREADY_PAID
    if invoice.status != Invoice.Status.FINALIZED:
        logger.warning("Stripe says invoice %s is paid, but it is %s here", invoice.number, invoice.status)
        record(actor=None, action="invoice.stripe_payment_not_applied", target=invoice, tenant=invoice.tenant,
               data={"number": invoice.number, "status": invoice.status, "stripe_event": event_id})
        return Outcome.NOT_PAYABLE
    paid_at = _mapping(obj.get("status_transitions")).get("paid_at")
    do_mark_paid(actor=None, invoice=invoice, source="stripe",
                 at=datetime.fromtimestamp(paid_at, tz=UTC) if is_timestamp(paid_at) else created)
    return Outcome.PAID


def _payment_failed(invoice: Invoice, obj: dict, created: datetime, event_id: str) -> str:
    if invoice.status == Invoice.Status.PAID:
        return Outcome.ALREADY_PAID
    if invoice.status != Invoice.Status.FINALIZED:
        return Outcome.IGNORED
    if invoice.stripe_event_at and created < invoice.stripe_event_at:
        return Outcome.STALE
    invoice.payment_failed_at = created
    invoice.save(update_fields=["payment_failed_at"])
    record(actor=None, action="invoice.payment_failed", target=invoice, tenant=invoice.tenant,
           data={"number": invoice.number, "stripe_event": event_id, "attempt_count": obj.get("attempt_count"),
                 "at": timezone.localtime(created).isoformat()})
    return Outcome.PAYMENT_FAILED


def _mapping(value) -> dict:
    """A JSON object of the event, or an empty one: a signed event is Stripe's, but its shape is still input."""
    return value if isinstance(value, dict) else {}


def is_timestamp(value) -> bool:
    """Seconds since the epoch, as Stripe sends them (a bool is an int to Python, not to JSON)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**33


_HANDLERS = {"invoice.paid": _paid, "invoice.payment_failed": _payment_failed}
