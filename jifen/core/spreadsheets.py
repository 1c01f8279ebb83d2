"""Excel workbooks for downloads: every text cell that a spreadsheet would read as a formula is
neutralised, headers are bold and frozen, columns are wide enough to read.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return before one) is
prefixed with a single quote (') so Excel and WPS show it as text and never evaluate it (CSV /
formula injection, OWASP). Numbers, dates and ``None`` pass through unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """The value as it may go into a cell: text that looks like a formula gets a leading ``'``."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones: local wall time is shown
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class Book:
    """A workbook built sheet by sheet: ``book.sheet(title, headers, rows)``, then ``book.bytes()``."""

    def __init__(self):
        self.workbook = Workbook()
        self._first = True

    def sheet(self, title: str, headers: Sequence[str], rows: Iterable[Sequence], *,
              widths: Sequence[int] | None = None):
        if self._first:
            worksheet = self.workbook.active
            worksheet.title = title[:31]
            self._first = False
        else:
            worksheet = self.workbook.create_sheet(title[:31])
        worksheet.append([safe_cell(h) for h in headers])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        worksheet.freeze_panes = "A2"
        lengths = [len(str(h)) for h in headers]
        for row in rows:
            row = [safe_cell(v) for v in row]
            worksheet.append(row)
            for index, value in enumerate(row[:len(lengths)]):
                lengths[index] = max(lengths[index], len(str(value)) if value is not None else 0)
        for index, length in enumerate(lengths):
            width = widths[index] if widths and index < len(widths) else min(60, max(8, length * 2 + 2))
            worksheet.column_dimensions[get_column_letter(index + 1)].width = width
        return worksheet

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()
