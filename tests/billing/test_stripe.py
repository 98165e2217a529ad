"""Stripe: invoices pushed once however often a task runs, voids pushed after them, and the webhook that
takes payments in, signed by the library's own helper, verified, applied once and in the right order.

Stripe is the test double of tests/billing/stripe_server.py, reached over HTTP by the real library.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import stripe
from django.conf import settings as django_settings
from django.utils import timezone as django_timezone

from billing import stripe_sync
from billing.models import Invoice, InvoiceLine, InvoiceSeries, Plan, StripeCustomer, StripeEvent
from billing.pricing import prorated, totals
from billing.services import do_finalize_invoice, do_void_invoice
from saas.audit.models import AuditEvent
from tenants.models import Client

pytest_plugins = ["tests.billing.stripe_server"]  # the `stripe_server` fixture

WEBHOOK = "/api/v1/billing/stripe/webhook/"
DAYS = 30  # the periods below are 30-day months


def make_plan(*, vat_rate: str = "0.0600", tax_inclusive: bool = True, unit_price_fen: int = 300_00,
              mode: str = "hosted") -> Plan:
    return Plan.objects.create(code=f"stripe-{uuid.uuid4().hex[:8]}", name="Stripe test plan", mode=mode,
                               unit_price_fen=unit_price_fen, vat_rate=vat_rate, tax_inclusive=tax_inclusive)


def finalized_invoice(slug: str, period: str, *lines: tuple[Plan, int]) -> Invoice:
    """A finalized invoice of `slug` for a 30-day `period` with a line of (plan, seat-days) each."""
    rows = [InvoiceLine(position=position, mode=plan.mode, plan=plan, seat_days=seat_days, days_in_period=DAYS,
                        unit_price_fen=plan.unit_price_fen, vat_rate=plan.vat_rate, tax_inclusive=plan.tax_inclusive,
                        amount_fen=prorated(seat_days, plan.unit_price_fen, DAYS))
            for position, (plan, seat_days) in enumerate(lines, start=1)]
    total = totals((row.amount_fen, row.vat_rate, row.tax_inclusive) for row in rows)
    draft = Invoice.objects.create(tenant=Client.objects.get(slug=slug), period=period,
                                   subtotal_fen=total.subtotal_fen, vat_fen=total.vat_fen, total_fen=total.total_fen)
    for row in rows:
        row.invoice = draft
    InvoiceLine.objects.bulk_create(rows)
    return do_finalize_invoice(actor=None, invoice=draft)


def signed(payload: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send, made by the library's own signing helper."""
    return stripe.WebhookSignature.generate_signature_header(payload, django_settings.STRIPE_WEBHOOK_SECRET,
                                                            timestamp=timestamp)


def event(kind: str, stripe_invoice: dict, *, created: int, event_id: str | None = None) -> str:
    """A webhook body shaped like Stripe's (a snapshot event carrying the invoice)."""
    return json.dumps({
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}", "object": "event", "api_version": "2026-10-28.endive",
        "type": kind, "created": created, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": stripe_invoice},
    })


def paid_at_stripe(stripe_invoice: dict, at: int) -> dict:
    return {**stripe_invoice, "status": "paid", "amount_paid": stripe_invoice["total"], "amount_remaining": 0,
            "status_transitions": {"paid_at": at, "finalized_at": at - 3600}}


def deliver(api, payload: str, header: str | None = None):
    return api("platform").post(WEBHOOK, data=payload, content_type="application/json",
                                HTTP_STRIPE_SIGNATURE=signed(payload) if header is None else header)


@pytest.fixture
def pushed(db, stripe_server):
    """An invoice of acme pushed to the double: (our invoice, Stripe's invoice as the double holds it)."""
    invoice = finalized_invoice("acme", "2024-03", (make_plan(), 20 * DAYS))
    stripe_id = stripe_sync.push_invoice(invoice.pk)
    return Invoice.objects.get(pk=invoice.pk), stripe_server.store[stripe_id]


# --- Pushing -----------------------------------------------------------------------------------------------

def test_push_creates_one_customer_per_tenant_and_reuses_it(db, stripe_server):
    # given
    plan = make_plan()
    invoices = [finalized_invoice("acme", "2024-03", (plan, 45)), finalized_invoice("acme", "2024-04", (plan, 60)),
                finalized_invoice("bpo", "2024-03", (plan, 90))]

    # when
    stripe_ids = [stripe_sync.push_invoice(invoice.pk) for invoice in invoices]

    # then
    customers = stripe_server.objects("customer")
    assert [(customer["name"], customer["metadata"]["tenant"]) for customer in customers] == [
        (Client.objects.get(slug=slug).legal_name, slug) for slug in ("acme", "bpo")]
    acme, bpo = (StripeCustomer.objects.get(tenant__slug=slug).customer_id for slug in ("acme", "bpo"))
    assert [stripe_server.store[stripe_id]["customer"] for stripe_id in stripe_ids] == [acme, acme, bpo]
    assert len(stripe_server.posts("/v1/customers")) == 2


def test_the_stripe_invoice_has_an_item_per_line_plus_vat_and_our_total(db, stripe_server):
    # given: tax-inclusive lines, and tax-exclusive lines at two rates whose VAT Stripe must be told of
    inclusive, exclusive_6, exclusive_13 = (make_plan(), make_plan(tax_inclusive=False, unit_price_fen=6_800_00),
                                            make_plan(vat_rate="0.1300", tax_inclusive=False, unit_price_fen=999_99))
    invoice = finalized_invoice("acme", "2024-03", (inclusive, 10 * DAYS + 7), (inclusive, 3 * DAYS),
                                (exclusive_6, 20 * DAYS + 1), (exclusive_13, 17))

    # when
    stripe_id = stripe_sync.push_invoice(invoice.pk)

    # then
    at_stripe = stripe_server.store[stripe_id]
    assert (at_stripe["status"], at_stripe["currency"], at_stripe["collection_method"], at_stripe["days_until_due"],
            at_stripe["auto_advance"]) == ("open", "cny", "send_invoice", 30, True)
    assert at_stripe["metadata"] == {"invoice_id": str(invoice.pk), "number": invoice.number, "period": "2024-03"}
    items = at_stripe["lines"]["data"]
    lines = list(invoice.lines.order_by("position"))
    assert [item["amount"] for item in items[:4]] == [line.amount_fen for line in lines]
    assert [item["metadata"].get("vat_rate") for item in items[4:]] == ["0.0600", "0.1300"]
    assert at_stripe["total"] == invoice.total_fen == sum(item["amount"] for item in items)
    assert {item["currency"] for item in items} == {"cny"}
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.stripe_invoice_id == stripe_id
    assert AuditEvent.objects.filter(action="invoice.stripe_pushed", target_id=str(invoice.pk)).count() == 1


def test_every_create_call_carries_an_idempotency_key_made_of_our_ids(pushed, stripe_server):
    # given
    invoice, at_stripe = pushed

    # then
    keys = [call.idempotency_key for call in stripe_server.calls]
    assert keys == [f"customer-{invoice.tenant_id}", f"invoice-{invoice.number}",
                    f"invoice-{invoice.number}-line-1", f"invoice-{invoice.number}-finalize"]


def test_a_push_retried_after_a_failure_halfway_creates_nothing_twice(db, stripe_server):
    # given: Stripe fails at the last step, after the customer, the invoice and its items were created
    invoice = finalized_invoice("acme", "2024-03", (make_plan(), 45), (make_plan(tax_inclusive=False), 30))
    stripe_server.fail_next(r"/v1/invoices/\w+/finalize")
    with pytest.raises(stripe.APIError):
        stripe_sync.push_invoice(invoice.pk)
    assert Invoice.objects.get(pk=invoice.pk).stripe_invoice_id == ""

    # when: the task runs again
    stripe_id = stripe_sync.push_invoice(invoice.pk)

    # then
    assert len(stripe_server.objects("customer")) == 1
    assert [at_stripe["id"] for at_stripe in stripe_server.objects("invoice")] == [stripe_id]
    assert len(stripe_server.objects("invoiceitem")) == 3  # two lines and the VAT of the tax-exclusive one
    assert stripe_server.store[stripe_id]["status"] == "open"
    assert stripe_server.store[stripe_id]["total"] == invoice.total_fen
    assert all(call.replayed for call in stripe_server.posts(r"/v1/invoices|/v1/invoiceitems")[-4:])


def test_a_push_retried_after_stripe_finished_but_before_we_stored_it_gets_the_same_invoice(
        pushed, stripe_server):
    # given: the worker died between Stripe's answer and our commit
    invoice, at_stripe = pushed
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id="")
    StripeCustomer.objects.filter(tenant=invoice.tenant).delete()
    created_before = {kind: len(stripe_server.objects(kind)) for kind in ("customer", "invoice", "invoiceitem")}

    # when
    stripe_id = stripe_sync.push_invoice(invoice.pk)

    # then
    assert stripe_id == at_stripe["id"]
    assert {kind: len(stripe_server.objects(kind)) for kind in created_before} == created_before
    assert all(call.replayed for call in stripe_server.calls[-4:])
    assert StripeCustomer.objects.get(tenant=invoice.tenant).customer_id == at_stripe["customer"]


def test_an_invoice_pushed_already_is_not_pushed_again(pushed, stripe_server):
    # given
    invoice, at_stripe = pushed
    calls_before = len(stripe_server.calls)

    # when
    stripe_id = stripe_sync.push_invoice(invoice.pk)

    # then
    assert stripe_id == at_stripe["id"]
    assert len(stripe_server.calls) == calls_before


def test_a_voided_invoice_is_voided_at_stripe(pushed, stripe_server):
    # given
    invoice, at_stripe = pushed
    do_void_invoice(actor=None, invoice=invoice, reason="wrong seat count", reissue=False)

    # when: what the task queued after the void's commit does
    stripe_sync.void_invoice(invoice.pk)

    # then
    assert stripe_server.store[at_stripe["id"]]["status"] == "void"
    [call] = stripe_server.posts(rf"/v1/invoices/{at_stripe['id']}/void")
    assert call.idempotency_key == f"invoice-{invoice.number}-void"
    assert AuditEvent.objects.filter(action="invoice.stripe_voided", target_id=str(invoice.pk)).exists()


def test_a_finalized_invoice_that_never_reached_stripe_is_found_for_another_push(db, stripe_server):
    # given: one invoice finalized an hour ago whose push was lost, one finalized just now, one pushed
    lost = finalized_invoice("acme", "2024-05", (make_plan(), 10 * DAYS))
    recent = finalized_invoice("bpo", "2024-05", (make_plan(), 10 * DAYS))
    done = finalized_invoice("acme", "2024-06", (make_plan(), 10 * DAYS))
    stripe_sync.push_invoice(done.pk)
    an_hour_ago = django_timezone.now() - timedelta(hours=1)
    Invoice.objects.filter(pk__in=[lost.pk, done.pk]).update(finalized_at=an_hour_ago)

    # when
    pending = stripe_sync.unpushed()

    # then: only the lost one; the recent one may still be on its way
    assert lost.pk in pending and recent.pk not in pending and done.pk not in pending


def test_nothing_is_pushed_or_queued_while_stripe_is_off(db, settings, django_capture_on_commit_callbacks):
    # given
    settings.STRIPE_API_KEY = ""

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        finalized_invoice("acme", "2024-03", (make_plan(), 45))

    # then
    assert not stripe_sync.enabled()
    assert callbacks == []


# --- The webhook -------------------------------------------------------------------------------------------

def test_a_signed_invoice_paid_event_marks_the_invoice_paid(api, pushed):
    # given
    invoice, at_stripe = pushed
    paid_at = int(time.time()) - 5
    payload = event("invoice.paid", paid_at_stripe(at_stripe, paid_at), created=paid_at + 1)

    # when
    response = deliver(api, payload)

    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "duplicate": False}
    paid = Invoice.objects.get(pk=invoice.pk)
    assert paid.status == Invoice.Status.PAID
    assert paid.paid_at == datetime.fromtimestamp(paid_at, tz=UTC)
    assert paid.stripe_event_at == datetime.fromtimestamp(paid_at + 1, tz=UTC)
    assert AuditEvent.objects.get(action="invoice.paid", target_id=str(invoice.pk)).data["source"] == "stripe"
    assert StripeEvent.objects.get(event_id=json.loads(payload)["id"]).outcome == "paid"


def test_an_event_found_by_its_metadata_before_the_push_stored_the_stripe_id_applies(api, pushed):
    # given: the payment's event arrives before the push task committed the Stripe id
    invoice, at_stripe = pushed
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id="")
    payload = event("invoice.paid", paid_at_stripe(at_stripe, int(time.time())), created=int(time.time()))

    # when
    response = deliver(api, payload)

    # then
    assert response.status_code == 200
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID


@pytest.mark.parametrize("header", ["", "t=1,v1=deadbeef", "garbage", None])
def test_a_bad_signature_is_refused_and_changes_nothing(api, pushed, header):
    # given
    invoice, at_stripe = pushed
    payload = event("invoice.paid", paid_at_stripe(at_stripe, int(time.time())), created=int(time.time()))
    if header is None:  # signed, but with another secret
        header = stripe.WebhookSignature.generate_signature_header(payload, "whsec_someone_else")

    # when
    response = deliver(api, payload, header)

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.FINALIZED
    assert not StripeEvent.objects.exists()


def test_a_tampered_body_is_refused(api, pushed):
    # given
    invoice, at_stripe = pushed
    payload = event("invoice.paid", paid_at_stripe(at_stripe, int(time.time())), created=int(time.time()))
    header = signed(payload.replace('"paid"', '"open"'))

    # when
    response = deliver(api, payload, header)

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.FINALIZED


def test_a_signature_older_than_five_minutes_is_refused(api, pushed):
    # given: a genuine delivery, replayed later
    invoice, at_stripe = pushed
    then = int(time.time()) - 301
    payload = event("invoice.paid", paid_at_stripe(at_stripe, then), created=then)

    # when
    response = deliver(api, payload, signed(payload, timestamp=then))

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "stale_signature"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.FINALIZED


@pytest.mark.parametrize("payload", ["{not json", "[1, 2]", json.dumps({"object": "event", "type": "invoice.paid"}),
                                     json.dumps({"id": "evt_1", "object": "event", "type": "x", "created": "soon"})])
def test_a_signed_body_that_is_no_event_is_a_400_not_a_500(api, stripe_server, payload):
    # when
    response = deliver(api, payload)

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_an_event_delivered_twice_counts_once(api, pushed):
    # given
    invoice, at_stripe = pushed
    now = int(time.time())
    payload = event("invoice.payment_failed", {**at_stripe, "attempt_count": 1}, created=now - 10)
    assert deliver(api, payload).json() == {"received": True, "duplicate": False}
    failed_at = Invoice.objects.get(pk=invoice.pk).payment_failed_at
    audit_rows = AuditEvent.objects.filter(target_id=str(invoice.pk)).count()

    # when: Stripe retries it, a moment later
    response = deliver(api, payload)

    # then
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": True}
    assert Invoice.objects.get(pk=invoice.pk).payment_failed_at == failed_at == datetime.fromtimestamp(now - 10, UTC)
    assert AuditEvent.objects.filter(target_id=str(invoice.pk)).count() == audit_rows
    assert StripeEvent.objects.filter(event_id=json.loads(payload)["id"]).count() == 1


def test_an_earlier_payment_failure_delivered_after_the_payment_leaves_the_invoice_paid(api, pushed):
    # given
    invoice, at_stripe = pushed
    now = int(time.time())
    failure = event("invoice.payment_failed", {**at_stripe, "attempt_count": 1}, created=now - 60)
    payment = event("invoice.paid", paid_at_stripe(at_stripe, now - 5), created=now - 5)

    # when: delivered the other way round
    responses = [deliver(api, payment), deliver(api, failure)]

    # then
    assert [response.status_code for response in responses] == [200, 200]
    paid = Invoice.objects.get(pk=invoice.pk)
    assert (paid.status, paid.payment_failed_at) == (Invoice.Status.PAID, None)
    assert paid.stripe_event_at == datetime.fromtimestamp(now - 5, UTC)
    assert StripeEvent.objects.get(event_id=json.loads(failure)["id"]).outcome == "already_paid"
    assert not AuditEvent.objects.filter(action="invoice.payment_failed", target_id=str(invoice.pk)).exists()


def test_an_older_payment_failure_does_not_overwrite_a_newer_one(api, pushed):
    # given
    invoice, at_stripe = pushed
    now = int(time.time())
    newer = event("invoice.payment_failed", {**at_stripe, "attempt_count": 2}, created=now - 10)
    older = event("invoice.payment_failed", {**at_stripe, "attempt_count": 1}, created=now - 100)

    # when
    deliver(api, newer)
    deliver(api, older)

    # then
    failed = Invoice.objects.get(pk=invoice.pk)
    assert failed.payment_failed_at == failed.stripe_event_at == datetime.fromtimestamp(now - 10, UTC)
    assert failed.status == Invoice.Status.FINALIZED
    assert StripeEvent.objects.get(event_id=json.loads(older)["id"]).outcome == "stale"


def test_a_payment_after_a_failure_clears_it(api, pushed):
    # given
    invoice, at_stripe = pushed
    now = int(time.time())
    deliver(api, event("invoice.payment_failed", {**at_stripe, "attempt_count": 1}, created=now - 100))

    # when
    deliver(api, event("invoice.paid", paid_at_stripe(at_stripe, now - 10), created=now - 10))

    # then
    paid = Invoice.objects.get(pk=invoice.pk)
    assert (paid.status, paid.payment_failed_at) == (Invoice.Status.PAID, None)


@pytest.mark.parametrize("kind", ["invoice.paid", "customer.created"])
def test_an_unknown_invoice_or_an_unhandled_type_is_stored_as_ignored(api, stripe_server, kind):
    # given
    foreign = {"id": "in_not_ours", "object": "invoice", "status": "paid", "metadata": {},
               "status_transitions": {"paid_at": int(time.time())}}
    payload = event(kind, foreign, created=int(time.time()))

    # when
    response = deliver(api, payload)

    # then
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    stored = StripeEvent.objects.get(event_id=json.loads(payload)["id"])
    assert (stored.outcome, stored.invoice, stored.type) == ("ignored", None, kind)


def test_a_signed_event_with_an_odd_invoice_object_is_ignored_not_a_500(api, stripe_server):
    # given
    odd = {"id": 5, "object": "invoice", "metadata": "x", "status_transitions": []}
    payload = event("invoice.paid", odd, created=int(time.time()))

    # when
    response = deliver(api, payload)

    # then
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id=json.loads(payload)["id"]).outcome == "ignored"


def test_an_unhandled_type_about_our_invoice_changes_nothing(api, pushed):
    # given
    invoice, at_stripe = pushed
    payload = event("invoice.updated", paid_at_stripe(at_stripe, int(time.time())), created=int(time.time()))

    # when
    response = deliver(api, payload)

    # then
    assert response.status_code == 200
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.FINALIZED
    assert StripeEvent.objects.get(event_id=json.loads(payload)["id"]).outcome == "ignored"


def test_a_payment_of_an_invoice_voided_here_is_recorded_for_finance_not_applied(api, pushed):
    # given: the tenant paid at Stripe while finance voided the invoice here
    invoice, at_stripe = pushed
    do_void_invoice(actor=None, invoice=invoice, reason="wrong seat count", reissue=False)

    # when
    response = deliver(api, event("invoice.paid", paid_at_stripe(at_stripe, int(time.time())),
                                  created=int(time.time())))

    # then
    assert response.status_code == 200
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.VOID
    assert AuditEvent.objects.filter(action="invoice.stripe_payment_not_applied", target_id=str(invoice.pk)).exists()


def test_the_webhook_answers_404_while_stripe_is_off(api, settings):
    # given
    settings.STRIPE_API_KEY = ""
    payload = event("invoice.paid", {"id": "in_1", "object": "invoice"}, created=int(time.time()))

    # when
    response = deliver(api, payload)

    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "stripe_disabled"
    assert not StripeEvent.objects.exists()


# --- Through a real worker ---------------------------------------------------------------------------------

@pytest.fixture
def stripe_rows_cleaned(committed):
    """What a committed test and its worker stored for acme, removed afterwards, numbers given back."""
    acme = Client.objects.get(slug="acme")
    invoices_before = set(Invoice.objects.values_list("pk", flat=True))
    plans_before = set(Plan.objects.values_list("pk", flat=True))
    customer_before = StripeCustomer.objects.filter(tenant=acme).exists()
    series_before = {(row.prefix, row.year): row.last_number for row in InvoiceSeries.objects.all()}
    yield
    new = Invoice.objects.exclude(pk__in=invoices_before)
    ids = [str(pk) for pk in new.values_list("pk", flat=True)]
    StripeEvent.objects.filter(invoice__in=new).delete()
    InvoiceLine.objects.filter(invoice__in=new).delete()
    new.exclude(credits=None).delete()
    new.delete()
    Plan.objects.exclude(pk__in=plans_before).delete()
    if not customer_before:
        StripeCustomer.objects.filter(tenant=acme).delete()
    AuditEvent.objects.filter(target_type="Invoice", target_id__in=ids).delete()
    for row in InvoiceSeries.objects.all():
        if (row.prefix, row.year) in series_before:
            InvoiceSeries.objects.filter(pk=row.pk).update(last_number=series_before[row.prefix, row.year])
        else:
            row.delete()


def wait_for(condition, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def test_a_finalized_invoice_is_pushed_by_the_worker_retrying_past_a_failure_and_voided_after(
        stripe_rows_cleaned, worker, stripe_server):
    # given: Stripe's first answer to the finalize step is an error, so the task has to retry
    stripe_server.fail_next(r"/v1/invoices/\w+/finalize")

    # when
    invoice = finalized_invoice("acme", "2023-06", (make_plan(), 20 * DAYS), (make_plan(tax_inclusive=False), 40))

    # then
    stripe_id = wait_for(lambda: Invoice.objects.get(pk=invoice.pk).stripe_invoice_id)
    assert stripe_id, stripe_server.calls
    assert [at_stripe["id"] for at_stripe in stripe_server.objects("invoice")] == [stripe_id]
    assert stripe_server.store[stripe_id]["status"] == "open"
    assert stripe_server.store[stripe_id]["total"] == invoice.total_fen
    assert len(stripe_server.posts(r"/v1/invoices/\w+/finalize")) == 2

    # when
    do_void_invoice(actor=None, invoice=invoice, reason="wrong seat count", reissue=False)

    # then
    assert wait_for(lambda: stripe_server.store[stripe_id]["status"] == "void"), stripe_server.calls
