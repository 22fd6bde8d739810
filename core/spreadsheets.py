"""Cells for CSV and Excel exports that a spreadsheet cannot run as formulas.

Every export (audit trail, dashboards, complaints, any later one) writes its cells through
`spreadsheet_cell`: free text such as a reveal reason `=HYPERLINK(...)` would otherwise be live in
Excel (OWASP "CSV injection"). Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading apostrophe, which spreadsheets show as text. Numbers stay numbers, and a text value that is
a plain number (`-12.50`, `-5.00%`) is written as it is, so the files hold exactly the figures shown.
"""

import csv
import re
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?%?")


def spreadsheet_cell(value):
    """`value` made safe for a CSV or Excel cell: numbers and None unchanged, text neutralised."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def spreadsheet_row(values) -> list:
    return [spreadsheet_cell(value) for value in values]


class _Echo:
    """A file that hands back what the csv writer writes, so rows stream without a buffer."""

    def write(self, value):
        return value


def csv_stream(*, filename: str, header: list, rows) -> StreamingHttpResponse:
    """A CSV download streamed row by row (an export may hold every row of a large table), each cell
    neutralised by `spreadsheet_cell`."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(spreadsheet_row(row)) for row in [header, *rows]),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
