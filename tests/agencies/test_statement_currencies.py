"""A month's statement for an agency that recovered in two currencies: every total stays in its currency, on the
page, in the CSV and in the PDF, and on the agencies dashboard."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from agencies.figures import agencies_figures, agency_totals_refresh
from agencies.selectors import statement_month_figures
from agencies.services import placements_create
from cases.ingest import PaymentReport, payments_ingest
from staff.models import Agency
from tests.factories import AccountFactory, CaseFactory

MONTH = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
AT = timezone.make_aware(dt.datetime.combine(MONTH + dt.timedelta(days=2), dt.time(10)))


def pay(case, amount: str, tx: str):
    payments_ingest(reports=[PaymentReport(transaction_id=tx, account_number=case.account.account_number,
                                           amount=Decimal(amount), currency=case.currency, paid_at=AT)], now=AT)


@pytest.fixture
def two_currencies(agency, team, supervisor):
    """Hand-built: an M1 case in CNY and an M1 case in USD, both placed at 12.5 %, paid 1,000.00 CNY and
    200.00 USD: commission 125.00 CNY and 25.00 USD, never 150.00 of anything."""
    Agency.objects.filter(pk=agency.pk).update(capacity=10)
    since = MONTH - dt.timedelta(days=10)
    cny = CaseFactory(assigned_team=team, stage="contact", overdue_since=since)
    usd = CaseFactory(assigned_team=team, stage="contact", overdue_since=since, currency="USD",
                      account=AccountFactory(currency="USD"))
    placements_create(case_ids=[cny.pk, usd.pk], agency=agency, actor=supervisor, at=AT - dt.timedelta(hours=1))
    pay(cny, "1000.00", "TX-CNY")
    pay(usd, "200.00", "TX-USD")
    return cny, usd


def test_the_months_figures_are_per_currency(agency, two_currencies):
    by_currency = {f.currency: f for f in statement_month_figures(agency=agency, month=MONTH)}
    assert sorted(by_currency) == ["CNY", "USD"]
    assert by_currency["CNY"].by_bucket == [("M1", Decimal("1000.00"), Decimal("125.00"))]
    assert by_currency["USD"].by_bucket == [("M1", Decimal("200.00"), Decimal("25.00"))]
    assert (by_currency["CNY"].total, by_currency["USD"].total) == (Decimal("125.00"), Decimal("25.00"))
    # Each currency's recovery rate is over what was placed in that currency alone.
    assert by_currency["USD"].recovery_rate == (Decimal("200.00") / two_currencies[1].total_overdue).quantize(
        Decimal("0.0001"))


def test_the_months_csv_totals_each_currency_apart(client, agency, manager, two_currencies):
    client.force_login(manager)
    response = client.get(reverse("agencies:statement-month-csv", args=[agency.pk, MONTH.year, MONTH.month]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    due = {row["currency"]: (row["recovered"], row["commission"]) for row in rows if row["kind"] == "due"}
    assert due == {"CNY": ("1000.00", "125.00"), "USD": ("200.00", "25.00")}
    totals = [(row["bucket"], row["currency"], row["commission"]) for row in rows if row["kind"] == "total"]
    assert totals == [("M1", "CNY", "125.00"), ("M1", "USD", "25.00")]
    assert "150.00" not in response.content.decode()


def test_the_months_pdf_and_page_name_each_total_with_its_currency(client, agency, manager, two_currencies):
    client.force_login(manager)
    args = [agency.pk, MONTH.year, MONTH.month]
    pdf = client.get(reverse("agencies:statement-month-pdf", args=args))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "125.00 CNY" in text and "25.00 USD" in text and "150.00" not in text
    page = client.get(reverse("agencies:statement-month", args=args)).content.decode()
    assert "125.00 CNY" in page and "25.00 USD" in page and "150.00" not in page


def test_the_dashboard_never_adds_one_currency_to_another(agency, two_currencies):
    agency_totals_refresh()
    [row] = agencies_figures(agencies=Agency.objects.filter(pk=agency.pk))
    assert row.currency == "" and row.recovered == Decimal("0")
    assert [(c.currency, c.recovered) for c in row.by_currency] == [("CNY", Decimal("1000.00")),
                                                                    ("USD", Decimal("200.00"))]


def test_a_made_up_currency_has_no_statement(client, agency, manager):
    client.force_login(manager)
    assert client.get(reverse("agencies:statement", args=[agency.pk, 2026, 11, "XX"])).status_code == 404
    assert client.get(reverse("agencies:statement", args=[agency.pk, 2026, 11, "usd"])).status_code == 200
