"""Sheets (domain/exports.py) written as CSV or XLSX (openpyxl): the one place that knows both formats.

Both pass every text cell through `spreadsheet_safe` (domain/analytics.py, the one rule against formula
injection); XLSX text cells are also typed as text, so even a cell that slipped through is never a formula.
CSV is produced row by row (a streamed HTTP answer); XLSX with openpyxl's write-only workbook, which keeps
rows on disk, not in memory, until the file is closed."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from eventflow.domain.analytics import spreadsheet_safe
from eventflow.domain.exports import Cell, Sheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def csv_text(cell: Cell) -> str | int:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, datetime):
        return cell.replace(microsecond=0).isoformat()
    if isinstance(cell, Decimal):
        return str(cell)
    return spreadsheet_safe(cell)


def csv_lines(sheet: Sheet) -> Iterator[str]:
    """The sheet as CSV, a few lines at a time (for a streamed answer)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(c) for c in sheet.columns])
    for count, row in enumerate(sheet.rows, 1):
        writer.writerow([csv_text(cell) for cell in row])
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_cell(ws: Any, cell: Cell, decimals: int | None) -> WriteOnlyCell:
    if isinstance(cell, str):
        out = WriteOnlyCell(ws, value=spreadsheet_safe(cell))
        out.data_type = "s"  # text, never a formula
        return out
    if isinstance(cell, datetime):  # Excel has no time zones: the event's local wall time
        out = WriteOnlyCell(ws, value=cell.replace(tzinfo=None, microsecond=0))
        out.number_format = DATE_FORMAT
        return out
    out = WriteOnlyCell(ws, value=cell)
    if isinstance(cell, Decimal) and decimals is not None:
        out.number_format = "0." + "0" * decimals if decimals else "0"
    return out


def xlsx_bytes(sheet: Sheet) -> bytes:
    """The sheet as an XLSX file (one worksheet named after the sheet)."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet.name)
    formats = [sheet.decimals.get(column) for column in sheet.columns]
    ws.append([xlsx_cell(ws, column, None) for column in sheet.columns])
    for row in sheet.rows:
        ws.append([xlsx_cell(ws, cell, formats[i] if i < len(formats) else None) for i, cell in enumerate(row)])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        return file.read()
