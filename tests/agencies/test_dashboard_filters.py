"""The agencies page's filters (period of placement, bucket, currency, status, region) and its CSV and Excel
downloads, against a hand-built fixture."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.figures import AgencyFilters, agencies_figures, agency_totals_refresh
from agencies.services import agency_status_change, placements_create
from cases.ingest import PaymentReport, payments_ingest
from core.actors import SYSTEM
from staff.models import Agency
from tests.factories import CaseFactory


def _build(*, agency, other_agency, team, supervisor):
    """Two placements with the first agency: one 40 days ago in its early bucket, one 5 days ago in a late
    one, each with a payment. The other agency is suspended and serves no region."""
    agency.capacity = 5
    agency.save()
    today, now = timezone.localdate(), timezone.now()
    early = CaseFactory(assigned_team=team, stage="contact", overdue_since=today - dt.timedelta(days=55))
    late = CaseFactory(assigned_team=team, stage="contact", overdue_since=today - dt.timedelta(days=200))
    placements_create(case_ids=[early.pk], agency=agency, actor=supervisor, at=now - dt.timedelta(days=40))
    placements_create(case_ids=[late.pk], agency=agency, actor=supervisor, at=now - dt.timedelta(days=5))
    for number, (case, amount) in enumerate(((early, "500.00"), (late, "200.00"))):
        payments_ingest(reports=[PaymentReport(transaction_id=f"TX-F{number}", amount=Decimal(amount),
                                               account_number=case.account.account_number, currency="CNY",
                                               paid_at=now)])
    agency_status_change(agency=other_agency, status=Agency.Status.SUSPENDED, reason="Audit", actor=SYSTEM)
    agency_totals_refresh()
    early.refresh_from_db()
    late.refresh_from_db()  # what they owe after the payments
    return early.placements.get(), late.placements.get()


def _one(agency, filters):
    return agencies_figures(agencies=Agency.objects.filter(pk=agency.pk), filters=filters)


def test_the_period_and_bucket_of_placement_keep_a_cohort_of_placements(agency, other_agency, team, supervisor):
    early, late = _build(agency=agency, other_agency=other_agency, team=team, supervisor=supervisor)
    assert early.bucket != late.bucket
    [everything] = _one(agency, AgencyFilters())
    assert (everything.placed, everything.recovered) == (2, Decimal("700.00"))
    recent = AgencyFilters(placed_from=timezone.localdate() - dt.timedelta(days=10))
    [row] = _one(agency, recent)
    assert (row.placed, row.recovered, row.balance) == (1, Decimal("200.00"), late.case.total_overdue)
    assert row.recovery_rate == (Decimal("200.00") / late.balance).quantize(Decimal("0.0001"))
    [row] = _one(agency, AgencyFilters(placed_to=timezone.localdate() - dt.timedelta(days=10)))
    assert (row.placed, row.recovered) == (1, Decimal("500.00"))
    [row] = _one(agency, AgencyFilters(bucket=early.bucket))
    assert (row.placed, row.recovered) == (1, Decimal("500.00"))
    [row] = _one(agency, AgencyFilters(bucket=early.bucket, placed_from=timezone.localdate() - dt.timedelta(days=10)))
    assert (row.placed, row.by_currency) == (0, [])
    [row] = _one(agency, AgencyFilters(currency="USD"))
    assert (row.placed, row.by_currency) == (0, [])


def test_status_and_region_choose_the_agencies(agency, other_agency, team, supervisor):
    _build(agency=agency, other_agency=other_agency, team=team, supervisor=supervisor)
    both = Agency.objects.filter(pk__in=[agency.pk, other_agency.pk])
    assert [r.agency for r in agencies_figures(agencies=both, filters=AgencyFilters(status="suspended"))] == [
        other_agency]
    assert [r.agency for r in agencies_figures(agencies=both, filters=AgencyFilters(region="上海"))] == [agency]
    assert agencies_figures(agencies=both, filters=AgencyFilters(region="北京")) == []


def test_the_page_offers_the_regions_the_agencies_serve(agency, other_agency, supervisor, client):
    client.force_login(supervisor)
    page = client.get(reverse("agencies:dashboard")).content.decode()
    assert '<option value="上海">上海</option>' in page
    kept = client.get(reverse("agencies:dashboard"), {"region": "上海"}).content.decode()
    assert "Anxin Collections" in kept and "Other Agency" not in kept
    # Matched exactly, so a region no agency lists is refused beside the field rather than showing nothing.
    refused = client.get(reverse("agencies:dashboard"), {"region": "上海市"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()


def test_the_page_filters_and_downloads_what_it_shows(agency, other_agency, team, supervisor, client):
    _early, late = _build(agency=agency, other_agency=other_agency, team=team, supervisor=supervisor)
    client.force_login(supervisor)
    since = f"{timezone.localdate() - dt.timedelta(days=10):%Y-%m-%d}"
    page = client.get(reverse("agencies:dashboard"), {"placed_from": since, "status": "approved"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Anxin Collections" in body and "Other Agency" not in body and "200.00 CNY" in body
    assert "whole record" in body and f'value="{since}"' in body

    download = client.get(reverse("agencies:dashboard"), {"placed_from": since, "status": "approved",
                                                          "export": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    header, [row] = rows[0], rows[1:]
    assert header[:6] == ["Agency", "Whitelist status", "Currency", "Cases placed", "Balance placed", "Recovered"]
    assert row[:6] == [agency.name, "Approved", "CNY", "1", f"{late.case.total_overdue:.2f}", "200.00"]

    book = load_workbook(io.BytesIO(client.get(reverse("agencies:dashboard"), {
        "placed_from": since, "export": "xlsx"}).content))
    assert [list(r) for r in book.worksheets[0].iter_rows(values_only=True)] == [["Placed from", since]]
    header, *rows = book["agencies"].iter_rows(values_only=True)
    assert len(rows) == 2  # and the other agency, with nothing placed
    values = next(dict(zip(header, row, strict=True)) for row in rows if row[0] == agency.name)
    assert (values["Recovered"], values["Cases placed"], values["Currency"]) == (200, 1, "CNY")


def test_a_filter_that_cannot_be_read_is_shown_beside_its_field_and_kept(agency, supervisor, client):
    client.force_login(supervisor)
    page = client.get(reverse("agencies:dashboard"), {"placed_from": "2026-11-30", "placed_to": "2026-11-01",
                                                      "currency": "XX"})
    assert page.status_code == 400
    body = page.content.decode()
    assert "The end date must not be before the start date." in body and "Enter an ISO 4217 currency code" in body
    assert 'value="2026-11-30"' in body and 'value="XX"' in body
    assert client.get(reverse("agencies:dashboard"), {"export": "pdf"}).status_code == 404


def test_the_page_shows_the_rates_and_the_filters_as_the_downloads_write_them(agency, other_agency, team,
                                                                             supervisor, client):
    _early, late = _build(agency=agency, other_agency=other_agency, team=team, supervisor=supervisor)
    client.force_login(supervisor)
    since = f"{timezone.localdate() - dt.timedelta(days=10):%Y-%m-%d}"
    query = {"placed_from": since, "status": "approved"}
    body = client.get(reverse("agencies:dashboard"), query).content.decode()
    rows = list(csv.reader(io.StringIO(client.get(reverse("agencies:dashboard"), {**query, "export": "csv"})
                                       .content.decode("utf-8-sig"))))
    values = dict(zip(rows[0], rows[1], strict=True))
    # The same rate on the page as in the file, to the hundredth of a percent (not rounded to a whole one).
    assert values["Recovery rate"].endswith("%") and f">{values['Recovery rate']}<" in body
    book = load_workbook(io.BytesIO(client.get(reverse("agencies:dashboard"), {**query, "export": "xlsx"}).content))
    # The status by its name, as the page's list shows it, not its code.
    assert [list(r) for r in book.worksheets[0].iter_rows(values_only=True)] == [
        ["Placed from", since], ["Whitelist status", "Approved"]]
