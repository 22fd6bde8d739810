"""Commission on payments while placed and in the tail, clawbacks, and the monthly statement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.models import CommissionLine, EndCause
from agencies.selectors import statement_figures
from agencies.services import commission_clawback, placements_create, placements_end, statement_approve
from cases.ingest import PaymentReport, payments_ingest
from cases.models import Payment
from core.errors import DomainError
from tests.factories import CaseFactory


def pay(case, amount: str, at: dt.datetime, tx: str):
    return payments_ingest(reports=[PaymentReport(transaction_id=tx, account_number=case.account.account_number,
                                                  amount=Decimal(amount), currency="CNY", paid_at=at)], now=at)


def test_a_payment_while_placed_earns_commission_at_the_base_rate(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    pay(case, "1000.00", timezone.now(), "TX-1")
    line = CommissionLine.objects.get()
    assert (line.rate, line.amount, line.currency) == (Decimal("12.50"), Decimal("125.00"), "CNY")


def test_payments_in_the_tail_count_and_after_it_do_not(agency, case, supervisor, settings):
    settings.AGENCY_COMMISSION_TAIL_DAYS = 30
    start = timezone.now() - dt.timedelta(days=60)
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, at=start)
    ended = start + dt.timedelta(days=10)
    placements_end(case_ids=[case.pk], cause=EndCause.MANUAL, reason="Back in-house", actor=supervisor, at=ended)
    pay(case, "100.00", ended + dt.timedelta(days=29), "TX-tail")
    pay(case, "100.00", ended + dt.timedelta(days=31), "TX-late")
    assert list(CommissionLine.objects.values_list("payment__transaction_id", flat=True)) == ["TX-tail"]


def test_a_case_never_placed_earns_nothing(agency, case):
    pay(case, "100.00", timezone.now(), "TX-none")
    assert not CommissionLine.objects.exists()


def test_a_reversal_claws_back_the_commission_once(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    pay(case, "200.00", timezone.now(), "TX-2")
    payment = Payment.objects.get(transaction_id="TX-2")
    line = commission_clawback(payment_id=payment.pk, actor="core-system")
    again = commission_clawback(payment_id=payment.pk, actor="core-system")
    assert line.amount == Decimal("-25.00") and again.pk == line.pk
    assert sum(CommissionLine.objects.values_list("amount", flat=True)) == Decimal("0.00")


def test_the_core_systems_reversal_claws_back_the_commission_in_its_batch(agency, case, supervisor):
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    paid_at = timezone.now()
    pay(case, "200.00", paid_at, "TX-3")
    [outcome] = payments_ingest(reports=[PaymentReport(
        transaction_id="TX-3-R", account_number=case.account.account_number, amount=Decimal("200.00"),
        currency="CNY", paid_at=paid_at + dt.timedelta(hours=1), reverses="TX-3")], now=paid_at + dt.timedelta(hours=1))
    clawback = CommissionLine.objects.get(kind=CommissionLine.Kind.CLAWBACK)
    assert clawback.payment.transaction_id == "TX-3" and clawback.amount == Decimal("-25.00")
    assert sum(CommissionLine.objects.values_list("amount", flat=True)) == Decimal("0.00")


def test_the_statement_adds_up_by_bucket_with_the_recovery_tier(agency, team, supervisor, manager):
    agency.recovery_tiers = [{"min_rate": "0.05", "adjust_percent": "10"}]
    agency.capacity = 10
    agency.save()
    month_start = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    at = timezone.make_aware(dt.datetime.combine(month_start + dt.timedelta(days=2), dt.time(10)))
    m1 = CaseFactory(assigned_team=team, stage="contact", overdue_since=month_start - dt.timedelta(days=10))
    m4 = CaseFactory(assigned_team=team, stage="contact", overdue_since=month_start - dt.timedelta(days=100))
    placements_create(case_ids=[m1.pk, m4.pk], agency=agency, actor=supervisor, at=at - dt.timedelta(hours=1))
    pay(m1, "1000.00", at, "TX-a")            # M1 at 12.5 % = 125.00
    pay(m4, "2000.00", at, "TX-b")            # M4 at 15 %  = 300.00
    figures = statement_figures(agency=agency, month=month_start, currency="CNY")
    assert figures.by_bucket == [("M1", Decimal("1000.00"), Decimal("125.00")),
                                 ("M4", Decimal("2000.00"), Decimal("300.00"))]
    # recovered 3000 of 2 × 10225.50 placed: 14.67 %, past the 5 % tier: +10 % of 425.00
    assert figures.commission == Decimal("425.00") and figures.adjustment == Decimal("42.50")
    assert figures.total == Decimal("467.50")
    with pytest.raises(DomainError):
        statement_approve(agency=agency, month=month_start, currency="CNY", actor=supervisor)
    statement = statement_approve(agency=agency, month=month_start, currency="CNY", actor=manager)
    assert statement.total == Decimal("467.50")


def test_the_statement_downloads_as_csv_and_pdf_and_a_manager_approves_it(agency, case, supervisor, manager,
                                                                          client):
    from django.urls import reverse

    month_start = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    at = timezone.make_aware(dt.datetime.combine(month_start + dt.timedelta(days=3), dt.time(10)))
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, at=at - dt.timedelta(hours=1))
    pay(case, "400.00", at, "TX-S")
    args = [agency.pk, month_start.year, month_start.month, "CNY"]
    client.force_login(supervisor)
    csv_text = client.get(reverse("agencies:statement-csv", args=args)).content.decode()
    assert "TX-S" in csv_text and "50.00" in csv_text and case.account.account_number not in csv_text
    pdf = client.get(reverse("agencies:statement-pdf", args=args))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.post(reverse("agencies:statement-approve", args=args)).status_code == 403
    client.force_login(manager)
    client.post(reverse("agencies:statement-approve", args=args))
    assert agency.statements.get().total == Decimal("50.00")
