"""Spreadsheet exports of the console's lists: a CSV that Excel opens as UTF-8, and an XLSX.

A list hands over its header and its rows of plain values: datetimes stay datetimes (XLSX writes them
as real dates), amounts are exact `Decimal`s (XLSX writes them as numbers). Exports are built in memory
(under ASGI Django buffers a streamed response anyway); each list caps its rows itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
AMOUNT_FORMAT = "#,##0.00"


def local(value):
    """Datetimes in the platform's time zone, without tzinfo (Excel has none)."""
    return timezone.localtime(value).replace(tzinfo=None) if hasattr(value, "tzinfo") and value else value


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads a BOM-less CSV as the local ANSI code page and garbles Chinese
    writer = csv.writer(out)
    writer.writerow([str(label) for label in header])
    for row in rows:
        writer.writerow([value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else value
                         for value in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(header: Sequence, rows: Iterable[Sequence], *, title: str, widths: Sequence[int] = ()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)  # rows go straight to the file, not into a cell tree
    sheet = book.create_sheet(str(title))
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width

    def cell(value):
        # Every value its own cell: openpyxl's write-only rows do not mix styled cells and plain values.
        written = WriteOnlyCell(sheet, value=value)
        if hasattr(value, "strftime"):
            written.number_format = DATETIME_FORMAT
        elif isinstance(value, Decimal):
            written.number_format = AMOUNT_FORMAT
        return written

    bold = Font(bold=True)
    heading = []
    for label in header:
        written = WriteOnlyCell(sheet, value=str(label))
        written.font = bold
        heading.append(written)
    sheet.append(heading)
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_response(fmt: str, header: Sequence, rows: Iterable[Sequence], *, name: str, title: str,
                    widths: Sequence[int] = ()) -> HttpResponse:
    """The rows as an attachment `<name>-<local time>.<fmt>`; `fmt` is one of FORMATS (the caller checks)."""
    content = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, title=title, widths=widths)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
