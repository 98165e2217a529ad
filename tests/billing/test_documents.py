"""The invoice document (billing/documents.py): money and 大写 formatting, the document's content, its HTML partial,
and the PDF read back with pypdf."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from decimal import Decimal

import pypdf
import pytest
from django.template.loader import render_to_string
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import strategies as st

from billing.documents import FONT_FILES, chinese_capital, invoice_document, percent, render_invoice_pdf, yuan
from billing.models import Invoice, InvoiceLine, Plan, PlanTier, SeatMode
from billing.pricing import prorated, totals
from tenants.models import Client
from tests.conftest import make_uscc

PLATFORM = ("云联呼叫中心平台有限公司", "91110000802100433B")  # the demo operator (saas/demo.py)
DIGITS = "零壹贰叁肆伍陆柒捌玖"


# --- yuan -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fen", "text"), [
    (0, "¥0.00"), (1, "¥0.01"), (10, "¥0.10"), (100, "¥1.00"), (123_456, "¥1,234.56"),
    (1_234_567, "¥12,345.67"), (100_000_000, "¥1,000,000.00"), (-5, "-¥0.05"), (-1_234_567, "-¥12,345.67"),
    (9_223_372_036_854_775_807, "¥92,233,720,368,547,758.07"),
])
def test_yuan_writes_fen_as_yuan_with_thousands_separators(fen, text):
    # when
    written = yuan(fen)

    # then
    assert written == text


@pytest.mark.parametrize("amount", [1.5, Decimal("1.50"), "150", True])
def test_yuan_and_chinese_capital_refuse_anything_but_integer_fen(amount):
    # when / then
    with pytest.raises(TypeError):
        yuan(amount)
    with pytest.raises(TypeError):
        chinese_capital(amount)


# --- 大写 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fen", "words"), [
    (0, "零元整"),
    (1, "壹分"),
    (10, "壹角"),
    (50, "伍角"),
    (100, "壹元整"),
    (1_000, "壹拾元整"),  # ten is 壹拾 in an amount: no digit may be left implicit
    (1_500, "壹拾伍元整"),
    (10_100, "壹佰零壹元整"),
    (1_234_567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
    (1_000_100, "壹万零壹元整"),
    (1_000_010, "壹万元零壹角"),  # 元 digit 0, 角 follows: 零
    (100_000_000, "壹佰万元整"),
    # The examples of the PBOC's 正确填写票据和结算凭证的基本规定:
    (140_950, "壹仟肆佰零玖元伍角"),  # a zero inside: 零
    (600_714, "陆仟零柒元壹角肆分"),  # several zeros inside: one 零
    (168_032, "壹仟陆佰捌拾元零叁角贰分"),
    (10_700_053, "壹拾万柒仟元零伍角叁分"),
    (1_640_902, "壹万陆仟肆佰零玖元零贰分"),  # 角 0, 分 not: 零 after 元
    (32_504, "叁佰贰拾伍元零肆分"),
    (5, "伍分"),
    (10_000_000_001, "壹亿元零壹分"),
    (10_500_000_000, "壹亿零伍佰万元整"),
    (10_050_000_000, "壹亿零伍拾万元整"),
    (100_001_000_000, "壹拾亿零壹万元整"),
    (1_000_000_000_100, "壹佰亿零壹元整"),
    (100_000_000_000_000, "壹万亿元整"),
    (-1_234_567, "负壹万贰仟叁佰肆拾伍元陆角柒分"),
    (-10, "负壹角"),
])
def test_chinese_capital_follows_the_rules_for_amounts(fen, words):
    # when
    written = chinese_capital(fen)

    # then
    assert written == words


def _read_capital(words: str) -> int:
    """An independent reading of 大写 back to fen, to check chinese_capital against."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    whole, _, cents = words.rpartition("元")
    fen = 0
    for digit, unit in zip(cents.replace("零", "")[::2], cents.replace("零", "")[1::2], strict=True):
        fen += DIGITS.index(digit) * {"角": 10, "分": 1}[unit]
    # Terms [value, unit]; 万 and 亿 multiply what is below them, and one right after another multiply together.
    terms: list[list[int]] = []
    section = digit = 0
    previous = ""
    for char in whole:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char in "拾佰仟":
            section += digit * {"拾": 10, "佰": 100, "仟": 1000}[char]
            digit = 0
        else:
            multiplier = {"万": 10**4, "亿": 10**8}[char]
            if previous in "万亿" and previous and not section and not digit:
                terms[-1] = [terms[-1][0] * multiplier, terms[-1][1] * multiplier]
            else:
                value = section + digit
                while terms and terms[-1][1] < multiplier:
                    value += terms.pop()[0]
                terms.append([value * multiplier, multiplier])
            section = digit = 0
        previous = char
    return sign * ((sum(value for value, _unit in terms) + section + digit) * 100 + fen)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_chinese_capital_reads_back_to_the_amount(fen):
    # when
    words = chinese_capital(fen)

    # then
    assert _read_capital(words) == fen
    assert "零零" not in words
    assert words.endswith("整") == (fen % 100 == 0)
    assert words.startswith("负") == (fen < 0)
    assert not words.removesuffix("整").endswith("零")


@pytest.mark.parametrize(("rate", "text"), [("0.0600", "6%"), ("0.1300", "13%"), ("0.0550", "5.5%"), ("0", "0%"),
                                            ("1", "100%")])
def test_percent_shows_a_vat_rate_without_trailing_zeros(rate, text):
    # when / then
    assert percent(Decimal(rate)) == text


# --- The document -----------------------------------------------------------------------------------------

@pytest.fixture
def plan(db):
    """A hosted plan at ¥3,000 a seat-month, ¥2,500 from the 11th seat, 6% VAT included."""
    plan = Plan.objects.create(code="doc-hosted", name="文档测试套餐", mode=SeatMode.HOSTED, unit_price_fen=300_000,
                               vat_rate=Decimal("0.0600"), tax_inclusive=True)
    PlanTier.objects.create(plan=plan, from_seat=11, unit_price_fen=250_000)
    return plan


@pytest.fixture
def buyer(db):
    """`buyer("上海…有限公司")`: a tenant row without a schema, which is all an invoice needs."""
    def make(legal_name: str) -> Client:
        slug = f"doc-{Client.objects.count()}"
        return Client.objects.create(schema_name=slug.replace("-", "_"), slug=slug, legal_name=legal_name,
                                     uscc=make_uscc(), business_type=Client.BusinessType.COMMERCIAL,
                                     status=Client.Status.ACTIVE, ready=True)
    return make


def make_invoice(tenant: Client, plan: Plan, tiers: list[tuple[int, int | None, int, int]], *,
                 status: str = Invoice.Status.FINALIZED, number: str | None = "2026-900042",
                 finalized_at: datetime | None = datetime(2026, 10, 31, 17, 30, tzinfo=UTC),
                 kind: str = Invoice.Kind.INVOICE, credits: Invoice | None = None, period: str = "2026-10",
                 days: int = 31) -> Invoice:
    """An invoice of `tiers` lines (from seat, to seat, seat-days, monthly price), amounts as billing computes."""
    sign = -1 if kind == Invoice.Kind.CREDIT_NOTE else 1
    lines = [InvoiceLine(position=index, mode=plan.mode, plan=plan, from_seat=first, to_seat=last,
                         seat_days=sign * seat_days, days_in_period=days, unit_price_fen=price,
                         vat_rate=plan.vat_rate, tax_inclusive=plan.tax_inclusive,
                         amount_fen=sign * prorated(seat_days, price, days))
             for index, (first, last, seat_days, price) in enumerate(tiers, start=1)]
    total = totals((line.amount_fen, line.vat_rate, line.tax_inclusive) for line in lines)
    invoice = Invoice.objects.create(
        tenant=tenant, period=period, kind=kind, status=status, number=number, credits=credits,
        finalized_at=finalized_at, subtotal_fen=total.subtotal_fen, vat_fen=total.vat_fen, total_fen=total.total_fen)
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    return invoice


TWO_TIERS = [(1, 10, 310, 300_000), (11, None, 45, 250_000)]  # ten seats all October, then 45 seat-days more
# 310 × 3,000.00 ÷ 31 = 30,000.00; 45 × 2,500.00 ÷ 31 = 3,629.032… → 3,629.03; total 33,629.03 incl. VAT;
# VAT 33,629.03 × 6 ÷ 106 = 1,903.530… → 1,903.53; subtotal 31,725.50.


def test_the_document_of_a_finalized_invoice_shows_seller_buyer_lines_and_totals(tenant, plan):
    # given
    acme = tenant("acme")
    invoice = make_invoice(acme, plan, TWO_TIERS)

    # when
    doc = invoice_document(invoice)

    # then
    assert doc["seller"] == {"legal_name": PLATFORM[0], "uscc": PLATFORM[1]}
    assert doc["buyer"] == {"legal_name": acme.legal_name, "uscc": acme.uscc}
    assert (doc["title"], doc["number"], doc["number_display"]) == ("账单 Invoice", "2026-900042", "2026-900042")
    assert doc["number_label"] == "账单号码 Invoice No."
    assert doc["period_label"] == "2026年10月 / 2026-10"
    assert doc["issue_date"] == "2026年11月1日 / 2026-11-01"  # 17:30 UTC on the 31st is the 1st in Shanghai
    assert (doc["status_label"], doc["is_draft"], doc["is_void"], doc["mark"]) == ("已出账 Issued", False, False, "")
    first, second = doc["lines"]
    assert first["description"] == "托管座席 第1–10席"
    assert first["description_en"] == "Hosted seat, seats 1–10"
    assert (first["seat_days"], first["days_in_period"], first["unit_price"], first["amount"]) == (
        "310", "31", "¥3,000.00", "¥30,000.00")
    assert (first["vat_rate"], first["tax_inclusive"], first["tax_label"]) == ("6%", True, "含税 incl. VAT")
    assert second["description"] == "托管座席 第11席起"
    assert second["amount"] == "¥3,629.03"
    assert (doc["subtotal"], doc["vat"], doc["total"]) == ("¥31,725.50", "¥1,903.53", "¥33,629.03")
    assert doc["total_in_words"] == "叁万叁仟陆佰贰拾玖元零叁分"
    assert doc["vat_rates"] == "6%"
    assert (doc["credits"], doc["replaces"], doc["references"]) == (None, None, [])
    assert "座席天数 ÷ 当月天数 × 月单价" in doc["notes"][0]["zh"]
    assert "seat-days ÷ days in the month × the monthly price" in doc["notes"][0]["en"]


def test_a_draft_has_no_number_and_no_issue_date_but_a_draft_mark(tenant, plan):
    # given
    invoice = make_invoice(tenant("acme"), plan, TWO_TIERS, status=Invoice.Status.DRAFT, number=None,
                           finalized_at=None)

    # when
    doc = invoice_document(invoice)

    # then
    assert (doc["number"], doc["number_display"], doc["issue_date"]) == ("", "草稿 DRAFT", None)
    assert (doc["status_label"], doc["is_draft"], doc["mark"]) == ("草稿 Draft", True, "草稿 DRAFT")
    assert doc["banner"].startswith("草稿 DRAFT")


def test_a_plan_without_tiers_prints_no_seat_range(tenant, db):
    # given
    plan = Plan.objects.create(code="doc-outsourced", name="外包", mode=SeatMode.OUTSOURCED, unit_price_fen=800_000,
                               vat_rate=Decimal("0.0900"), tax_inclusive=False)
    invoice = make_invoice(tenant("bpo"), plan, [(1, None, 90, 800_000)], period="2026-11", days=30)

    # when
    (line,) = invoice_document(invoice)["lines"]

    # then
    assert (line["description"], line["description_en"]) == ("外包座席", "Outsourced staffed seat")
    assert (line["vat_rate"], line["tax_label"], line["amount"]) == ("9%", "不含税 excl. VAT", "¥24,000.00")


def test_a_credit_note_shows_negative_amounts_and_the_invoice_it_cancels(tenant, plan):
    # given
    acme = tenant("acme")
    original = make_invoice(acme, plan, TWO_TIERS, status=Invoice.Status.VOID)
    note = make_invoice(acme, plan, TWO_TIERS, kind=Invoice.Kind.CREDIT_NOTE, number="CN2026-900001",
                        credits=original)

    # when
    doc = invoice_document(note)
    voided = invoice_document(original)

    # then
    assert (doc["title"], doc["is_credit_note"], doc["number_label"]) == (
        "贷项通知单 Credit note", True, "通知单号码 Credit note No.")
    assert doc["credits"] == "2026-900042"
    assert ("冲销账单 Credits invoice", "2026-900042") in doc["references"]
    assert (doc["total"], doc["lines"][0]["seat_days"], doc["lines"][0]["amount"]) == (
        "-¥33,629.03", "-310", "-¥30,000.00")
    assert doc["total_in_words"] == "负叁万叁仟陆佰贰拾玖元零叁分"
    assert (voided["is_void"], voided["mark"], voided["status_label"]) == (True, "作废 VOID", "已作废 Void")
    assert ("冲销贷项通知单 Credited by", "CN2026-900001") in voided["references"]


def test_a_corrected_invoice_names_the_one_it_replaces(tenant, plan):
    # given
    acme = tenant("acme")
    original = make_invoice(acme, plan, TWO_TIERS, status=Invoice.Status.VOID)
    correction = make_invoice(acme, plan, TWO_TIERS[:1], status=Invoice.Status.DRAFT, number=None, finalized_at=None)
    correction.replaces = original
    correction.save(update_fields=["replaces"])

    # when
    doc = invoice_document(correction)

    # then
    assert doc["replaces"] == "2026-900042"
    assert ("更正原账单 Replaces invoice", "2026-900042") in doc["references"]
    assert ("更正后账单 Replaced by", "2026-900042") not in invoice_document(original)["references"]  # a draft


# --- The HTML partial -------------------------------------------------------------------------------------

def test_the_partial_renders_the_document(tenant, plan):
    # given
    acme = tenant("acme")
    doc = invoice_document(make_invoice(acme, plan, TWO_TIERS))

    # when
    html = render_to_string("frontend/billing/_invoice_document.html", {"doc": doc})

    # then
    assert 'class="invoice-document"' in html
    for text in (acme.legal_name, acme.uscc, PLATFORM[0], "账单号码 Invoice No.", "2026-900042", "托管座席 第1–10席",
                 "¥3,629.03", "增值税 VAT 6%", "¥1,903.53", "¥33,629.03", "叁万叁仟陆佰贰拾玖元零叁分",
                 "2026年10月 / 2026-10"):
        assert text in html, text
    assert 'class="invoice-lines"' in html and 'class="invoice-totals"' in html
    assert '<div class="invoice-mark"' not in html


def test_the_partial_marks_a_draft(tenant, plan):
    # given
    doc = invoice_document(make_invoice(tenant("acme"), plan, TWO_TIERS, status=Invoice.Status.DRAFT, number=None,
                                        finalized_at=None))

    # when
    html = render_to_string("frontend/billing/_invoice_document.html", {"doc": doc})

    # then
    assert "is-draft" in html
    assert '<dd data-field="number">草稿 DRAFT</dd>' in html
    assert '<div class="invoice-mark" aria-hidden="true">草稿 DRAFT</div>' in html


# --- The PDF ----------------------------------------------------------------------------------------------

def read_pdf(data: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def embedded_font_files(reader: pypdf.PdfReader) -> list[str]:
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object().get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    found.append(str(descriptor["/FontName"]))
    return found


def test_the_pdf_is_an_a4_document_with_the_chinese_text_and_the_font_embedded(tenant, plan):
    # given
    acme = tenant("acme")
    invoice = make_invoice(acme, plan, TWO_TIERS)

    # when
    data = render_invoice_pdf(invoice)

    # then
    assert data.startswith(b"%PDF-")
    reader, text = read_pdf(data)
    assert len(reader.pages) == 1
    assert [round(float(side)) for side in reader.pages[0].mediabox[2:]] == [595, 842]  # A4 in points
    for expected in (acme.legal_name, acme.uscc, PLATFORM[0], PLATFORM[1], "账单 Invoice", "账单号码 Invoice No.",
                     "2026-900042", "增值税", "托管座席 第1–10席", "¥30,000.00", "¥3,629.03", "¥31,725.50",
                     "¥1,903.53", "¥33,629.03", "叁万叁仟陆佰贰拾玖元零叁分", "2026-11-01", "Page 1 of 1"):
        assert expected in text, expected
    assert "DRAFT" not in text and "VOID" not in text
    fonts = embedded_font_files(reader)
    assert fonts and all("NotoSansSC" in name for name in fonts)
    assert b"/FontFile2" in data


def test_the_pdf_of_a_draft_carries_the_draft_mark(tenant, plan):
    # given
    invoice = make_invoice(tenant("acme"), plan, TWO_TIERS, status=Invoice.Status.DRAFT, number=None,
                           finalized_at=None)

    # when
    _, text = read_pdf(render_invoice_pdf(invoice))

    # then
    assert "草稿 DRAFT" in text
    assert "尚未开具" in text


def test_the_pdf_of_a_voided_invoice_and_its_credit_note(tenant, plan):
    # given
    acme = tenant("acme")
    original = make_invoice(acme, plan, TWO_TIERS, status=Invoice.Status.VOID)
    note = make_invoice(acme, plan, TWO_TIERS, kind=Invoice.Kind.CREDIT_NOTE, number="CN2026-900001",
                        credits=original)

    # when
    _, voided = read_pdf(render_invoice_pdf(original))
    _, credit = read_pdf(render_invoice_pdf(note))

    # then
    assert "作废 VOID" in voided and "CN2026-900001" in voided
    for expected in ("贷项通知单 Credit note", "CN2026-900001", "2026-900042", "-¥33,629.03",
                     "负叁万叁仟陆佰贰拾玖元零叁分"):
        assert expected in credit, expected


def test_a_long_invoice_breaks_over_pages_and_numbers_them(tenant, plan):
    # given
    tiers = [(seat, seat, 31, 300_000) for seat in range(1, 61)]
    invoice = make_invoice(tenant("acme"), plan, tiers)

    # when
    reader, text = read_pdf(render_invoice_pdf(invoice))

    # then
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert "第 1 / " in text
    assert "托管座席 第60席" in text


def test_a_character_outside_the_font_prints_as_a_box_instead_of_vanishing(buyer, plan, caplog):
    # given: 喆 and 堃 are in many company names but not in GB 2312
    invoice = make_invoice(buyer("上海喆堃信息科技有限公司"), plan, TWO_TIERS)

    # when
    with caplog.at_level(logging.WARNING, logger="billing.documents"):
        _, text = read_pdf(render_invoice_pdf(invoice))

    # then
    assert "上海□□信息科技有限公司" in text
    assert "U+5586" in caplog.text and "U+5803" in caplog.text


# --- The font ---------------------------------------------------------------------------------------------

def gb2312_hanzi() -> set[int]:
    found = set()
    for lead in range(0xB0, 0xF8):  # rows 16–87: hanzi levels 1 and 2
        for trail in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([lead, trail]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


@pytest.mark.parametrize("style", ["", "B"])
def test_the_font_subset_covers_gb2312_and_stays_small(style):
    # given
    path = FONT_FILES[style]

    # when
    with TTFont(path, lazy=True) as font:
        characters = set(font.getBestCmap())

    # then
    assert path.stat().st_size <= 3 * 1024 * 1024
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    assert hanzi <= characters
    assert {ord(char) for char in "¥￥（）：，。、–—…×÷·□№"} <= characters
