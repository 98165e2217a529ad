"""The demo's October 2026 invoices, worked by hand in docs/billing.md: the run must agree to the fen."""

from __future__ import annotations

from pathlib import Path

from billing.models import SeatLedgerEntry
from billing.pricing import Period
from billing.services import draft_invoices
from saas import demo
from tests.billing.conftest import make_tenants

OCTOBER = Period(2026, 10)
DOC = Path(__file__).resolve().parents[2] / "docs" / "billing.md"


def invoice_as_the_demo(spec: demo.DemoTenant):
    """A tenant row with the demo tenant's seat ledger for October 2026 as last month, invoiced."""
    (client,) = make_tenants(1)
    SeatLedgerEntry.objects.bulk_create(
        SeatLedgerEntry(tenant=client, seat_id=seat_id, seat_code=code, mode=mode, at=at,
                        event=SeatLedgerEntry.Event.ACTIVATED if on else SeatLedgerEntry.Event.DEACTIVATED)
        for seat_id, (code, (mode, switches)) in enumerate(demo.seat_switches(spec, OCTOBER).items(), start=1)
        for at, on in switches)
    (invoice,) = draft_invoices(OCTOBER, [client.pk])
    return invoice, {(line.mode, line.from_seat): line for line in invoice.lines.all()}


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def test_acme_october_matches_the_hand_calculation(db):
    # when
    invoice, lines = invoice_as_the_demo(demo.TENANTS[0])

    # then: 10×31 + 2×21 + 21 + 11 = 384 seat-days; 384 × ¥260.00 ÷ 31 = ¥3,220.645… → ¥3,220.65 with VAT
    assert lines["hosted", 1].seat_days == 384
    assert (invoice.subtotal_fen, invoice.vat_fen, invoice.total_fen) == (303_835, 18_230, 322_065)


def test_bpo_october_matches_the_hand_calculation(db):
    # when
    invoice, lines = invoice_as_the_demo(demo.TENANTS[1])

    # then: staffed seats 620 seat-days at ¥6,800 and 280 at ¥6,200 (from seat 21), hosted 155 at ¥260
    assert [(key, line.seat_days, line.amount_fen) for key, line in sorted(lines.items())] == [
        (("hosted", 1), 155, 130_000), (("outsourced", 1), 620, 13_600_000), (("outsourced", 21), 280, 5_600_000)]
    assert (invoice.subtotal_fen, invoice.vat_fen, invoice.total_fen) == (19_322_642, 1_159_358, 20_482_000)


def test_the_document_shows_the_same_figures():
    # given
    text = DOC.read_text()

    # then: the totals this test pins are the ones finance reads in docs/billing.md
    for fen in (322_065, 18_230, 303_835, 13_600_000, 5_600_000, 130_000, 19_322_642, 1_159_358, 20_482_000):
        assert yuan(fen) in text, yuan(fen)
