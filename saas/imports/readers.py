"""Spreadsheet files (CSV or XLSX) into rows of `{column: text}`, with the header normalised."""

from __future__ import annotations

import csv
import io
import zipfile

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from saas.api.errors import DomainError

MAX_BYTES = 5 * 2**20
MAX_ROWS = 10_000


def read_rows(name: str, content: bytes, columns: dict[str, str]) -> list[dict[str, str]]:
    """Rows as dicts keyed by canonical column name; `columns` maps every accepted header (English or
    Chinese, any case) to its canonical name. Empty rows are skipped."""
    if len(content) > MAX_BYTES:
        raise DomainError("file_too_large", _("The file is larger than 5 MB."))
    table = _xlsx(content) if name.lower().endswith(".xlsx") else _csv(content)
    if not table:
        raise DomainError("file_empty", _("The file has no header row."))
    header = [columns.get(str(cell or "").strip().lower()) for cell in table[0]]
    unknown = [str(cell) for cell, known in zip(table[0], header, strict=True) if cell and not known]
    if unknown:
        raise DomainError("unknown_columns", _("Some columns are not known: %(columns)s.")
                          % {"columns": ", ".join(unknown)}, details={"columns": unknown})
    rows = []
    for cells in table[1:]:
        values = {key: _text(cell) for key, cell in zip(header, cells, strict=False) if key}
        if any(values.values()):
            rows.append(values)
    if len(rows) > MAX_ROWS:
        raise DomainError("file_too_long", _("The file has more than %(rows)d rows.") % {"rows": MAX_ROWS})
    return rows


def _csv(content: bytes) -> list[list[str]]:
    # Excel on Chinese Windows saves CSV in GB18030 (a superset of GBK); everything else in UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise DomainError("file_encoding", _("The CSV file is neither UTF-8 nor GBK."))


def _xlsx(content: bytes) -> list[list]:
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise DomainError("file_unreadable", _("The file is not a readable XLSX workbook.")) from error
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _text(cell) -> str:
    if cell is None:
        return ""
    if hasattr(cell, "date") and hasattr(cell, "hour"):  # a datetime from a date cell
        return cell.date().isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # 8001.0 → "8001": Excel stores numbers as floats
    return str(cell).strip()
