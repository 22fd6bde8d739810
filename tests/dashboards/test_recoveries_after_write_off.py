"""The flow dashboard shows money received after a write-off apart, and a reversed recovery drops out."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from cases.ingest import PaymentReport, payments_ingest
from cases.lifecycle import Outcome, Stage
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def pay(case, tx: str, amount: str, at: dt.datetime, reverses: str | None = None):
    payments_ingest(reports=[PaymentReport(tx, case.account.account_number, Decimal(amount), "CNY", at,
                                           reverses=reverses)], now=at)


def test_the_flow_page_shows_post_write_off_recovery_by_month(client, supervisor, team):
    closed_at = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    case = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF, closed_at=closed_at, assigned_team=team,
                       opened_at=closed_at - dt.timedelta(days=200))
    other = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF, closed_at=closed_at, assigned_team=team,
                        opened_at=closed_at - dt.timedelta(days=200))
    pay(case, "TX-1", "300.00", dt.datetime(2026, 10, 5, tzinfo=dt.UTC))
    pay(case, "TX-2", "200.00", dt.datetime(2026, 10, 9, tzinfo=dt.UTC))
    pay(other, "TX-3", "50.00", dt.datetime(2026, 10, 10, tzinfo=dt.UTC))
    pay(other, "RV-3", "50.00", dt.datetime(2026, 10, 12, tzinfo=dt.UTC), reverses="TX-3")

    client.force_login(supervisor)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboards:page", args=["flow"]), OCTOBER)

    assert response.status_code == 200
    table = next(t for t in response.context["tables"] if t.code == "recovery_after_write_off")
    assert table.rows == [{"month": "2026-10", "cases": 1, "recovered": Decimal("500.00")}]
    assert "Post-write-off recovery" in response.content.decode()
