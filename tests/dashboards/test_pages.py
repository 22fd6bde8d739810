import csv
import io
import json

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.services import open_totals_refresh
from tests.dashboards.conftest import NOW

pytestmark = pytest.mark.django_db
OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


@pytest.fixture
def on_first_november(db):
    with time_machine.travel(NOW, tick=False):
        open_totals_refresh()  # as the scheduled refresh does every few minutes
        yield


def test_flow_page_shows_roll_rates_with_their_chart_data(client, october, supervisor, on_first_november):
    client.force_login(supervisor)
    response = client.get(reverse("dashboards:page", args=["flow"]), OCTOBER)
    assert response.status_code == 200
    html = response.content.decode()
    chart = json.loads(html.split('id="chart-data-roll_rates" type="application/json">')[1].split("</script>")[0])
    assert chart["labels"][:2] == ["2026-10 M1", "2026-10 M2"]
    assert chart["datasets"][0]["data"][:2] == [30.0, 100.0]
    assert "30.00%" in html


def test_csv_rows_match_the_table(client, october, supervisor, on_first_november):
    client.force_login(supervisor)
    url = reverse("dashboards:page", args=["teams"])
    page = client.get(url, OCTOBER)
    table = next(t for t in page.context["tables"] if t.code == "agents")
    response = client.get(url, {**OCTOBER, "export": "csv", "table": "agents"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows[0]) == len(table.columns) == 11
    assert rows[0][-3:] == ["Rule-breach complaints", "Contact-rule breaches", "Authorised exceptions"]
    assert rows[1:] == table.cells() == [["agent", "华东一组 East-1", "3", "6", "4", "3", "3200.00", "2", "1", "1",
                                          "1"]]


def test_excel_export_has_a_sheet_per_table_with_numbers(client, october, supervisor, on_first_november):
    client.force_login(supervisor)
    response = client.get(reverse("dashboards:page", args=["flow"]), {**OCTOBER, "export": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[1:] == ["roll_rates", "cure_rate", "recovery_week", "recovery_month",
                                   "recovery_after_write_off"]
    sheet = book["recovery_month"]
    assert [c.value for c in sheet[2]][:2] == ["2026-10-01", 3200]


def test_work_page_shows_a_registered_section_only_with_rows(client, october, supervisor, on_first_november):
    from dashboards import registry

    client.force_login(supervisor)
    section = registry.WorkSection(code="letters", title="Letters",
                                   columns=[("kind", "Kind"), ("letters", "Letters")],
                                   rows=lambda *, cases, start, end: [{"kind": "first", "letters": cases.count()}])
    registry.work_section_register(section)
    try:
        codes = [t.code for t in client.get(reverse("dashboards:page", args=["work"]), OCTOBER).context["tables"]]
    finally:
        registry._SECTIONS.pop("letters")
    # Plan adherence and visit outcomes are registered too, but October's cases have no plan or visit.
    assert codes == ["overdue_tasks", "letters"]
    codes = [t.code for t in client.get(reverse("dashboards:page", args=["work"]), OCTOBER).context["tables"]]
    assert codes == ["overdue_tasks"]


def test_table_cells_are_escaped_and_numbers_right_aligned():
    from core.tables import COUNT, Column, Table

    table = Table("t", "T", [Column("name", "Name"), Column("n", "N", COUNT)], [{"name": "<b>x</b>", "n": 3}])
    assert table.body_html() == '<tr><td>&lt;b&gt;x&lt;/b&gt;</td><td class="num">3</td></tr>'
