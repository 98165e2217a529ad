"""The invoice document: what an invoice or credit note shows, formatted once (`invoice_document`), and the same
content as an A4 PDF with embedded Chinese glyphs (`render_invoice_pdf`); the HTML partial
frontend/billing/_invoice_document.html renders the dict too.

The document is bilingual by design, Chinese first and English second, and reads the same whatever language the
reader's screen is in: one invoice, one wording. Its fixed texts are therefore literals, not gettext messages.
Money is integer fen throughout; nothing here ever holds an amount in a float.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from billing.models import Invoice, InvoiceLine, SeatMode
from billing.pricing import SHANGHAI, Period
from tenants.models import Client

logger = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "NotoSansSC"
FONT_FILES = {"": FONTS / "NotoSansSC-Subset-Regular.ttf", "B": FONTS / "NotoSansSC-Subset-Bold.ttf"}
MISSING_GLYPH = "□"  # stands in for a character the font subset lacks (billing/fonts/README.md)

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")

# The delivery modes in the document's two languages; SeatMode's labels follow the reader's language instead.
MODE_NAMES = {
    SeatMode.HOSTED: ("托管座席", "Hosted seat"),
    SeatMode.OUTSOURCED: ("外包座席", "Outsourced staffed seat"),
}
KIND_TITLES = {Invoice.Kind.INVOICE: "账单 Invoice", Invoice.Kind.CREDIT_NOTE: "贷项通知单 Credit note"}
NUMBER_LABELS = {Invoice.Kind.INVOICE: "账单号码 Invoice No.", Invoice.Kind.CREDIT_NOTE: "通知单号码 Credit note No."}
STATUS_LABELS = {
    Invoice.Status.DRAFT: "草稿 Draft",
    Invoice.Status.FINALIZED: "已出账 Issued",
    Invoice.Status.PAID: "已付款 Paid",
    Invoice.Status.VOID: "已作废 Void",
}
DRAFT_MARK = "草稿 DRAFT"
VOID_MARK = "作废 VOID"
LABELS = {
    "issue_date": "开具日期 Issue date",
    "period": "账期 Billing period",
    "status": "状态 Status",
    "currency": "币种 Currency",
    "seller": "销售方 Seller",
    "buyer": "购买方 Buyer",
    "legal_name": "名称 Name",
    "uscc": "统一社会信用代码 USCC",
    "position": "序号 No.",
    "description": "项目 Item",
    "seat_days": "座席天数 Seat-days",
    "days_in_period": "当月天数 Days in month",
    "unit_price": "月单价 Monthly price",
    "vat_rate": "税率 VAT rate",
    "amount": "金额 Amount",
    "subtotal": "不含税金额 Subtotal excl. VAT",
    "vat": "增值税 VAT",
    "total": "价税合计 Total incl. VAT",
    "total_in_words": "价税合计（大写） Total in words",
    "credits": "冲销账单 Credits invoice",
    "replaces": "更正原账单 Replaces invoice",
    "credited_by": "冲销贷项通知单 Credited by",
    "replaced_by": "更正后账单 Replaced by",
    "notes": "说明 Notes",
    "tax_inclusive": "含税 incl. VAT",
    "tax_exclusive": "不含税 excl. VAT",
}
PRORATION_NOTE = {
    "zh": "按日折算：每行金额 = 座席天数 ÷ 当月天数 × 月单价，逐行四舍五入到分；"
          "座席在某日（北京时间）任一时刻启用即计一个座席天。",
    "en": "Prorated by day: each line's amount = seat-days ÷ days in the month × the monthly price, rounded half up "
          "to the fen once per line. A seat counts one seat-day for every day (Beijing time) it was active at any "
          "moment.",
}
VAT_NOTE = {
    "zh": "增值税按税率对各行金额合计后计算，四舍五入到分。",
    "en": "VAT is computed once per rate on the sum of the lines, rounded half up to the fen.",
}
# A 发票 (fapiao) is issued only through the tax authority's system; this document is the bill behind it.
FAPIAO_NOTE = {
    "zh": "本账单不是增值税发票；增值税发票另行通过税务系统开具。",
    "en": "This invoice is not a VAT fapiao; the fapiao is issued separately through the tax system.",
}
CREDIT_NOTE_NOTE = {
    "zh": "本贷项通知单全额冲销所列账单，金额以负数表示。",
    "en": "This credit note cancels the invoice it names in full; its amounts are negative.",
}


# --- Formatting -------------------------------------------------------------------------------------------

def _require_int(fen: int) -> None:
    # A float or Decimal here would mean someone did money arithmetic outside integer fen.
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError(f"an amount in fen must be an int, not {type(fen).__name__}")


def yuan(fen: int) -> str:
    """An amount in fen as yuan: 1234567 → "¥12,345.67", -5 → "-¥0.05"."""
    _require_int(fen)
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}¥{whole:,}.{cents:02d}"


def chinese_capital(fen: int) -> str:
    """An amount in fen in Chinese capital numerals (大写), as cheques and invoices write it:
    1234567 → 壹万贰仟叁佰肆拾伍元陆角柒分, 1000100 → 壹万零壹元整, -10 → 负壹角.

    Rules of the PBOC's 正确填写票据和结算凭证的基本规定: 整 after 元 when there is no 角 or 分; a run of zeros
    inside the number is one 零; 零 after 元 when the 元 digit is 0 and 角 follows, or when 角 is 0 and 分 is not;
    ten is 壹拾 (no digit may be left out of an amount)."""
    _require_int(fen)
    sign = "负" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    jiao, fen_digit = divmod(cents, 10)
    if not whole and not cents:
        return "零元整"
    text = f"{_integer_capital(whole)}元" if whole else ""
    if not cents:
        return f"{sign}{text}整"
    if jiao:
        if whole and whole % 10 == 0:
            text += "零"
        text += f"{DIGITS[jiao]}角"
    elif whole:
        text += "零"
    if fen_digit:
        text += f"{DIGITS[fen_digit]}分"
    return sign + text


def _integer_capital(number: int) -> str:
    """A positive integer in capital numerals, in groups of four digits: 万, 亿, 万亿, 亿亿."""
    groups = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    text, zeros_skipped = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if not group:
            zeros_skipped = bool(text)
            continue
        # 壹亿零伍佰万: a gap before this group, or a group under 1000 after a higher one, reads as one 零.
        if text and (zeros_skipped or group < 1000):
            text += "零"
        text += _group_capital(group) + ("", "万")[index % 2] + "亿" * (index // 2)
        zeros_skipped = False
    return text


def _group_capital(group: int) -> str:
    """1..9999 in capital numerals; inner zeros read as one 零, trailing zeros not at all."""
    text, zero_pending = "", False
    for place in (3, 2, 1, 0):
        digit = group // 10**place % 10
        if not digit:
            zero_pending = bool(text)
            continue
        if zero_pending:
            text += "零"
            zero_pending = False
        text += DIGITS[digit] + PLACES[place]
    return text


def percent(rate: Decimal | str) -> str:
    """A VAT rate as a percentage: Decimal("0.0600") → "6%", Decimal("0.0550") → "5.5%"."""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


def period_label(period: str) -> str:
    """"2026-10" → "2026年10月 / 2026-10"."""
    month = Period.parse(period)
    return f"{month.year}年{month.month}月 / {month}"


def date_label(moment: datetime) -> str:
    """A moment as its date in Shanghai: "2026年11月1日 / 2026-11-01"."""
    day = timezone.localtime(moment, SHANGHAI).date()
    return f"{day.year}年{day.month}月{day.day}日 / {day.isoformat()}"


# --- The document -----------------------------------------------------------------------------------------

def invoice_document(invoice: Invoice) -> dict:
    """Everything the invoice document shows, formatted: the context of the HTML partial and of the PDF."""
    kind = Invoice.Kind(invoice.kind)
    is_draft = invoice.status == Invoice.Status.DRAFT
    is_void = invoice.status == Invoice.Status.VOID
    lines = [_line(line) for line in invoice.lines.all()]
    credits, replaces = _number(invoice.credits), _number(invoice.replaces)
    references = [(LABELS[key], number) for key, number in (
        ("credits", credits), ("replaces", replaces),
        ("credited_by", _number(_reverse(invoice, "credit_note"))),
        ("replaced_by", _number(_reverse(invoice, "replaced_by"))),
    ) if number]
    notes = [dict(note) for note in (PRORATION_NOTE, VAT_NOTE, FAPIAO_NOTE, CREDIT_NOTE_NOTE)
             if note is not CREDIT_NOTE_NOTE or kind == Invoice.Kind.CREDIT_NOTE]
    return {
        "kind": kind.value,
        "is_credit_note": kind == Invoice.Kind.CREDIT_NOTE,
        "title": KIND_TITLES[kind],
        "number": invoice.number or "",
        "number_label": NUMBER_LABELS[kind],
        "number_display": invoice.number or DRAFT_MARK,
        "status": invoice.status,
        "status_label": STATUS_LABELS[Invoice.Status(invoice.status)],
        "is_draft": is_draft,
        "is_void": is_void,
        "mark": DRAFT_MARK if is_draft else VOID_MARK if is_void else "",
        "banner": _banner(is_draft, is_void),
        "period": invoice.period,
        "period_label": period_label(invoice.period),
        "issue_date": date_label(invoice.finalized_at) if invoice.finalized_at and not is_draft else None,
        "currency": invoice.currency,
        "currency_label": "人民币 CNY" if invoice.currency == "CNY" else invoice.currency,
        "seller": _party(Client.objects.filter(schema_name=get_public_schema_name()).first()),
        "buyer": _party(invoice.tenant),
        "lines": lines,
        "vat_rates": " / ".join(dict.fromkeys(line["vat_rate"] for line in lines)),
        "subtotal": yuan(invoice.subtotal_fen),
        "vat": yuan(invoice.vat_fen),
        "total": yuan(invoice.total_fen),
        "subtotal_fen": invoice.subtotal_fen,
        "vat_fen": invoice.vat_fen,
        "total_fen": invoice.total_fen,
        "total_in_words": chinese_capital(invoice.total_fen),
        "credits": credits,
        "replaces": replaces,
        "references": references,
        "notes": notes,
        "labels": dict(LABELS),
    }


def _line(line: InvoiceLine) -> dict:
    chinese, english = MODE_NAMES.get(line.mode, (str(SeatMode(line.mode).label),) * 2)
    description, description_en = chinese, english
    # A plan without tiers has one line per mode from seat 1 with no upper bound: no range worth printing.
    if line.to_seat == line.from_seat:
        description += f" 第{line.from_seat}席"
        description_en += f", seat {line.from_seat}"
    elif line.to_seat is not None:
        description += f" 第{line.from_seat}–{line.to_seat}席"
        description_en += f", seats {line.from_seat}–{line.to_seat}"
    elif line.from_seat > 1:
        description += f" 第{line.from_seat}席起"
        description_en += f", seats {line.from_seat}+"
    return {
        "position": line.position,
        "mode": line.mode,
        "description": description,
        "description_en": description_en,
        "seat_days": f"{line.seat_days:,}",
        "days_in_period": str(line.days_in_period),
        "unit_price": yuan(line.unit_price_fen),
        "vat_rate": percent(line.vat_rate),
        "tax_inclusive": line.tax_inclusive,
        "tax_label": LABELS["tax_inclusive" if line.tax_inclusive else "tax_exclusive"],
        "amount": yuan(line.amount_fen),
        "amount_fen": line.amount_fen,
    }


def _party(client: Client | None) -> dict:
    if client is None:  # no operator row: the document still renders, with the seller left blank
        return {"legal_name": "", "uscc": ""}
    return {"legal_name": client.legal_name, "uscc": client.uscc}


def _reverse(invoice: Invoice, name: str) -> Invoice | None:
    try:
        return getattr(invoice, name)
    except ObjectDoesNotExist:
        return None


def _number(invoice: Invoice | None) -> str | None:
    # A draft that was voided and replaced never reached the buyer: it has no number to refer to.
    return invoice.number if invoice is not None and invoice.number else None


def _banner(is_draft: bool, is_void: bool) -> str:
    if is_draft:
        return f"{DRAFT_MARK} — 尚未开具，仅供核对，不可用于付款 Not issued: for review only, not payable"
    if is_void:
        return f"{VOID_MARK} — 本账单已作废，不可用于付款 This invoice is void and not payable"
    return ""


# --- The PDF ----------------------------------------------------------------------------------------------

@cache
def _font_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(FONT_FILES[""], lazy=True) as font:
        return frozenset(font.getBestCmap())


class InvoicePDF(FPDF):
    """An A4 page set with the invoice font, a watermark for drafts and voided invoices, and page numbers."""

    def __init__(self, doc: dict):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.missing: set[str] = set()
        for style, path in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def normalize_text(self, text: str) -> str:
        """fpdf2 silently drops a character its font has no glyph for (it only logs it): a legal name would
        lose a character unseen. Print □ in its place instead, and say which characters were missing."""
        characters = _font_characters()
        if any(ord(char) not in characters for char in text):
            missing = {char for char in text if ord(char) not in characters and char not in "\n\r\t"}
            self.missing |= missing
            text = "".join(MISSING_GLYPH if char in missing else char for char in text)
        return super().normalize_text(text)

    def header(self) -> None:
        mark = self.doc["mark"]
        if mark:
            # Drawn first on each page, in a pale colour, so that everything printed afterwards stays readable.
            colour = (236, 236, 236) if self.doc["is_draft"] else (248, 210, 210)
            with self.local_context(text_color=colour):
                self.set_font(FONT_FAMILY, "B", 72)
                width = self.get_string_width(mark)
                with self.rotation(35, x=self.w / 2, y=self.h / 2):
                    self.text(self.w / 2 - width / 2, self.h / 2 + 10, mark)
        if self.page_no() > 1:
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(110)
            self.cell(0, 5, f"{self.doc['title']} · {self.doc['number_display']}", align=Align.R,
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(110)
        page = self.page_no()
        self.cell(0, 5, f"{self.doc['number_display']}", align=Align.L)
        self.set_x(self.l_margin)
        self.cell(0, 5, f"第 {page} / {{nb}} 页  Page {page} of {{nb}}", align=Align.R)
        self.set_text_color(0)


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice document as an A4 PDF, the subset of Noto Sans SC it uses embedded."""
    doc = invoice_document(invoice)
    pdf = InvoicePDF(doc)
    pdf.set_title(f"{doc['title']} {doc['number_display']}")
    pdf.set_author(doc["seller"]["legal_name"])
    pdf.set_subject(f"{doc['buyer']['legal_name']} {doc['period']}")
    pdf.set_lang("zh-CN")
    pdf.set_creator("hosted-callcenter billing")
    if invoice.finalized_at:  # the same invoice renders the same metadata whenever it is printed again
        pdf.set_creation_date(invoice.finalized_at)
    pdf.add_page()
    _title(pdf, doc)
    _parties(pdf, doc)
    _lines(pdf, doc)
    _totals(pdf, doc)
    _notes(pdf, doc)
    if pdf.missing:
        logger.warning("invoice %s: the font lacks %s, printed as %s", invoice.pk,
                       " ".join(f"{char} (U+{ord(char):04X})" for char in sorted(pdf.missing)), MISSING_GLYPH)
    return bytes(pdf.output())


def pdf_response(invoice: Invoice) -> HttpResponse:
    """The PDF as a download named after the invoice's number (a draft after its id)."""
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number or f"draft-{invoice.pk}"}.pdf"'
    return response


def _title(pdf: InvoicePDF, doc: dict) -> None:
    if doc["banner"]:
        fill = (90, 90, 90) if doc["is_draft"] else (180, 30, 30)
        with pdf.local_context(fill_color=fill, text_color=(255, 255, 255)):
            pdf.set_font(FONT_FAMILY, "B", 10)
            pdf.multi_cell(0, 7, doc["banner"], align=Align.C, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "B", 20)
    pdf.cell(0, 11, doc["title"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    rows = [
        (doc["number_label"], doc["number_display"]),
        (doc["labels"]["issue_date"], doc["issue_date"] or "—"),
        (doc["labels"]["period"], doc["period_label"]),
        (doc["labels"]["status"], doc["status_label"]),
        (doc["labels"]["currency"], doc["currency_label"]),
        *doc["references"],
    ]
    grey = FontFace(color=(90, 90, 90))
    with pdf.table(col_widths=(50, 130), width=180, align=Align.L, borders_layout=TableBordersLayout.NONE,
                   first_row_as_headings=False, line_height=5.5) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=grey)
            row.cell(value)
    pdf.ln(4)


def _parties(pdf: InvoicePDF, doc: dict) -> None:
    labels = doc["labels"]
    pdf.set_font(FONT_FAMILY, "", 9.5)
    # A long Chinese name has no space to wrap at: break it at any character.
    with pdf.table(col_widths=(90, 90), width=180, line_height=5.5, padding=2, wrapmode=WrapMode.CHAR,
                   headings_style=FontFace(emphasis="B", fill_color=(238, 238, 238)),
                   borders_layout=TableBordersLayout.HORIZONTAL_LINES) as table:
        table.row([labels["seller"], labels["buyer"]])
        table.row([f"{labels['legal_name']}：{party['legal_name']}" for party in (doc["seller"], doc["buyer"])])
        table.row([f"{labels['uscc']}：{party['uscc']}" for party in (doc["seller"], doc["buyer"])])
    pdf.ln(5)


def _lines(pdf: InvoicePDF, doc: dict) -> None:
    labels = doc["labels"]
    headings = [labels[key].replace(" ", "\n", 1) for key in
                ("position", "description", "seat_days", "days_in_period", "unit_price", "vat_rate", "amount")]
    pdf.set_font(FONT_FAMILY, "", 8.5)
    with pdf.table(col_widths=(10, 52, 20, 18, 26, 28, 26), width=180, line_height=4.5, padding=1.5,
                   text_align=("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   headings_style=FontFace(emphasis="B", fill_color=(238, 238, 238)),
                   borders_layout=TableBordersLayout.SINGLE_TOP_LINE) as table:
        heading = table.row()
        for text in headings:
            heading.cell(text, align=Align.C)
        for line in doc["lines"]:
            table.row([str(line["position"]), f"{line['description']}\n{line['description_en']}", line["seat_days"],
                       line["days_in_period"], line["unit_price"], f"{line['vat_rate']}\n{line['tax_label']}",
                       line["amount"]])
    pdf.ln(4)


def _totals(pdf: InvoicePDF, doc: dict) -> None:
    labels = doc["labels"]
    pdf.set_font(FONT_FAMILY, "", 10)
    vat_label = f"{labels['vat']} {doc['vat_rates']}".strip()
    with pdf.table(col_widths=(60, 35), width=95, align=Align.R, line_height=6, text_align=("LEFT", "RIGHT"),
                   first_row_as_headings=False, borders_layout=TableBordersLayout.HORIZONTAL_LINES) as table:
        table.row([labels["subtotal"], doc["subtotal"]])
        table.row([vat_label, doc["vat"]])
        bold = FontFace(emphasis="B")
        row = table.row()
        row.cell(labels["total"], style=bold)
        row.cell(doc["total"], style=bold)
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "B", 10.5)
    pdf.multi_cell(0, 6.5, f"{labels['total_in_words']}：{doc['total_in_words']}", border=1, padding=(1, 2),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _notes(pdf: InvoicePDF, doc: dict) -> None:
    pdf.set_font(FONT_FAMILY, "B", 9)
    pdf.cell(0, 6, doc["labels"]["notes"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.set_text_color(70)
    for index, note in enumerate(doc["notes"], start=1):
        # Chinese has no spaces to break at: it wraps at any character, English between words.
        pdf.multi_cell(0, 4.2, f"{index}. {note['zh']}", align=Align.L, wrapmode=WrapMode.CHAR,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(pdf.l_margin + 3)
        pdf.multi_cell(0, 4.2, note["en"], align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    pdf.set_text_color(0)
