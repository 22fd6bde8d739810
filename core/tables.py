"""A table of figures: its columns, rows and chart. The page, the CSV and the Excel file all read it, so
what is downloaded is what is shown."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.spreadsheets import spreadsheet_row

TEXT, COUNT, MONEY, RATE = "text", "count", "money", "rate"
NUM = mark_safe(' class="num"')  # noqa: S308 (a constant attribute)


@dataclass
class Column:
    key: str
    label: str
    kind: str = TEXT


@dataclass
class Table:
    code: str
    title: str
    columns: list[Column]
    rows: list[dict]
    # Chart.js type and the numeric columns to draw; the first column labels the points.
    chart: str = "bar"
    series: list[str] = field(default_factory=list)
    note: str = ""
    # The columns whose values, joined, label the chart's points; the first column by default.
    label_keys: list[str] = field(default_factory=list)

    def cells(self) -> list[list[str]]:
        return [[cell(row.get(c.key), c.kind) for c in self.columns] for row in self.rows]

    def body_html(self) -> str:
        """The table's rows as escaped HTML, numbers right-aligned. Built here rather than in a template
        loop: a page of a few hundred agents renders in a fraction of the time."""
        numeric = [c.kind != TEXT for c in self.columns]
        return format_html_join("", "<tr>{}</tr>", (
            (format_html_join("", "<td{}>{}</td>", ((NUM if n else "", value)
                                                    for value, n in zip(row, numeric, strict=True))),)
            for row in self.cells()))

    def chart_data(self) -> dict:
        label_keys = self.label_keys or [self.columns[0].key]
        by_key = {c.key: c for c in self.columns}
        return {
            "type": self.chart,
            "labels": [" ".join(str(r.get(key)) for key in label_keys) for r in self.rows],
            "datasets": [{"label": str(by_key[key].label),
                          "data": [_number(r.get(key), by_key[key].kind) for r in self.rows]}
                         for key in self.series],
        }


def cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == RATE:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.01'))}%"
    if kind == MONEY:
        return f"{Decimal(value).quantize(Decimal('0.01'))}"
    return str(value)


def _number(value, kind: str):
    # Only for drawing: the tables and exports keep exact decimals.
    if value is None:
        return None
    return float(value) * 100 if kind == RATE else float(value)


def csv_response(*, table: Table, filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(spreadsheet_row(str(c.label) for c in table.columns))
    writer.writerows(spreadsheet_row(row) for row in table.cells())
    # A byte-order mark so spreadsheet programs read the Chinese labels as UTF-8.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(*, tables: list[Table], filename: str, filters: list[tuple[str, str]]) -> HttpResponse:
    """One sheet per table, numbers as numbers (rates as fractions formatted as percentages), and a
    first sheet saying which filters produced them."""
    from openpyxl import Workbook

    book = Workbook()
    about = book.active
    about.title = _("Filters")[:31]
    for name, value in filters:
        about.append(spreadsheet_row([name, value]))
    for table in tables:
        sheet = book.create_sheet(table.code[:31])
        sheet.append(spreadsheet_row(str(c.label) for c in table.columns))
        for row in table.rows:
            sheet.append(spreadsheet_row(_excel(row.get(c.key), c.kind) for c in table.columns))
        for index, column in enumerate(table.columns, start=1):
            if column.kind in (MONEY, RATE):
                fmt = "0.00%" if column.kind == RATE else "#,##0.00"
                for (c,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    c.number_format = fmt
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _excel(value, kind: str):
    if value is None:
        return None
    if kind in (MONEY, RATE):
        return Decimal(value)
    return value if isinstance(value, int) else str(value)
