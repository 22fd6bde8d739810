import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import Outcome, Stage
from cases.models import Case
from dashboards import selectors
from dashboards.filters import DashboardFilters, dashboard_snapshots
from dashboards.models import CaseSpanTotal, OpenCaseTotal
from dashboards.services import open_totals_refresh
from dashboards.tasks import refresh_open_totals
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 10, 31, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = AT.date()


@pytest.fixture
def cases(team, agent):
    platinum = CaseFactory(stage=Stage.CONTACT, overdue_since=DAY - dt.timedelta(days=31), assigned_team=team,
                           assigned_agent=agent, account__product="Platinum")
    classic = CaseFactory(stage=Stage.CONFIRM, overdue_since=DAY - dt.timedelta(days=3), assigned_team=team,
                          assigned_agent=agent, account__product="Classic")
    CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=AT - dt.timedelta(days=2))
    return platinum, classic


def test_the_refresh_sums_open_cases_by_bucket_stage_and_dimensions(cases, team, agent):
    platinum, classic = cases
    assert open_totals_refresh(at=AT) == 2
    rows = set(OpenCaseTotal.objects.values_list("day", "product", "bucket", "stage", "cases", "balance", "team_id",
                                                 "agent_id", "region"))
    assert rows == {(DAY, "Platinum", "M2", "contact", 1, platinum.total_overdue, team.pk, agent.pk, "上海"),
                    (DAY, "Classic", "M1", "confirm", 1, classic.total_overdue, team.pk, agent.pk, "上海")}


def test_a_second_refresh_replaces_the_first(cases):
    platinum, _classic = cases
    open_totals_refresh(at=AT)
    Case.objects.filter(pk=platinum.pk).update(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=AT)
    open_totals_refresh(at=AT + dt.timedelta(minutes=5))
    assert list(OpenCaseTotal.objects.values_list("product", "refreshed_at")) == [
        ("Classic", AT + dt.timedelta(minutes=5))]


def test_the_product_filter_narrows_the_portfolio(cases, manager):
    platinum, _classic = cases
    open_totals_refresh(at=AT)
    filters = DashboardFilters(start=DAY, end=DAY, currency="CNY", product="Platinum")
    rows = {r["bucket"]: (r["cases"], r["balance"]) for r in selectors.portfolio_by_bucket(
        totals=dashboard_snapshots(user=manager, filters=filters, model=OpenCaseTotal))}
    assert rows["M2"] == (1, platinum.total_overdue)
    assert rows["M1"] == (0, Decimal("0.00"))


def test_the_task_refreshes_the_totals(cases):
    assert refresh_open_totals() == 2
    assert selectors.portfolio_refreshed_at() is not None


def test_the_refresh_is_scheduled_every_five_minutes(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="dashboards.refresh_open_totals")
    assert (task.crontab.minute, task.crontab.hour) == ("*/5", "*")


def test_the_refresh_counts_every_case_by_the_days_it_opened_and_closed(cases):
    open_totals_refresh(at=AT)
    zone = AT.tzinfo
    expected = {}
    for case in Case.objects.all():
        closed = case.closed_at.astimezone(zone).date() if case.closed_at else None
        key = (case.opened_at.astimezone(zone).date(), closed)
        cases_, cured = expected.get(key, (0, 0))
        expected[key] = (cases_ + 1, cured + (case.outcome == Outcome.CURED))
    found = {}
    for opened, closed, n, cured in CaseSpanTotal.objects.values_list("opened_day", "closed_day", "cases", "cured"):
        cases_, cured_ = found.get((opened, closed), (0, 0))
        found[(opened, closed)] = (cases_ + n, cured_ + cured)
    assert found == expected
    assert sum(cured for _n, cured in found.values()) == 1
