"""An invoice's life: finalized with a gapless number, paid, or voided with a credit note and a correction."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceSeries, SubscriptionChange
from billing.pricing import Period
from saas.api.errors import Conflict, DomainError
from saas.audit.models import AuditEvent
from tests.billing.conftest import ledger, make_tenants, seats_all_month

PAST = Period(2019, 3)


def drafts(count: int, seats: int = 2) -> list[Invoice]:
    tenants = make_tenants(count)
    for tenant in tenants:
        seats_all_month(tenant, PAST, seats)
    return services.draft_invoices(PAST, [tenant.pk for tenant in tenants])


def serial(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_finalizing_numbers_the_draft_for_the_current_year(db):
    # given
    (draft,) = drafts(1)

    # when
    invoice = services.do_finalize_invoice(actor=None, invoice=draft)

    # then
    year = timezone.localdate().year
    assert invoice.status == Invoice.Status.FINALIZED
    assert invoice.number == f"{year}-{InvoiceSeries.objects.get(prefix='', year=year).last_number:06d}"
    assert AuditEvent.objects.filter(action="invoice.finalized", target_id=str(invoice.pk)).exists()


def test_numbers_follow_each_other_without_gaps(db):
    # given
    first, second, third = drafts(3)

    # when
    numbers = [services.do_finalize_invoice(actor=None, invoice=draft).number for draft in (first, second, third)]

    # then
    assert [serial(number) for number in numbers] == list(range(serial(numbers[0]), serial(numbers[0]) + 3))


def test_a_finalization_rolled_back_gives_its_number_back(db):
    # given
    first, second = drafts(2)

    # when: the first finalization fails after taking a number
    with pytest.raises(RuntimeError), transaction.atomic():
        taken = services.do_finalize_invoice(actor=None, invoice=first).number
        raise RuntimeError("something after it failed")
    numbered = services.do_finalize_invoice(actor=None, invoice=second).number

    # then: the next invoice gets that very number
    assert numbered == taken
    assert Invoice.objects.get(pk=first.pk).status == Invoice.Status.DRAFT


def test_a_finalized_invoice_cannot_be_finalized_again(db):
    # given
    (draft,) = drafts(1)
    invoice = services.do_finalize_invoice(actor=None, invoice=draft)

    # when
    with pytest.raises(Conflict) as refused:
        services.do_finalize_invoice(actor=None, invoice=invoice)

    # then
    assert refused.value.code == "invoice_not_draft"
    assert Invoice.objects.get(pk=invoice.pk).number == invoice.number


def test_concurrent_finalizations_take_every_number_once(committed_tenants):
    # given: 24 drafts, finalized by four threads at once, each with its own connection
    tenants = committed_tenants(24)
    for tenant in tenants:
        seats_all_month(tenant, PAST, 1)
    invoices = services.draft_invoices(PAST, [tenant.pk for tenant in tenants])
    errors = []

    def finalize(share):
        try:
            for invoice in share:
                services.do_finalize_invoice(actor=None, invoice=invoice)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finalize, args=(invoices[index::4],)) for index in range(4)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then: 24 different numbers, one after the other
    assert not errors
    numbers = sorted(serial(number) for number in Invoice.objects.filter(tenant__in=tenants)
                     .values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 24))


def test_finalizing_a_period_finalizes_its_drafts(db):
    # given
    invoices = drafts(3)

    # when
    count = services.do_finalize_period(actor=None, period=str(PAST))

    # then
    assert count >= 3
    assert all(Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.FINALIZED for invoice in invoices)


def test_voiding_a_finalized_invoice_issues_a_credit_note_and_a_corrected_invoice(db):
    # given: an invoice issued for 2 seats; a third seat's activation was missing from the ledger then
    (draft,) = drafts(1, seats=2)
    issued = services.do_finalize_invoice(actor=None, invoice=draft)
    seats_all_month(issued.tenant, PAST, 1, first_id=3)

    # when
    note = services.do_void_invoice(actor=None, invoice=issued, reason="第3席漏计 seat 3 was missing")

    # then: the original is void, the credit note mirrors it in its own series, the correction is a new draft
    voided = Invoice.objects.get(pk=issued.pk)
    assert voided.status == Invoice.Status.VOID and voided.number == issued.number
    assert note.kind == Invoice.Kind.CREDIT_NOTE and note.number.startswith("CN")
    assert note.credits_id == issued.pk and note.total_fen == -issued.total_fen
    assert sorted(line.seat_days for line in note.lines.all()) == sorted(-line.seat_days for line in issued.lines.all())
    corrected = Invoice.objects.get(replaces=issued)
    assert corrected.status == Invoice.Status.DRAFT
    assert sum(line.seat_days for line in corrected.lines.all()) == 3 * PAST.days


def test_a_finalized_invoice_keeps_its_figures_when_prices_change(db):
    # given
    (draft,) = drafts(1)
    issued = services.do_finalize_invoice(actor=None, invoice=draft)
    plan = issued.lines.get().plan

    # when
    services.do_change_plan(actor=None, instance=plan, unit_price_fen=plan.unit_price_fen * 2)

    # then
    plan.refresh_from_db()
    assert Invoice.objects.get(pk=issued.pk).total_fen == issued.total_fen
    assert issued.lines.get().unit_price_fen * 2 == plan.unit_price_fen


def test_voiding_a_draft_needs_no_credit_note(db):
    # given
    (draft,) = drafts(1)

    # when
    result = services.do_void_invoice(actor=None, invoice=draft, reason="重新计算 recompute", reissue=False)

    # then
    assert result.pk == draft.pk and result.status == Invoice.Status.VOID and result.number is None
    assert not Invoice.objects.filter(credits=draft).exists()


@pytest.mark.parametrize("status", [Invoice.Status.PAID, Invoice.Status.VOID])
def test_a_paid_or_void_invoice_cannot_be_voided(db, status):
    # given
    (draft,) = drafts(1)
    invoice = services.do_finalize_invoice(actor=None, invoice=draft)
    Invoice.objects.filter(pk=invoice.pk).update(status=status)

    # then
    with pytest.raises(Conflict) as refused:
        services.do_void_invoice(actor=None, invoice=invoice, reason="no")
    assert refused.value.code == "invoice_not_voidable"


def test_a_void_needs_a_reason(db):
    (draft,) = drafts(1)
    with pytest.raises(DomainError) as refused:
        services.do_void_invoice(actor=None, invoice=draft, reason="  ")
    assert refused.value.code == "reason_required"


def test_paying_marks_paid_once(db):
    # given
    (draft,) = drafts(1)
    invoice = services.do_finalize_invoice(actor=None, invoice=draft)

    # when
    paid = services.do_mark_paid(actor=None, invoice=invoice)
    again = services.do_mark_paid(actor=None, invoice=invoice)

    # then
    assert paid.status == again.status == Invoice.Status.PAID and again.paid_at == paid.paid_at
    assert AuditEvent.objects.filter(action="invoice.paid", target_id=str(invoice.pk)).count() == 1


def test_a_draft_cannot_be_paid(db):
    (draft,) = drafts(1)
    with pytest.raises(Conflict) as refused:
        services.do_mark_paid(actor=None, invoice=draft)
    assert refused.value.code == "invoice_not_payable"


def test_a_seat_on_and_off_again_is_billed_for_its_days_only(db):
    # given: on the 3rd, off the 5th, on again the 5th, off the 10th: days 3-10, eight days
    (tenant,) = make_tenants(1)
    start = PAST.start
    ledger(tenant, 1, (start.replace(day=3, hour=9), True), (start.replace(day=5, hour=9), False),
           (start.replace(day=5, hour=15), True), (start.replace(day=10, hour=12), False))

    # when
    (invoice,) = services.draft_invoices(PAST, [tenant.pk])

    # then
    assert invoice.lines.get().seat_days == 8


def test_changing_a_subscription_is_recorded_with_its_time(tenant):
    # given
    acme = tenant("acme")
    subscription = acme.subscriptions.get(mode="hosted")

    # when
    services.do_change_subscription(actor=None, instance=subscription, quantity=subscription.quantity + 5)

    # then
    change = SubscriptionChange.objects.filter(subscription=subscription).latest("at")
    assert (change.previous_quantity, change.quantity) == (subscription.quantity, subscription.quantity + 5)
    assert (timezone.now() - change.at).total_seconds() < 60


def test_a_subscription_plan_must_price_its_mode(tenant):
    # given
    from billing.models import Plan

    acme = tenant("acme")
    outsourced = Plan.objects.get(code="outsourced-standard")

    # then
    with pytest.raises(DomainError) as refused:
        services.do_change_subscription(actor=None, instance=acme.subscriptions.get(mode="hosted"), plan=outsourced)
    assert refused.value.code == "plan_mode_mismatch"
