"""Billing fixtures: synthetic tenants with a seat ledger (public rows only: billing reads no tenant schema)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from billing.models import Invoice, InvoiceLine, InvoiceRun, SeatLedgerEntry, StripeEvent, SubscriptionChange
from billing.pricing import Period
from saas.audit.models import AuditEvent
from tenants.models import Client
from tests.conftest import make_uscc

ACTIVATED, DEACTIVATED = SeatLedgerEntry.Event.ACTIVATED, SeatLedgerEntry.Event.DEACTIVATED


def make_tenants(count: int) -> list[Client]:
    """Clients without schemas, as the invoice run sees them: a row and its seat ledger."""
    tag = uuid.uuid4().hex[:6]
    return Client.objects.bulk_create(
        Client(schema_name=f"bill_{tag}_{index}", slug=f"bill-{tag}-{index}", legal_name=f"计费测试{index}号有限公司",
               uscc=make_uscc(), business_type=Client.BusinessType.COMMERCIAL, status=Client.Status.ACTIVE, ready=True)
        for index in range(count))


def ledger(tenant: Client, seat_id: int, *switches: tuple[datetime, bool], mode: str = "hosted") -> None:
    SeatLedgerEntry.objects.bulk_create(
        SeatLedgerEntry(tenant=tenant, seat_id=seat_id, seat_code=f"S{seat_id:03d}", mode=mode, at=moment,
                        event=ACTIVATED if active else DEACTIVATED)
        for moment, active in switches)


def seats_all_month(tenant: Client, period: Period, seats: int, *, mode: str = "hosted", first_id: int = 1) -> None:
    """`seats` seats active since before the period began."""
    before = period.start - timedelta(days=3)
    SeatLedgerEntry.objects.bulk_create(
        SeatLedgerEntry(tenant=tenant, seat_id=seat_id, seat_code=f"S{seat_id:03d}", mode=mode, at=before,
                        event=ACTIVATED)
        for seat_id in range(first_id, first_id + seats))


def forget(tenant_ids: list[int]) -> None:
    """Remove committed billing rows of these tenants (their PROTECT keys would keep the tenants alive)."""
    invoices = Invoice.objects.filter(tenant_id__in=tenant_ids)
    StripeEvent.objects.filter(invoice__in=invoices).delete()
    InvoiceLine.objects.filter(invoice__in=invoices).delete()
    invoices.exclude(credits=None).delete()
    invoices.exclude(replaces=None).delete()
    invoices.delete()
    SeatLedgerEntry.objects.filter(tenant_id__in=tenant_ids).delete()
    SubscriptionChange.objects.filter(tenant_id__in=tenant_ids).delete()
    AuditEvent.objects.filter(tenant_id__in=tenant_ids).delete()


@pytest.fixture
def committed_tenants(committed):
    """`committed_tenants(n)`: n synthetic tenants committed for a worker to see, and cleaned up after."""
    made: list[Client] = []
    runs_before = set(InvoiceRun.objects.values_list("pk", flat=True))

    def make(count: int) -> list[Client]:
        tenants = make_tenants(count)
        made.extend(tenants)
        return tenants

    yield make
    forget([tenant.pk for tenant in made])
    Client.objects.filter(pk__in=[tenant.pk for tenant in made]).delete()
    InvoiceRun.objects.exclude(pk__in=runs_before).delete()
