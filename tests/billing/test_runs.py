"""Invoice runs: one invoice per tenant and month, whatever runs twice, at once, or dies halfway."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceRun, SeatMode
from billing.pricing import Period, half_up, totals
from tests.billing.conftest import ledger, make_tenants, seats_all_month

PAST = Period(2019, 3)  # before any demo history: committed runs meet only their own tenants


def run_now(period: Period, **kwargs) -> InvoiceRun:
    run = services.do_request_invoice_run(actor=None, period=str(period), queue=False)
    return services.do_run_invoices(run_id=run.pk, **kwargs)


def invoices_of(tenants) -> list[Invoice]:
    return list(Invoice.objects.filter(tenant__in=tenants).prefetch_related("lines"))


def test_last_month_of_the_demo_is_billed_as_its_seat_history_says(tenant):
    # given: acme's seed history (docs/billing.md): A001-A010 all month, A011-A012 from the 11th, A013 until the
    # 21st, A014 on the 5th-9th and the 20th-25th; the hosted plan is ¥260.00 a month, VAT included
    month = Period.before(timezone.localdate())
    days = month.days

    # when
    run = run_now(month)

    # then
    acme = Invoice.objects.get(tenant=tenant("acme"), period=str(month))
    (line,) = acme.lines.all()
    seat_days = 10 * days + 2 * (days - 10) + 21 + 11
    assert (line.mode, line.seat_days, line.unit_price_fen) == (SeatMode.HOSTED, seat_days, 260_00)
    assert line.amount_fen == half_up(seat_days * 260_00, days)
    assert acme.total_fen == line.amount_fen
    assert acme.vat_fen == half_up(line.amount_fen * 6, 106)
    assert acme.status == Invoice.Status.DRAFT and acme.number is None
    assert run.state == InvoiceRun.State.FINISHED
    assert run.invoices_created == run.tenants_total >= 2


def test_bpo_pays_the_second_tier_from_its_twenty_first_staffed_seat(tenant):
    # given: 28 staffed seats all month and two more from the 16th; ¥6,800, from the 21st seat ¥6,200, plus VAT;
    # five hosted seats all month
    month = Period.before(timezone.localdate())
    days = month.days

    # when
    run_now(month)

    # then
    bpo = Invoice.objects.get(tenant=tenant("bpo"), period=str(month))
    lines = {(line.mode, line.from_seat): line for line in bpo.lines.all()}
    assert lines[SeatMode.OUTSOURCED, 1].seat_days == 20 * days
    assert lines[SeatMode.OUTSOURCED, 21].seat_days == 8 * days + 2 * (days - 15)
    assert lines[SeatMode.OUTSOURCED, 21].unit_price_fen == 6_200_00
    assert lines[SeatMode.HOSTED, 1].seat_days == 5 * days
    expected = totals((line.amount_fen, line.vat_rate, line.tax_inclusive) for line in lines.values())
    assert (bpo.subtotal_fen, bpo.vat_fen, bpo.total_fen) == (expected.subtotal_fen, expected.vat_fen,
                                                              expected.total_fen)


def test_running_a_period_again_creates_nothing(db):
    # given
    tenants = make_tenants(3)
    for tenant in tenants:
        seats_all_month(tenant, PAST, 4)
    first = run_now(PAST)
    before = {(invoice.pk, invoice.total_fen) for invoice in invoices_of(tenants)}

    # when
    second = run_now(PAST)

    # then
    assert (first.invoices_created, second.invoices_created, second.already_invoiced) == (3, 0, 3)
    assert {(invoice.pk, invoice.total_fen) for invoice in invoices_of(tenants)} == before


def test_asking_for_a_run_while_one_is_live_answers_that_run(db):
    # when
    first = services.do_request_invoice_run(actor=None, period=str(PAST), queue=False)
    again = services.do_request_invoice_run(actor=None, period=str(PAST), queue=False)

    # then
    assert again.pk == first.pk


@pytest.mark.parametrize(("period", "code"), [("2026-13", "invalid_period"), ("next", "invalid_period")])
def test_a_period_must_be_a_month(db, period, code):
    with pytest.raises(services.DomainError) as refused:
        services.do_request_invoice_run(actor=None, period=period)
    assert refused.value.code == code


def test_a_month_not_over_cannot_be_invoiced(db):
    # given
    this_month = Period.before(timezone.localdate()).next

    # then
    with pytest.raises(services.DomainError) as refused:
        services.do_request_invoice_run(actor=None, period=str(this_month))
    assert refused.value.code == "period_not_over"
    assert not InvoiceRun.objects.filter(period=str(this_month)).exists()


def test_the_database_refuses_a_second_live_invoice_for_a_tenant_and_month(db):
    # given
    (tenant,) = make_tenants(1)
    seats_all_month(tenant, PAST, 1)
    run_now(PAST)

    # then
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(tenant=tenant, period=str(PAST))


class Killed(BaseException):
    """Stands for the worker being killed: no `except Exception` sees it, so the run stays 'running'."""


def test_a_run_killed_halfway_resumes_where_it_stopped(db):
    # given: five tenants, one per batch; the run dies after the second batch committed
    tenants = make_tenants(5)
    for tenant in tenants:
        seats_all_month(tenant, PAST, 2)
    run = services.do_request_invoice_run(actor=None, period=str(PAST), queue=False)
    batches = []

    def die_after_two(state):
        batches.append(state.tenants_done)
        if len(batches) == 2:
            raise Killed

    with pytest.raises(Killed):
        services.do_run_invoices(run_id=run.pk, batch=1, on_progress=die_after_two)
    assert InvoiceRun.objects.get(pk=run.pk).state == InvoiceRun.State.RUNNING
    assert len(invoices_of(tenants)) == 2

    # when: the broker hands the task out again
    resumed = services.do_run_invoices(run_id=run.pk, batch=1)

    # then
    assert resumed.state == InvoiceRun.State.FINISHED
    assert len(invoices_of(tenants)) == 5
    assert (resumed.invoices_created, resumed.already_invoiced, resumed.tenants_done) == (5, 0, 5)


def test_a_stale_live_run_is_queued_again_when_asked_for(db, django_capture_on_commit_callbacks):
    # given: a run whose worker stopped sending heartbeats ten minutes ago
    run = services.do_request_invoice_run(actor=None, period=str(PAST), queue=False)
    InvoiceRun.objects.filter(pk=run.pk).update(state=InvoiceRun.State.RUNNING,
                                                heartbeat_at=timezone.now() - services.STALE_AFTER * 2)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        again = services.do_request_invoice_run(actor=None, period=str(PAST))

    # then: the same run, handed to the worker again
    assert again.pk == run.pk
    assert len(callbacks) == 1


def test_a_run_with_no_plan_for_a_mode_fails_with_the_reason(db):
    # given: outsourced seat-days, and no outsourced plan
    from billing.models import Plan

    Plan.objects.filter(mode=SeatMode.OUTSOURCED).update(is_default=False)
    (tenant,) = make_tenants(1)
    seats_all_month(tenant, PAST, 1, mode=SeatMode.OUTSOURCED)

    # when
    with pytest.raises(services.DomainError):
        run_now(PAST)

    # then
    run = InvoiceRun.objects.get(period=str(PAST))
    assert run.state == InvoiceRun.State.FAILED and "no_plan" in run.error


def test_a_seat_switched_on_and_off_in_the_same_instant_bills_nothing(db):
    # given
    (tenant,) = make_tenants(1)
    moment = PAST.start + (PAST.end - PAST.start) / 2
    ledger(tenant, 1, (moment, True), (moment, False))

    # when
    run = run_now(PAST)

    # then
    assert run.tenants_total == 1 and run.invoices_created == 0
    assert not invoices_of([tenant])


def test_two_runs_at_once_on_the_worker_and_here_bill_each_tenant_once(committed_tenants, worker):
    # given: 60 tenants
    tenants = committed_tenants(60)
    for tenant in tenants:
        seats_all_month(tenant, PAST, 3)

    # when: the worker takes one run while this thread runs a second one, in batches of 5
    queued = services.do_request_invoice_run(actor=None, period=str(PAST))
    # A second run beside a live one: what two processes asking at the same instant could make.
    here = InvoiceRun.objects.create(period=str(PAST), trigger=InvoiceRun.Trigger.COMMAND)
    errors = []

    def run_here():
        try:
            services.do_run_invoices(run_id=here.pk, batch=5)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run_here)
    thread.start()
    thread.join(60)
    deadline = time.monotonic() + 60
    while InvoiceRun.objects.get(pk=queued.pk).live and time.monotonic() < deadline:
        time.sleep(0.1)

    # then
    assert not errors
    runs = InvoiceRun.objects.filter(pk__in=[queued.pk, here.pk])
    assert {run.state for run in runs} == {InvoiceRun.State.FINISHED}
    per_tenant = Invoice.objects.filter(tenant__in=tenants, period=str(PAST)).values_list("tenant_id", flat=True)
    assert sorted(per_tenant) == sorted(tenant.pk for tenant in tenants)
    assert sum(run.invoices_created for run in runs) == 60
