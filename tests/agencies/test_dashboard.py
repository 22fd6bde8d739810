"""The agencies dashboard's figures, against a hand-built fixture."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from agencies.figures import agencies_figures
from agencies.models import EndCause
from agencies.services import placements_create, placements_end
from cases.ingest import PaymentReport, payments_ingest
from complaints.services import complaint_open
from contacts.models import AttemptResult, Channel
from contacts.services import contact_attempt_log
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
    [row] = agencies_figures(agencies=[agency])
    assert (row.placed, row.contacts, row.recovered) == (1, 1, Decimal("1022.55"))
    assert row.recovery_rate == Decimal("0.0500")  # 1022.55 of 2 × 10225.50
    assert row.complaints_per_1000 == Decimal("1000.0") and row.days_to_first_contact == Decimal("2.0")
    assert row.ends == {"manual": 1}
    client.force_login(supervisor)
    assert client.get(reverse("agencies:dashboard")).status_code == 200
