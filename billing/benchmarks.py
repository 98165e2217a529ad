"""Benchmark of the monthly invoice run: 5,000 tenants × 40 seats, 10% of the seats switching mid-month.

The tenants are rows without schemas (billing reads the public seat ledger only). Half the tenants run
hosted seats, half staffed outsourced seats (whose plan has a second tier from seat 21). A changing seat
goes off mid-month, comes on mid-month, or goes off and on again, in equal shares. Every seat-day the run
bills is checked against the count made while generating the ledger.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta

import psutil
from django.db import connection
from django.db.models import Sum

from billing import services
from billing.models import Invoice, InvoiceLine, Plan, PlanTier, SeatLedgerEntry, SeatMode
from billing.pricing import Period
from saas.bench import progress, report
from tenants.models import Client

PERIOD = Period(2026, 10)
ACTIVATED, DEACTIVATED = SeatLedgerEntry.Event.ACTIVATED, SeatLedgerEntry.Event.DEACTIVATED


def invoice_run(*, output=None, tenants: int = 5000, seats: int = 40, changing_percent: int = 10,
                batch: int = services.BATCH, seed: int = 20261101) -> None:
    _plans()
    expected_seat_days = _fleet(tenants, seats, changing_percent, seed)
    process = psutil.Process()
    rows, results = [], {}
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    for name in ("first run", "second run"):
        queries[0] = 0
        rss_before = process.memory_info().rss
        with connection.execute_wrapper(count):
            start = time.perf_counter()
            run = services.do_request_invoice_run(actor=None, period=str(PERIOD), queue=False)
            run = services.do_run_invoices(run_id=run.pk, batch=batch)
            seconds = time.perf_counter() - start
        results[name.replace(" ", "_")] = {
            "seconds": round(seconds, 3), "invoices_created": run.invoices_created,
            "already_invoiced": run.already_invoiced, "tenants_with_seat_days": run.tenants_total,
            "queries": queries[0], "rss_growth_mib": round((process.memory_info().rss - rss_before) / 2**20, 1)}
        rows.append((name, f"{seconds:.2f}", str(run.invoices_created), str(run.already_invoiced),
                     str(queries[0])))
    billed = InvoiceLine.objects.aggregate(seat_days=Sum("seat_days"), amount=Sum("amount_fen"))
    assert billed["seat_days"] == expected_seat_days, (billed["seat_days"], expected_seat_days)
    assert results["second_run"]["invoices_created"] == 0
    results["seat_days"] = expected_seat_days
    results["invoices"] = Invoice.objects.count()
    results["lines"] = InvoiceLine.objects.count()
    results["billed_fen"] = billed["amount"]
    results["target_s"] = 60
    report("invoice-run", parameters={"tenants": tenants, "seats": seats, "changing_percent": changing_percent,
                                      "batch": batch, "period": str(PERIOD), "seed": seed},
           header=("run", "seconds", "invoices created", "already invoiced", "queries"), rows=rows,
           results=results, output=output)


def _plans() -> None:
    Plan.objects.create(code="hosted", name="托管座席", mode=SeatMode.HOSTED, unit_price_fen=260_00,
                        tax_inclusive=True, is_default=True)
    outsourced = Plan.objects.create(code="outsourced", name="外包座席", mode=SeatMode.OUTSOURCED,
                                     unit_price_fen=6_800_00, tax_inclusive=False, is_default=True)
    PlanTier.objects.create(plan=outsourced, from_seat=21, unit_price_fen=6_200_00)


def _fleet(tenants: int, seats: int, changing_percent: int, seed: int) -> int:
    """Write the tenants and their ledger; answer the seat-days the period should bill."""
    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:6]
    before = PERIOD.start - timedelta(days=20)
    seat_days = 0
    with progress("set-up: tenants and their seat ledger") as bar:
        task = bar.add_task("", total=tenants)
        for first in range(0, tenants, 500):
            clients = Client.objects.bulk_create(
                Client(schema_name=f"bench_{tag}_{index}", slug=f"bench-{tag}-{index}", legal_name=f"基准{index}号公司",
                       uscc=f"9131{index:014d}", business_type=Client.BusinessType.COMMERCIAL,
                       status=Client.Status.ACTIVE, ready=True)
                for index in range(first, min(first + 500, tenants)))
            entries = []
            for client in clients:
                mode = SeatMode.HOSTED if client.pk % 2 else SeatMode.OUTSOURCED
                for seat_id in range(1, seats + 1):
                    switches, days = _seat(rng, before, changing=rng.random() < changing_percent / 100)
                    seat_days += days
                    entries.extend(SeatLedgerEntry(tenant=client, seat_id=seat_id, seat_code=f"S{seat_id:03d}",
                                                   mode=mode, at=at, event=event) for at, event in switches)
            SeatLedgerEntry.objects.bulk_create(entries, batch_size=10_000)
            bar.advance(task, len(clients))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {SeatLedgerEntry._meta.db_table}")
    return seat_days


def _seat(rng: random.Random, before, *, changing: bool) -> tuple[list, int]:
    """A seat's ledger entries and the days of the period it is active."""
    if not changing:
        return [(before, ACTIVATED)], PERIOD.days
    day = rng.randint(2, PERIOD.days - 1)  # switched during that day, at some hour
    moment = PERIOD.start + timedelta(days=day - 1, hours=rng.randint(8, 20))
    kind = rng.randrange(3)
    if kind == 0:  # off mid-month: days 1..day
        return [(before, ACTIVATED), (moment, DEACTIVATED)], day
    if kind == 1:  # new mid-month: days day..end
        return [(moment, ACTIVATED)], PERIOD.days - day + 1
    back = moment + timedelta(days=rng.randint(1, PERIOD.days - day))  # off, and on again on a later day
    back_day = (back - PERIOD.start).days + 1
    return [(before, ACTIVATED), (moment, DEACTIVATED), (back, ACTIVATED)], day + (PERIOD.days - back_day + 1)
