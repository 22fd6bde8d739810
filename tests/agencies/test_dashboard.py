"""The agencies dashboard's figures, against a hand-built fixture."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from agencies.figures import agencies_figures, agency_totals_refresh
from agencies.models import EndCause
from agencies.services import placements_create, placements_end
from cases.ingest import PaymentReport, payments_ingest
from complaints.services import complaint_open
from contacts.models import AttemptResult, Channel
from contacts.services import contact_attempt_log
from staff.models import Agency
from tests.factories import CaseFactory


def test_the_dashboard_counts_what_the_agency_holds_recovers_and_how_it_behaves(agency, agency_agent, team,
                                                                               supervisor, client):
    agency.capacity = 10
    agency.save()
    start = timezone.now() - dt.timedelta(days=5)
    kept, ended = (CaseFactory(assigned_team=team, stage="contact") for _ in range(2))
    placements_create(case_ids=[kept.pk, ended.pk], agency=agency, actor=supervisor, at=start)
    contact_attempt_log(case=kept, channel=Channel.CALL, actor=agency_agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=start + dt.timedelta(days=2))
    complaint_open(case=kept, kind="complaint", channel="phone", category="amount", description="Wrong sum",
                   actor=supervisor)
    payments_ingest(reports=[PaymentReport(transaction_id="TX-D1", account_number=kept.account.account_number,
                                           amount=Decimal("1022.55"), currency="CNY", paid_at=timezone.now())])
    placements_end(case_ids=[ended.pk], cause=EndCause.MANUAL, reason="Back in-house", actor=supervisor)
    agency_totals_refresh()
    [row] = agencies_figures(agencies=Agency.objects.filter(pk=agency.pk))
    assert (row.placed, row.contacts, row.recovered) == (1, 1, Decimal("1022.55"))
    assert row.recovery_rate == Decimal("0.0500")  # 1022.55 of 2 × 10225.50
    assert row.complaints_per_1000 == Decimal("1000.0") and row.days_to_first_contact == Decimal("2.0")
    assert row.ends == {"manual": 1}
    client.force_login(supervisor)
    assert client.get(reverse("agencies:dashboard")).status_code == 200


def test_the_in_house_comparison_reads_the_refreshed_totals_of_cases_never_placed(agency, team, supervisor):
    from agencies.figures import in_house_recovery_rate, in_house_totals_refresh

    now = timezone.now()
    in_house = CaseFactory(assigned_team=team, stage="contact", overdue_since=timezone.localdate() - dt.timedelta(
        days=100), principal_overdue=Decimal("9000.00"), interest_overdue=Decimal("0"), fees_overdue=Decimal("0"),
        penalty_overdue=Decimal("0"))
    placed = CaseFactory(assigned_team=team, stage="contact", overdue_since=in_house.overdue_since)
    placements_create(case_ids=[placed.pk], agency=agency, actor=supervisor)
    payments_ingest(reports=[PaymentReport(transaction_id="TX-IH", account_number=in_house.account.account_number,
                                           amount=Decimal("1000.00"), currency="CNY", paid_at=now)])
    assert in_house_recovery_rate(buckets=["M4"], currency="CNY") is None  # nothing until the refresh
    in_house_totals_refresh()
    in_house.refresh_from_db()
    # Paid 1,000 of what it owed before: what it owes now plus what it paid. The placed case is left out.
    assert in_house_recovery_rate(buckets=["M4"], currency="CNY") == (
        Decimal("1000.00") / (in_house.total_overdue + Decimal("1000.00"))).quantize(Decimal("0.0001"))
    assert in_house_recovery_rate(buckets=["M4"], currency="USD") is None
    agency_totals_refresh()
    [row] = agencies_figures(agencies=Agency.objects.filter(pk=agency.pk))
    assert row.in_house_rate == in_house_recovery_rate(buckets=["M4"], currency="CNY")
