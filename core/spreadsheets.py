"""Writing an exported table (.xlsx or .csv) the way people read it; every export of ours goes through here.

Cells: booleans as 是/否, dates as ISO (2026-01-31), date-times in local time to the minute, numbers stay
numbers (a Decimal keeps its places, so money shows 2), anything else (labels, related objects) as text.
A CSV starts with a byte-order mark so that Excel opens Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def cell_value(value):
    """One value as a spreadsheet cell: a number, or text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    return str(value)


def _number_format(value: Decimal) -> str:
    exponent = value.as_tuple().exponent  # a letter for infinities and NaN
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return "0." + "0" * places if places else "0"


def _csv_text(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_bytes(headers: Sequence, rows: Iterable[Sequence], fmt: str) -> bytes:
    """The table as the bytes of an .xlsx or .csv file."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(h) for h in headers])
        for row in rows:
            writer.writerow([_csv_text(cell_value(v)) for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="Sheet1")
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for heading in headers:
            header_cell = WriteOnlyCell(sheet, str(heading))
            header_cell.font = bold
            header_cells.append(header_cell)
        sheet.append(header_cells)
        for row in rows:
            cells = []
            for raw in row:
                value = cell_value(raw)
                xlsx_cell = WriteOnlyCell(sheet, value)
                if xlsx_cell.data_type == "f":  # text such as "=1+1" stays text, never a formula
                    xlsx_cell.data_type = "s"
                if isinstance(value, Decimal):
                    xlsx_cell.number_format = _number_format(value)
                cells.append(xlsx_cell)
            sheet.append(cells)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    raise ValueError(_("只能导出为 .xlsx 或 .csv。"))


def download(content: bytes, *, fmt: str, name: str) -> HttpResponse:
    """A file download named ``<name>-<today>.<fmt>``."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    return file_response(content, fmt=fmt, filename=f"{name}-{stamp}.{fmt}")


def file_response(content: bytes, *, fmt: str, filename: str) -> HttpResponse:
    """A spreadsheet download with exactly this file name (ASCII; Chinese names go in the sheet)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(content: bytes, *, filename: str) -> HttpResponse:
    """An .xlsx download: the one way views return a workbook they built (e.g. ``dataset.export("xlsx")``)."""
    return file_response(content, fmt="xlsx", filename=filename)
